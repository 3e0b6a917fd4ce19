"""Playback through simpleaudio, which opens a new ALSA stream for every buffer it plays.

The player thread plays the stream in segments cut where the audio is already silent (core.audio.cutting),
so the ~10 ms that each new stream costs lands in silence. Pause stops the device at once and resumes
from the start of the interrupted word (the last quiet point before it), so nothing is skipped.
"""

from __future__ import annotations

import logging
import threading
import time

from core.audio.cutting import Cut, CutPolicy, choose_cut, quiet_cuts
from core.audio.output import AudioError, AudioListener, AudioOutput, PlayerState
from core.pcm import samples

log = logging.getLogger(__name__)

# How long after play_buffer() the first sample is heard: simpleaudio's ALSA stream starts within a period.
# Used only to estimate the position inside a segment (measured: a 200 ms buffer ends 212 ms after the call).
_START_LATENCY = 0.010
_POLL = 0.001  # is_playing() is polled this often near the end of a segment (wait_done() polls every 50 ms)
_WAKE_EARLY = 0.020
_STARTUP_WAIT = 0.080  # with less than a quiet segment's worth of audio, wait this long before playing it
_HISTORY = 10000
LEAD_IN_AFTER_PAUSE = 3.0
MAX_REWIND_MS = 800  # resume replays at most this much: a word, not a sentence  # seconds paused after which the lead-in is played again


class SimpleaudioOutput(AudioOutput):
    name = "simpleaudio"
    # Its segments need a quiet point to end in, about two a second in speech: fed only a quarter of a second
    # ahead it cut into sound 82 times in 20 s of speech (measured on a paced sink), a click each; fed a
    # segment's length ahead, never. A new speed takes back what is queued (take_back), so it is heard at once.
    @property
    def lookahead_seconds(self) -> float:
        return self.policy.max_segment_ms / 1000

    def __init__(self, listener: AudioListener | None = None, *, policy: CutPolicy | None = None, **kwargs) -> None:
        super().__init__(listener, **kwargs)
        import simpleaudio  # imported here so that the rest of the app runs where it cannot be built

        self._sa = simpleaudio
        self.policy = policy or CutPolicy()
        self._play = None
        self._play_started = 0.0
        self._seg_start = 0  # stream sample range of the segment on the device
        self._seg_end = 0
        self._seg_lead = 0  # lead-in samples in front of it
        self._cursor = 0  # next stream sample to hand to the device
        self._lead_pending = True
        self._first_audio_at: float | None = None
        self._paused_at: float | None = None
        self._started = False
        self._closed = False
        self.handed: list[tuple[int, int]] = []  # stream sample ranges given to the device, in order
        self.forced_cuts = 0  # cuts that found no silence (a gap inside speech)
        self._thread = threading.Thread(target=self._run, name="aloud-simpleaudio", daemon=True)
        self._thread.start()

    # --- AudioOutput hooks ----------------------------------------------------------------------

    def _reset(self) -> None:
        super()._reset()
        self._cursor = 0
        self._seg_start = self._seg_end = 0
        self._lead_pending = True
        self._first_audio_at = None
        self._started = False

    def begin(self, encoding: str = "linear16", rate: int = 24000) -> None:
        with self._cond:
            # Kept after stop() and close(), for diagnostics and benchmarks; a new stream starts them over.
            self.handed = []
            self.forced_cuts = 0
        super().begin(encoding, rate)

    def _stop_device(self) -> None:
        with self._cond:
            play, self._play = self._play, None
        if play is not None:
            try:
                play.stop()
            except self._sa.SimpleaudioError as exc:  # the device went away: nothing left to stop
                log.info("stop: %s", exc)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.stop()
        self._thread.join(timeout=2)

    def pause(self) -> None:
        # Done here rather than on the player thread, so the position holds from the moment this returns.
        with self._cond:
            if self._state not in (PlayerState.PLAYING, PlayerState.BUFFERING):
                return
            self._paused_from = self._state
            self._state = PlayerState.PAUSED
            if self._play is not None:
                self._pause_device()
            self._cond.notify_all()

    def _played_position(self) -> int:
        if self._play is None:
            return self._cursor
        elapsed = time.monotonic() - self._play_started - _START_LATENCY
        into = int(elapsed * self.rate) - self._seg_lead
        return self._seg_start + min(max(0, into), self._seg_end - self._seg_start)

    # --- the player thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            events = []
            with self._cond:
                if self._closed:
                    return
                timeout = self._step(events)
            for event in events:
                event()
            with self._cond:
                if self._closed:
                    return
                if not events:
                    self._cond.wait(timeout)

    def _step(self, events: list) -> float | None:
        """One look at the state, under the lock. Returns how long to sleep; queues listener calls."""
        if self._play is not None:
            if self._play.is_playing():
                remaining = self._play_started + (self._seg_lead + self._seg_end - self._seg_start) / self.rate
                return max(_POLL, remaining - time.monotonic() - _WAKE_EARLY)
            self._play = None
            # The segment has been played: what is before the cursor is no longer needed.
            drop = self._cursor - self._base
            del self._pcm[: drop * 2]
            self._base = self._cursor
        if self._state not in (PlayerState.PLAYING, PlayerState.BUFFERING):
            return None
        # What the next segment can be cut from: a segment's length at most, and one sample more to tell
        # that more is waiting.
        start = (self._cursor - self._base) * 2
        available = samples(self._pcm[start : start + 2 * (self.policy.max_samples(self.rate) + 1)])
        if self._first_audio_at is None and len(available):
            self._first_audio_at = time.monotonic()
        urgent = self._state is PlayerState.PLAYING or (
            self._first_audio_at is not None and time.monotonic() - self._first_audio_at >= _STARTUP_WAIT
        )
        cut = choose_cut(available, self.rate, self.policy, final=self._final, urgent=urgent)
        if cut is None:
            if self._final and len(available) == 0:
                self._state = PlayerState.DRAINED
                events.append(self.listener.on_drained)
                return None
            if self._first_audio_at is not None and not urgent:
                return max(_POLL, self._first_audio_at + _STARTUP_WAIT - time.monotonic())
            return None
        self._start_segment(cut, events)
        return _POLL

    def _start_segment(self, cut: Cut, events: list) -> None:
        start = (self._cursor - self._base) * 2
        pcm = bytes(self._pcm[start : start + 2 * cut.end])
        lead = b""
        if self._paused_at is not None and time.monotonic() - self._paused_at >= LEAD_IN_AFTER_PAUSE:
            self._lead_pending = True  # an output idle this long may be asleep again
        self._paused_at = None
        if self._lead_pending:
            lead = self._lead_in()
        data = lead + self._apply_volume(pcm)
        try:
            play = self._sa.play_buffer(data, 1, 2, self.rate)
        except Exception as exc:  # SimpleaudioError, or ValueError for a rate the device refuses
            error = AudioError("No audio device could be opened for playback", str(exc))
            self._state = PlayerState.ERROR
            self._error = error
            self._pcm = bytearray()
            events.append(lambda: self.listener.on_error(error))
            log.info("audio output failed: %s", error)
            return
        self._play = play
        self._play_started = time.monotonic()
        self._seg_lead = len(lead) // 2
        self._seg_start = self._cursor
        self._seg_end = self._cursor + cut.end
        self._cursor = self._seg_end
        self._lead_pending = False
        self._state = PlayerState.PLAYING
        if not cut.quiet:
            self.forced_cuts += 1
        self.handed.append((self._seg_start, self._seg_end))
        if len(self.handed) > _HISTORY:
            del self.handed[: _HISTORY // 2]
        if not self._started:
            self._started = True
            events.append(self.listener.on_started)

    def take_back(self) -> int | None:
        """For a new speed: stop the segment now (back to the start of the word being heard, as a pause does) and
        drop what is queued after it. Returns the stream sample from which audio must be fed again."""
        with self._cond:
            if self._state not in (PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.BUFFERING):
                return None
            if self._play is not None:
                self._stop_and_rewind()
            del self._pcm[(self._cursor - self._base) * 2:]
            self._fed = self._cursor
            self._cond.notify_all()
            return self._cursor

    def _pause_device(self) -> None:
        """Stop the segment now; resume from the last quiet point before what was heard. Holds the lock."""
        self._stop_and_rewind()
        self._paused_from = PlayerState.PLAYING
        self._paused_at = time.monotonic()

    def _stop_and_rewind(self) -> None:
        heard = self._played_position()
        play, self._play = self._play, None
        try:
            play.stop()
        except self._sa.SimpleaudioError as exc:
            log.info("pause: %s", exc)
        earliest = max(self._seg_start, heard - self.rate * MAX_REWIND_MS // 1000)
        heard_part = samples(self._pcm[(earliest - self._base) * 2 : (heard - self._base) * 2])
        quiet = quiet_cuts(heard_part, self.rate, self.policy)
        # Back to the start of the interrupted word when there is one close behind; else exactly here.
        self._cursor = earliest + quiet[-1] if quiet else heard
        if self._cursor > self._seg_start:
            del self._pcm[: (self._cursor - self._base) * 2]
            self._base = self._cursor
