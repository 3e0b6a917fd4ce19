"""The audio output interface: fed with audio from any thread, played by a backend on its own thread.

Every backend shares this: decoding mulaw/alaw to 16-bit PCM, joining frames that split a sample, the
lead-in silence, volume, the played position, and errors reported as values through the listener.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass

from core import g711
from core.pcm import scale

log = logging.getLogger(__name__)

DEFAULT_LEAD_IN_MS = 150  # long enough to wake a Bluetooth headset or an idle device, short enough not to notice


class PlayerState(enum.Enum):
    IDLE = "idle"  # no stream, or a stream that has been stopped
    BUFFERING = "buffering"  # a stream has begun; waiting for enough audio to start
    PLAYING = "playing"
    PAUSED = "paused"
    DRAINED = "drained"  # the stream ended and all of it was played
    ERROR = "error"


@dataclass(frozen=True)
class AudioError:
    """A playback problem as a value: a sentence for the user and the backend's own words."""

    message: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


class AudioListener:
    """Override what you need. Calls come from the player's thread."""

    def on_started(self) -> None:
        """The first sample of the stream (after the lead-in) went to the device."""

    def on_drained(self) -> None:
        """The stream ended and everything was played."""

    def on_error(self, error: AudioError) -> None: ...


class AudioOutput:
    """Base of the backends. Every change notifies `self._cond`; backends wait on it and play from `self._pcm`."""

    name = "base"
    paced = True  # False for sinks that take audio as fast as it comes
    # How far ahead of what is heard a speed change may fill this player (core/playback/speed_feed.py): a new
    # speed is heard after this much, plus what the device holds.
    lookahead_seconds = 0.25

    def __init__(self, listener: AudioListener | None = None, *, lead_in_ms: int = DEFAULT_LEAD_IN_MS,
                 volume: float = 1.0) -> None:
        self.listener = listener or AudioListener()
        self.lead_in_ms = lead_in_ms
        self._volume = volume
        self._cond = threading.Condition()
        self._encoding = "linear16"
        self.rate = 24000
        self._carry = b""  # an odd byte of linear16 waiting for its other half
        self._pcm = bytearray()  # 16-bit samples not yet played (and the last segment, for resuming)
        self._base = 0  # stream sample index of _pcm[0]
        self._fed = 0  # samples received in this stream
        self._final = False
        self._state = PlayerState.IDLE
        self._paused_from = PlayerState.PLAYING  # the state resume() returns to
        self._error: AudioError | None = None
        self._generation = 0  # bumped by begin() and stop(): work for an older stream is dropped

    # --- feeding (any thread) -----------------------------------------------------------------

    def begin(self, encoding: str = "linear16", rate: int = 24000) -> None:
        """Start a new stream (a new reading): position 0, lead-in pending."""
        with self._cond:
            self._reset()
            self._encoding = encoding
            self.rate = rate
            self._state = PlayerState.BUFFERING
            self._error = None
            self._cond.notify_all()

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self._encoding in ("mulaw", "alaw"):
            pcm = g711.decode(data, self._encoding)
        else:
            data = self._carry + data
            cut = len(data) & ~1
            pcm, self._carry = data[:cut], data[cut:]
        with self._cond:
            if self._state in (PlayerState.IDLE, PlayerState.ERROR):
                return  # stopped, or no device: audio is dropped, not queued
            self._pcm += pcm
            self._fed += len(pcm) // 2
            self._cond.notify_all()

    def end_of_stream(self) -> None:
        with self._cond:
            self._final = True
            self._cond.notify_all()

    # --- control (any thread; never blocks on the device) ---------------------------------------

    def pause(self) -> None:
        with self._cond:
            if self._state in (PlayerState.PLAYING, PlayerState.BUFFERING):
                self._paused_from = self._state
                self._state = PlayerState.PAUSED
                self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            if self._state is PlayerState.PAUSED:
                self._state = self._paused_from
                self._cond.notify_all()

    def stop(self) -> None:
        """Stop at once and drop what is queued. When this returns, nothing more of the stream plays."""
        with self._cond:
            self._reset()
            self._state = PlayerState.IDLE
            self._cond.notify_all()
        self._stop_device()

    def close(self) -> None:
        """Stop and end the backend's thread."""
        self.stop()

    def take_back(self) -> int | None:
        """A player fed far ahead (lookahead_seconds) may give back what it has not played, for a new speed: it
        returns the stream sample from which to feed again. None: nothing taken back (the default)."""
        return None

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, value: float) -> None:
        self._volume = min(1.0, max(0.0, float(value)))

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def error(self) -> AudioError | None:
        return self._error

    @property
    def position(self) -> int:
        """Samples of the stream played so far (the lead-in not counted)."""
        with self._cond:
            return self._played_position()

    @property
    def received(self) -> int:
        return self._fed

    # --- for backends ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self._generation += 1
        self._pcm = bytearray()
        self._carry = b""
        self._base = 0
        self._fed = 0
        self._final = False

    def _played_position(self) -> int:
        raise NotImplementedError

    def _stop_device(self) -> None:
        """Silence the device now. Called without the lock held."""

    def _lead_in(self) -> bytes:
        return bytes(2 * (self.rate * self.lead_in_ms // 1000))

    def _apply_volume(self, pcm: bytes) -> bytes:
        return scale(pcm, self._volume)

    def _fail(self, error: AudioError) -> None:
        with self._cond:
            self._state = PlayerState.ERROR
            self._error = error
            self._pcm = bytearray()
            self._cond.notify_all()
        log.info("audio output failed: %s", error)
        self.listener.on_error(error)
