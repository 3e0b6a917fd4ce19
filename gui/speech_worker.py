"""The speech worker: a QObject living in a QThread that runs readings with the core Reader and player,
and tells the window what happens through signals. Audio goes from the socket straight to the player,
never through the GUI's event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core import protocol
from core.audio import AudioError, AudioListener, AudioOutput, create_output
from core.endpoints import Endpoint
from core.options import SpeakOptions, speak_url
from core.reader import Chunk, Reader, ReaderConfig, ReaderListener, ReadResult

log = logging.getLogger(__name__)

POSITION_INTERVAL_MS = 50  # how often the sentence being heard is looked up


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    start: int
    end: int
    options: SpeakOptions
    endpoint: Endpoint
    backend: str = "auto"
    volume: float = 1.0
    allow_insecure_key: bool = False


def _emit(signal, *args) -> None:
    """Emit from a core thread; if the window and its worker are already gone, there is no one to tell."""
    try:
        signal.emit(*args)
    except RuntimeError:
        log.debug("dropped a signal: its worker was deleted")


class _Bridge(ReaderListener):
    """Receives core callbacks on core threads and re-emits them as the worker's signals."""

    def __init__(self, worker: "SpeechWorker", reader_id: int) -> None:
        self.worker = worker
        self.reader_id = reader_id

    def _current(self) -> bool:
        try:
            return self.worker._reader_id == self.reader_id
        except RuntimeError:  # the worker was deleted
            return False

    def on_connected(self) -> None:
        if self._current():
            _emit(self.worker.state_changed, "speaking")

    def on_metadata(self, metadata: protocol.Metadata) -> None:
        if self._current():
            _emit(self.worker.metadata_received, f"{metadata.model_name} {metadata.model_version}".strip(),
                  metadata.request_id)

    def on_audio(self, chunk: bytes) -> None:
        player = self.worker._player
        if self._current() and player is not None:
            player.feed(chunk)
            _emit(self.worker.audio_received, chunk)

    def on_chunk_done(self, chunk: Chunk) -> None:
        if self._current():
            _emit(self.worker.flushed, chunk.start, chunk.end)

    def on_warning(self, message: str) -> None:
        if self._current():
            _emit(self.worker.warning, message)

    def on_finished(self, result: ReadResult) -> None:
        _emit(self.worker._reading_finished, self.reader_id, result)


class _PlayerEvents(AudioListener):
    def __init__(self, worker: "SpeechWorker") -> None:
        self.worker = worker

    def on_drained(self) -> None:
        _emit(self.worker._drained)

    def on_error(self, error: AudioError) -> None:
        _emit(self.worker._audio_failed, str(error))


class SpeechWorker(QObject):
    """Runs in its own thread. Drive it only through its slots (queued from the window)."""

    state_changed = Signal(str)  # connecting, speaking, paused, stopped, finished, failed
    metadata_received = Signal(str, str)  # model, request id
    audio_received = Signal(bytes)  # every audio frame as it arrives (the player already has it)
    flushed = Signal(int, int)  # the characters whose audio has all arrived
    heard = Signal(int, int)  # the sentence being heard now
    first_audio = Signal(float)  # seconds from Speak to the first audio byte
    warning = Signal(str)
    audio_error = Signal(str)
    closed = Signal(str, bool)  # the closure (or connection error) text, and whether it was normal
    _reading_finished = Signal(int, object)
    _drained = Signal()
    _audio_failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._player: AudioOutput | None = None
        self._player_backend = ""
        self._reader: Reader | None = None
        self._reader_id = 0
        self._options: SpeakOptions | None = None
        self._heard: tuple[int, int] | None = None
        self._timer: QTimer | None = None
        self._reading_finished.connect(self._on_reading_finished)
        self._drained.connect(self._on_drained)
        self._audio_failed.connect(self._on_audio_failed)

    # --- slots (worker thread) --------------------------------------------------------------------

    @Slot(object)
    def start(self, request: SpeechRequest) -> None:
        self._stop_reading(announce=False)
        self._reader_id += 1
        self._heard = None
        try:
            player = self._ensure_player(request.backend)
        except ValueError as exc:
            self.audio_error.emit(str(exc))
            self.state_changed.emit("failed")
            return
        player.volume = request.volume
        options = request.options
        self._options = options
        player.begin(options.encoding, options.rate)
        bridge = _Bridge(self, self._reader_id)
        endpoint = request.endpoint
        config = ReaderConfig(speak_url(endpoint.base_url, options), endpoint.api_key, request.allow_insecure_key,
                              endpoint.limits)
        self._reader = Reader(
            request.text, config, bridge, start=request.start, end=request.end,
            played_bytes=lambda: player.position * options.bytes_per_sample,
        )
        self.state_changed.emit("connecting")
        self._reader.start()
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setInterval(POSITION_INTERVAL_MS)
            self._timer.timeout.connect(self._track_position)
        self._timer.start()

    @Slot()
    def pause(self) -> None:
        if self._player is not None and self._reader is not None:
            self._player.pause()
            self.state_changed.emit("paused")

    @Slot()
    def resume(self) -> None:
        if self._player is not None and self._reader is not None:
            self._player.resume()
            self.state_changed.emit("speaking")

    @Slot()
    def stop(self) -> None:
        self._stop_reading(announce=True)

    @Slot(float)
    def set_volume(self, volume: float) -> None:
        if self._player is not None:
            self._player.volume = volume

    @Slot()
    def shutdown(self) -> None:
        reader = self._reader
        self._stop_reading(announce=False)
        if reader is not None:
            reader.wait(3)  # Close is sent; let the session end while there is still a worker to hear of it
        if self._timer is not None:
            self._timer.stop()
        if self._player is not None:
            self._player.close()
            self._player = None

    # --- internals ----------------------------------------------------------------------------------

    def _ensure_player(self, backend: str) -> AudioOutput:
        if self._player is None or self._player_backend != backend:
            if self._player is not None:
                self._player.close()
            self._player = create_output(backend, _PlayerEvents(self))
            self._player_backend = backend
        return self._player

    def _stop_reading(self, announce: bool) -> None:
        if self._player is not None:
            self._player.stop()
        reader = self._reader
        if reader is not None and reader.result is None:
            # The closure arrives through on_finished; a stopped reading reports it too.
            reader.stop()
            if announce:
                self.state_changed.emit("stopping")
        elif announce:
            self.state_changed.emit("stopped")

    @Slot(int, object)
    def _on_reading_finished(self, reader_id: int, result: ReadResult) -> None:
        text = str(result)
        self.closed.emit(text, result.ok)
        if reader_id != self._reader_id:
            return
        if result.first_audio_seconds is not None:
            self.first_audio.emit(result.first_audio_seconds)
        if result.stopped:
            self.state_changed.emit("stopped")
            self._end()
        elif result.ok and result.complete and self._player is not None:
            self._player.end_of_stream()  # the rest plays; "finished" comes with the drain
        else:
            self.state_changed.emit("failed")
            if self._player is not None:
                self._player.stop()
            self._end()

    @Slot(str)
    def _on_audio_failed(self, message: str) -> None:
        """Nothing can be heard: say so, and stop asking the server for audio nobody will hear."""
        self.audio_error.emit(message)
        if self._reader is not None and self._reader.result is None:
            self._reader.stop()
        self.state_changed.emit("failed")
        self._end()

    @Slot()
    def _on_drained(self) -> None:
        if self._reader is not None and self._reader.result is not None:
            self._track_position()
            self.state_changed.emit("finished")
            self._end()

    def _end(self) -> None:
        self._reader = None
        if self._timer is not None:
            self._timer.stop()

    @Slot()
    def _track_position(self) -> None:
        reader, player, options = self._reader, self._player, self._options
        if reader is None or player is None or options is None:
            return
        segment = reader.segment_at_audio(player.position * options.bytes_per_sample)
        if segment is not None and (segment.start, segment.end) != self._heard:
            self._heard = (segment.start, segment.end)
            self.heard.emit(segment.start, segment.end)
