"""Playback through sounddevice (PortAudio): one continuous stream per reading, so no gaps at all.

Optional: used when the `sounddevice` package and the PortAudio library are installed and the user picks it.
A player thread writes blocks of audio as they arrive (blocking writes rather than a callback, so that an
output which consumes faster than real time never receives padding silence). Pause just stops writing:
what the device holds plays out (Pa_StopStream through ALSA's pulse plugin was measured to drop part of
it), the device then idles, and resume writes on from exactly where it stopped.
"""

from __future__ import annotations

import logging
import threading

from core.audio.output import AudioError, AudioListener, AudioOutput, PlayerState

log = logging.getLogger(__name__)

BLOCK_MS = 20  # audio written per call: the longest a pause or stop waits for the writer
# The device buffer. "low" (about 10-20 ms through PulseAudio) underran about 5 times a minute while the
# test suite loaded both cores; 100 ms did not. Stop aborts the stream, so this does not delay silence;
# a pause lets it play out, so a pause takes up to this long to fall silent.
LATENCY_SECONDS = 0.1
_STOP_ACK_SECONDS = 0.2


def available() -> bool:
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError):  # OSError: the package is there but PortAudio is not
        return False
    return True


class SounddeviceOutput(AudioOutput):
    name = "sounddevice"

    def __init__(self, listener: AudioListener | None = None, **kwargs) -> None:
        super().__init__(listener, **kwargs)
        import sounddevice

        self._sd = sounddevice
        self._stream = None
        self._stream_rate = 0
        self._written = 0  # stream samples written to the device
        self._lead_left = 0
        self._started = False
        self._closed = False
        self._stop_requested = False
        self._stopped = threading.Event()
        self._latency = 0.0
        self._thread = threading.Thread(target=self._run, name="aloud-sounddevice", daemon=True)
        self._thread.start()

    def _reset(self) -> None:
        super()._reset()
        self._written = 0
        self._lead_left = self.rate * self.lead_in_ms // 1000
        self._started = False

    def begin(self, encoding: str = "linear16", rate: int = 24000) -> None:
        super().begin(encoding, rate)
        with self._cond:
            self._lead_left = rate * self.lead_in_ms // 1000

    def _stop_device(self) -> None:
        # Aborting from here could race a blocking write on the player thread: ask it, and wait briefly.
        with self._cond:
            if self._stream is None:
                return
            self._stop_requested = True
            self._stopped.clear()
            self._cond.notify_all()
        self._stopped.wait(_STOP_ACK_SECONDS)

    def close(self) -> None:
        self.stop()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=2)

    def _played_position(self) -> int:
        if self._state is not PlayerState.PLAYING or self._stream is None:
            # Everything taken from the buffer will play out (a pause drains, it does not drop).
            return self._base
        return max(0, self._written - int(self._latency * self.rate))

    # --- the player thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._closed or self._stop_requested or self._has_work()):
                    self._cond.wait()
                if self._closed:
                    self._abort_stream()
                    return
                if self._stop_requested:
                    self._stop_requested = False
                    self._abort_stream()
                    self._stopped.set()
                    continue
                block, done = self._next_block()
                generation = self._generation
            if block:
                self._write(block, generation)
            elif done:
                self._drain(generation)

    def _has_work(self) -> bool:
        if self._state not in (PlayerState.PLAYING, PlayerState.BUFFERING):
            return False
        return bool(self._pcm) or self._final

    def _next_block(self) -> tuple[bytes, bool]:
        """The next block to write (lead-in first), and whether the stream has ended."""
        size = self.rate * BLOCK_MS // 1000
        if self._lead_left > 0 and (self._pcm or self._final):
            count = min(size, self._lead_left)
            self._lead_left -= count
            return bytes(2 * count), False
        take = min(len(self._pcm), size * 2)
        if take:
            block = bytes(self._pcm[:take])
            del self._pcm[:take]
            self._base += take // 2
            return block, False
        return b"", self._final

    def _write(self, block: bytes, generation: int) -> None:
        try:
            stream = self._open()
            stream.write(self._apply_volume(block))
        except Exception as exc:  # PortAudioError, or no device at all
            opened = self._stream is not None
            message = "The audio device stopped working" if opened else "No audio device could be opened for playback"
            self._fail(AudioError(message, str(exc)))
            return
        first = False
        with self._cond:
            if generation != self._generation:
                return
            self._written = self._base  # the lead-in is not part of the stream's position
            if not self._started and self._written > 0:
                self._started = first = True
            if self._state is PlayerState.BUFFERING:
                self._state = PlayerState.PLAYING
        if first:
            self.listener.on_started()

    def _drain(self, generation: int) -> None:
        stream = self._stream
        if stream is not None:
            # Pa_StopStream through ALSA's pulse plugin drops what the device still holds (measured: the
            # last ~110 ms of a reading were lost), so wait until it has played out; a stop cuts this short.
            with self._cond:
                self._cond.wait_for(lambda: self._stop_requested or self._closed,
                                    timeout=self._latency + 2 * BLOCK_MS / 1000)
                if self._stop_requested or self._closed or generation != self._generation:
                    return
            try:
                stream.stop()
            except Exception as exc:
                log.info("drain: %s", exc)
        with self._cond:
            if generation != self._generation:
                return
            self._state = PlayerState.DRAINED
            self._close_stream()
        self.listener.on_drained()

    def _open(self):
        if self._stream is not None and self._stream_rate == self.rate:
            if not self._stream.active:
                self._stream.start()
            return self._stream
        self._close_stream()
        stream = self._sd.RawOutputStream(samplerate=self.rate, channels=1, dtype="int16", latency=LATENCY_SECONDS)
        stream.start()
        self._stream, self._stream_rate = stream, self.rate
        self._latency = float(stream.latency)
        return stream

    def _abort_stream(self) -> None:
        if self._stream is not None:
            try:
                self._stream.abort()
            except Exception as exc:
                log.info("abort: %s", exc)

    def _close_stream(self) -> None:
        if self._stream is not None:
            try:
                self._stream.close(ignore_errors=True)
            except Exception as exc:
                log.info("close: %s", exc)
            self._stream = None
