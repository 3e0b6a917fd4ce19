"""The speech worker: a QObject living in a QThread that runs readings (core `Playback`) and turns what they
report into typed signals for the window. Audio goes from the socket to the player inside core, never here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from core import protocol
from core.playback import (
    AudioError, AudioOutput, ConnectionEvent, Heard, Playback, PlaybackListener, PlaybackRequest, PlaybackState,
    ReadResult, Reconnected, Reconnecting, Span, open_output,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechRequest:
    playback: PlaybackRequest
    backend: str = "auto"
    volume: float = 1.0


class _Bridge(PlaybackListener):
    """Hands one playback's reports, from core threads, to the worker's thread, tagged with their source."""

    def __init__(self, worker: "SpeechWorker") -> None:
        self._worker = worker

    def _post(self, event: object) -> None:
        try:
            self._worker._reported.emit(self, event)
        except RuntimeError:  # the window and its worker are already gone: there is no one to tell
            log.debug("dropped a report: the worker was deleted")

    def on_state(self, state: PlaybackState) -> None:
        self._post(state)

    def on_metadata(self, metadata: protocol.Metadata) -> None:
        self._post(metadata)

    def on_span_received(self, span: Span) -> None:
        self._post(span)

    def on_heard(self, heard: Heard) -> None:
        self._post(heard)

    def on_warning(self, message: str) -> None:
        self._post(message)

    def on_connection(self, event: ConnectionEvent) -> None:
        self._post(event)

    def on_audio_error(self, error: AudioError) -> None:
        self._post(error)

    def on_closed(self, reading: ReadResult) -> None:
        self._post(reading)


class SpeechWorker(QObject):
    """Runs in its own thread. Drive it only through its slots (queued from the window)."""

    state_changed = Signal(object)  # PlaybackState
    metadata_received = Signal(str, str)  # model, request id
    spoken = Signal(int, int)  # the characters whose audio has all arrived
    heard = Signal(int, int)  # the sentence being heard now
    first_audio = Signal(float)  # seconds from starting to connect to the first audio byte
    warning = Signal(str)
    connection = Signal(str)  # "Reconnecting (attempt 2)... why", then "Reconnected after 1.4 s"
    audio_error = Signal(str)
    closed = Signal(object)  # ReadResult: the closure, or why the connection could not open
    _reported = Signal(object, object)  # (source bridge, event) from core threads

    def __init__(self) -> None:
        super().__init__()
        self._output: AudioOutput | None = None
        self._backend = ""
        self._playback: Playback | None = None
        self._bridge: _Bridge | None = None
        self._reported.connect(self._on_reported)

    # --- slots (worker thread) --------------------------------------------------------------------

    @Slot(object)
    def start(self, request: SpeechRequest) -> None:
        self.stop()
        try:
            output = self._output_for(request.backend)
        except ValueError as exc:
            self._playback = self._bridge = None
            self.audio_error.emit(str(exc))
            self.state_changed.emit(PlaybackState.FAILED)
            return
        output.volume = request.volume
        self._bridge = _Bridge(self)
        self._playback = Playback(request.playback, self._bridge, output=output)
        self._playback.start()

    @Slot()
    def pause(self) -> None:
        if self._playback is not None:
            self._playback.pause()

    @Slot()
    def resume(self) -> None:
        if self._playback is not None:
            self._playback.resume()

    @Slot()
    def stop(self) -> None:
        if self._playback is not None:
            self._playback.stop()

    @Slot(float)
    def set_volume(self, volume: float) -> None:
        if self._output is not None:
            self._output.volume = volume

    @Slot(float, bool)
    def set_speed(self, speed: float, smart: bool) -> None:
        if self._playback is not None:
            self._playback.change_speed(speed, smart)

    @Slot()
    def shutdown(self) -> None:
        playback = self._playback
        if playback is not None:
            playback.stop()
            playback.wait(3)  # Close is sent; let the session end while there is still a worker to hear of it
        if self._output is not None:
            self._output.close()
            self._output: AudioOutput | None = None

    @property
    def playback(self) -> Playback | None:
        """The current reading (for tests and diagnostics; the window uses the signals)."""
        return self._playback

    # --- internals ----------------------------------------------------------------------------------

    def _output_for(self, backend: str) -> AudioOutput:
        if self._output is None or self._backend != backend:
            if self._output is not None:
                self._output.close()
            self._output = open_output(backend)
            self._backend = backend
        return self._output

    @Slot(object, object)
    def _on_reported(self, source: _Bridge, event: object) -> None:
        current = source is self._bridge
        if isinstance(event, ReadResult):
            self.closed.emit(event)  # an earlier reading's closure is still news
            if current and event.first_audio_seconds is not None:
                self.first_audio.emit(event.first_audio_seconds)
        elif not current:
            return  # a reading that was replaced: its state and position no longer matter
        elif isinstance(event, PlaybackState):
            self.state_changed.emit(event)
        elif isinstance(event, Heard):
            self.heard.emit(event.start, event.end)
        elif isinstance(event, Span):
            self.spoken.emit(event.start, event.end)
        elif isinstance(event, protocol.Metadata):
            self.metadata_received.emit(f"{event.model_name} {event.model_version}".strip(), event.request_id)
        elif isinstance(event, AudioError):
            self.audio_error.emit(str(event))
        elif isinstance(event, str):
            self.warning.emit(event)
        elif isinstance(event, (Reconnecting, Reconnected)):
            self.connection.emit(str(event))
