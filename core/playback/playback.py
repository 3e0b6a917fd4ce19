"""One reading being heard or saved: the only place that joins a Reader to an audio output and a recording."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

from core import protocol
from core import speed as speeds
from core.audio import AudioError, AudioListener, AudioOutput
from core.endpoints import offline_url
from core.options import speak_url
from core.playback.events import (
    Heard, PlaybackListener, PlaybackRequest, PlaybackResult, PlaybackState,
)
from core.reader import Reader, ReaderConfig, ReaderListener, ReadResult, Span
from core.playback.speed_feed import SpeedFeed, SpeedRecorder
from core.retry import ConnectionEvent, RetryPolicy
from core.wav import WavWriter

log = logging.getLogger(__name__)

HEARD_INTERVAL = 0.05  # how often the sentence being heard is looked up while audio plays


class Playback:
    """Reads one request aloud into an output (a player, which the caller owns and may reuse) and/or a WAV
    recording. `start()` returns at once; `stop()` sends Close before it silences the output.
    """

    def __init__(
        self,
        request: PlaybackRequest,
        listener: PlaybackListener | None = None,
        *,
        output: AudioOutput | None = None,
        record_to: str | Path | None = None,
        keep_partial_recording: bool = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        """record_to: write exactly the audio received to this WAV file (opened here: raises OSError).
        keep_partial_recording: False removes the file unless the whole text was received.
        retry: how a failed connection is retried (RetryPolicy's defaults when None)."""
        self.request = request
        self.listener = listener or PlaybackListener()
        endpoint = request.endpoint
        self.speed = speeds.plan(request.speed, request.options.model, endpoint.offline, request.smart_speed)
        # The voice's own part of the speed goes in the query; the rest is made here (raises OptionError).
        options = dataclasses.replace(request.options, speed=self.speed.server).validate(offline=endpoint.offline)
        # The output may be shared with the next reading (the window keeps one player): once this reading
        # has stopped, it lets go of it (under _output_lock) and never touches it again.
        self.output = output
        self._output_lock = threading.Lock()
        self._plays = output is not None
        self._bytes_per_sample = options.bytes_per_sample
        self._recording = WavWriter(record_to, options.encoding, options.rate) if record_to is not None else None
        # Saved audio is at the speed the reading started with, made from every byte as it comes.
        self._record = self._recording.write if self._recording is not None else None
        if self._recording is not None and (self.speed.client != 1.0 or self.speed.smart_pauses):
            self._sped_recording = SpeedRecorder(self._recording.write, options.encoding, options.rate, self.speed)
            self._record = self._sped_recording.feed
        else:
            self._sped_recording = None
        self._feed = SpeedFeed(output, options.encoding, options.rate, self.speed, self._on_speed_failed) \
            if output is not None else None
        self._keep_partial = keep_partial_recording
        # The URL is found on the reading's thread: the offline voice may have to start first.
        config = ReaderConfig(lambda: speak_url(endpoint.url(), options, offline=endpoint.offline), endpoint.api_key,
                              endpoint.allow_insecure_key, endpoint.limits, sample_bytes=options.bytes_per_sample)
        if endpoint.falls_back_offline:
            config.fallback_url = lambda: speak_url(offline_url(), options, offline=True)
        if retry is not None:
            config.retry = retry
        feed = self._feed
        played = (lambda: feed.heard() * self._bytes_per_sample) if feed is not None else None
        self._reader = Reader(request.text, config, _ReaderEvents(self), start=request.start, end=request.end,
                              played_bytes=played)
        self._lock = threading.Lock()  # guards the fields below
        self._notify = threading.RLock()  # held while the listener hears of a state change: keeps them in order
        self._state = PlaybackState.IDLE
        self._resume_to = PlaybackState.SPEAKING
        self._heard: Heard | None = None
        self._audio_error: AudioError | None = None
        self._reading: ReadResult | None = None
        self._result: PlaybackResult | None = None
        self._settled = False
        self._done = threading.Event()
        self._wake = threading.Event()  # wakes the heard tracker early when the state changes

    # --- control (any thread; none of these blocks on the network or the device) -----------------

    def start(self) -> None:
        with self._lock:
            if self._state is not PlaybackState.IDLE:
                raise RuntimeError("a Playback runs once")
        if self.output is not None:
            self.output.listener = _OutputEvents(self)
            self.output.begin("linear16", self.request.options.rate)  # the speed feed decodes
            self._feed.start()
        self._change(PlaybackState.CONNECTING)
        self._reader.start()
        if self._plays:
            threading.Thread(target=self._track_heard, name="aloud-heard", daemon=True).start()

    def pause(self) -> None:
        with self._notify:
            with self._lock:
                if self._state not in (PlaybackState.CONNECTING, PlaybackState.SPEAKING):
                    return
                self._resume_to = self._state
            output = self.output
            if output is not None:
                output.pause()
            self._change(PlaybackState.PAUSED)

    def resume(self) -> None:
        with self._notify:
            with self._lock:
                if self._state is not PlaybackState.PAUSED:
                    return
                back = self._resume_to
            output = self.output
            if output is not None:
                output.resume()
            self._change(back)

    def change_speed(self, speed: float, smart: bool) -> None:
        """A new speed, heard within half a second (raises OptionError outside 0.5-4). The voice keeps the speed
        the connection asked for; what is saved keeps the speed the reading started with."""
        if self._feed is not None:
            self._feed.change(speed, smart)

    def stop(self) -> None:
        """Close goes to the server first, then the output is silenced; the closure follows as on_closed."""
        with self._notify:
            with self._lock:
                if not self._state.running:
                    return
                self._state = PlaybackState.STOPPING
            self.listener.on_state(PlaybackState.STOPPING)
            self._reader.stop()  # Close now (or cancel the handshake)
        # Outside the notify lock: a player's stop may wait briefly for its thread, which may be telling us
        # that it drained.
        self._silence_output(release=True)
        self._wake.set()
        if self._reading is not None:  # the connection had already closed: nothing more will come
            self._end(PlaybackState.STOPPED)

    # --- what is happening (any thread) --------------------------------------------------------------

    @property
    def state(self) -> PlaybackState:
        return self._state

    def heard(self) -> Heard | None:
        """The sentence being heard now (None before the first audio plays, or with no output)."""
        if self.output is None or self._feed is None or self.output.position <= 0:
            return None
        segment = self._reader.segment_at_audio(self._feed.heard() * self._bytes_per_sample)
        return None if segment is None else Heard(segment.start, segment.end)

    def wait(self, timeout: float | None = None) -> PlaybackResult | None:
        """The result once the reading has ended and the connection has closed; None if `timeout` passed first."""
        self._done.wait(timeout)
        return self._result

    @property
    def result(self) -> PlaybackResult | None:
        return self._result

    # --- internals -------------------------------------------------------------------------------

    def _change(self, state: PlaybackState, *, unless_ended: bool = True) -> bool:
        """Move to `state` and tell the listener; an ended reading stays ended."""
        with self._notify:
            with self._lock:
                if unless_ended and self._state.ended or self._state is state:
                    return False
                self._state = state
            self.listener.on_state(state)
        self._wake.set()
        return True

    def _end(self, state: PlaybackState, *, silence: bool = True) -> None:
        if state is not PlaybackState.FINISHED and silence:
            self._silence_output(release=False)
        if self._change(state):
            self._settle()

    def _silence_output(self, release: bool) -> None:
        if self._feed is not None:
            self._feed.stop()
        with self._output_lock:
            if self.output is not None:
                self.output.stop()
                if release:
                    self.output = None

    def _settle(self) -> None:
        """Once the state has ended and the connection has closed, the result is final: close the recording."""
        with self._lock:
            if self._settled or self._reading is None or not self._state.ended:
                return
            self._settled = True  # only one thread finishes the recording
            reading, state = self._reading, self._state
        recorded, kept = self._finish_recording(reading)
        self._result = PlaybackResult(state, reading, self._audio_error, recorded, kept)
        self._done.set()
        self.listener.on_finished(self._result)

    def _finish_recording(self, reading: ReadResult) -> tuple[int, bool]:
        recording = self._recording
        if recording is None:
            return 0, False
        if self._sped_recording is not None:
            self._sped_recording.finish()
        recording.close()
        if self._keep_partial or (reading.ok and reading.complete):
            return recording.data_bytes, True
        # A part-file would look like a whole one.
        try:
            recording.path.unlink()
        except OSError as exc:
            log.info("could not remove %s: %s", recording.path, exc)
        return recording.data_bytes, False

    def _track_heard(self) -> None:
        while not self._state.ended:
            self._report_heard()
            self._wake.wait(HEARD_INTERVAL)
            self._wake.clear()

    def _report_heard(self) -> None:
        heard = self.heard()
        # Not while stopping: a stopped output's position is back at 0.
        if heard is not None and heard != self._heard and self._state.running:
            self._heard = heard
            self.listener.on_heard(heard)

    # --- from the reader (its threads) ----------------------------------------------------------------

    def _on_connected(self) -> None:
        with self._notify:
            if self._state is PlaybackState.CONNECTING:
                self._change(PlaybackState.SPEAKING)
            elif self._state is PlaybackState.PAUSED:
                self._resume_to = PlaybackState.SPEAKING

    def _on_audio(self, data: bytes) -> None:
        # Called under the reader's audio lock: never take the notify lock here (stop() holds it while it
        # waits for that lock).
        if self._record is not None:
            self._record(data)
        if self.output is not None:
            self._feed.feed(data)
        self.listener.on_audio(data)

    def _on_reader_finished(self, reading: ReadResult) -> None:
        with self._lock:
            self._reading = reading
            state = self._state
        self.listener.on_closed(reading)
        if state is PlaybackState.STOPPING:
            self._end(PlaybackState.STOPPED, silence=False)  # stop() silences the output itself
        elif self._audio_error is not None or not (reading.ok and reading.complete):
            self._end(PlaybackState.FAILED)
        elif not self._plays:
            self._end(PlaybackState.FINISHED)
        else:
            with self._output_lock:
                if self.output is not None:
                    self._feed.end_of_stream()  # the rest plays out; FINISHED comes with the drain
        self._settle()

    # --- from the output (its thread) --------------------------------------------------------------

    def _on_drained(self) -> None:
        if self._reading is None or self._state not in (PlaybackState.SPEAKING, PlaybackState.PAUSED):
            return
        self._report_heard()
        self._end(PlaybackState.FINISHED)

    def _on_output_failed(self, error: AudioError) -> None:
        with self._lock:
            if self._audio_error is not None or self._state.ended:
                return
            self._audio_error = error
        self.listener.on_audio_error(error)
        if self._recording is None:
            # Nothing can be heard and nothing is being saved: stop asking the server for audio.
            self._reader.stop()
            self._end(PlaybackState.FAILED, silence=False)  # the output has failed already
        # With a recording the reading goes on, so the file is whole; it ends FAILED all the same.


    def _on_speed_failed(self, message: str) -> None:
        self._on_output_failed(AudioError("The speed could not be changed", message))


class _ReaderEvents(ReaderListener):
    def __init__(self, playback: Playback) -> None:
        self._playback = playback

    def on_connected(self) -> None:
        self._playback._on_connected()

    def on_metadata(self, metadata: protocol.Metadata) -> None:
        self._playback.listener.on_metadata(metadata)

    def on_audio(self, data: bytes) -> None:
        self._playback._on_audio(data)

    def on_span_done(self, span: Span) -> None:
        self._playback.listener.on_span_received(span)

    def on_warning(self, message: str) -> None:
        self._playback.listener.on_warning(message)

    def on_connection(self, event: ConnectionEvent) -> None:
        self._playback.listener.on_connection(event)

    def on_finished(self, result: ReadResult) -> None:
        self._playback._on_reader_finished(result)


class _OutputEvents(AudioListener):
    def __init__(self, playback: Playback) -> None:
        self._playback = playback

    def on_drained(self) -> None:
        self._playback._on_drained()

    def on_error(self, error: AudioError) -> None:
        self._playback._on_output_failed(error)
