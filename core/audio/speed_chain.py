"""Received 16-bit speech in, speech at the chosen speed out: pauses shortened ("smart speed"), then the pitch-
kept speed change (Sonic), with the map from each output sample back to the audio received, which is what
the sentence highlight and the reading position follow.
"""

from __future__ import annotations

import threading
from bisect import bisect_right

from core.audio.sonic import SonicStream
from core.pcm import samples

FRAME_MS = 10  # pauses are found in frames this long
QUIET_PEAK = 500  # a frame whose peak is under this (-36 dBFS) is silence: Aura's and eSpeak's pauses are far below
PAUSE_FLOOR = 0.08  # seconds: a pause is never shortened below this (nor is a shorter one touched)
PAUSE_SHRINK = 2.0  # with smart speed, pauses play this much faster than the speech around them
MAX_HELD_SECONDS = 5.0  # of a pause's audio kept while it lasts; beyond, only its length is counted


class SpeedChain:
    """One owner feeds it; `ratio` and `smart_pauses` may change between feeds. `source_at()` may be asked from any
    thread."""

    def __init__(self, rate: int, ratio: float = 1.0, smart_pauses: bool = False) -> None:
        self.rate = rate
        self.ratio = ratio
        self.smart_pauses = smart_pauses
        self._frame = rate * FRAME_MS // 1000
        self._sonic: SonicStream | None = None
        self._carry = bytearray()  # less than a frame, waiting for the rest (smart pauses only)
        self._pause = bytearray()  # the quiet frames of the pause under way (at most MAX_HELD_SECONDS)
        self._pause_samples = 0
        self._source = 0  # samples of received audio taken in
        self._nominal = 0.0  # output samples they become (before Sonic's few milliseconds of delay)
        self._marks_out: list[float] = [0.0]  # (output, source) points of the map, in order
        self._marks_in: list[int] = [0]
        self._marks_lock = threading.Lock()

    @property
    def passes_through(self) -> bool:
        """Nothing to change: 1x, no pause shortening, and no Sonic stream holding audio from an earlier speed."""
        return self.ratio == 1.0 and not self.smart_pauses and self._sonic is None and not self._pending

    @property
    def _pending(self) -> bool:
        return bool(self._carry) or self._pause_samples > 0

    def feed(self, pcm: bytes) -> bytes:
        if self.passes_through:
            self._advance(len(pcm) // 2, len(pcm) // 2)
            return pcm
        if not self.smart_pauses and not self._pending:
            return self._stretch(pcm)
        self._carry += pcm
        whole = len(self._carry) // (2 * self._frame) * 2 * self._frame
        frames, self._carry = bytes(self._carry[:whole]), self._carry[whole:]
        out = bytearray()
        speech_from = 0
        for at in range(0, len(frames), 2 * self._frame):
            frame = frames[at:at + 2 * self._frame]
            if _quiet(frame):
                if speech_from < at:
                    out += self._stretch(frames[speech_from:at])
                speech_from = at + len(frame)
                self._hold(frame)
            elif self._pause_samples:
                out += self._end_pause()
        if speech_from < len(frames) and not self._pause_samples:
            out += self._stretch(frames[speech_from:])
        return bytes(out)

    def finish(self) -> bytes:
        """The end of the stream: what is still held, stretched, and Sonic's last samples."""
        out = bytearray()
        if self._pause_samples:
            out += self._end_pause()
        if self._carry:
            carry, self._carry = bytes(self._carry), bytearray()
            out += self._stretch(carry)
        if self._sonic is not None:
            out += self._sonic.flush()
            self._sonic.close()
            self._sonic = None
        return bytes(out)

    def source_at(self, output: int) -> int:
        """The received sample being heard when output sample `output` plays."""
        with self._marks_lock:
            marks_out, marks_in = self._marks_out, self._marks_in
            i = bisect_right(marks_out, output) - 1
            if i < 0:
                return marks_in[0]
            if i + 1 >= len(marks_out):
                return marks_in[-1]
            span = marks_out[i + 1] - marks_out[i]
            share = (output - marks_out[i]) / span if span > 0 else 1.0
            return marks_in[i] + int(share * (marks_in[i + 1] - marks_in[i]))

    @property
    def map_points(self) -> int:
        """How many points the map holds (its memory)."""
        return len(self._marks_out)

    def forget_before(self, output: int) -> None:
        """Let the map go of points before `output` (a reading lasts hours; a pause may look back a second)."""
        with self._marks_lock:
            i = bisect_right(self._marks_out, output) - 1
            if i > 1000:
                del self._marks_out[:i]
                del self._marks_in[:i]

    def restart_at(self, output: int, source: int) -> None:
        """Go on from output sample `output`, where received sample `source` is heard: what was made after it
        has been taken back from the player (for a new speed), and `source` on is fed again."""
        self.close()
        self._carry, self._pause, self._pause_samples = bytearray(), bytearray(), 0
        self._source, self._nominal = source, float(output)
        with self._marks_lock:
            keep = bisect_right(self._marks_out, output)
            del self._marks_out[keep:]
            del self._marks_in[keep:]
            self._marks_out.append(float(output))
            self._marks_in.append(source)

    def close(self) -> None:
        if self._sonic is not None:
            self._sonic.close()
            self._sonic = None

    # --- internals -------------------------------------------------------------------------------

    def _stretch(self, pcm: bytes) -> bytes:
        count = len(pcm) // 2
        if not count:
            return b""
        if self._sonic is None and self.ratio == 1.0:
            self._advance(count, count)
            return pcm
        if self._sonic is None:
            self._sonic = SonicStream(self.rate, self.ratio)
        self._sonic.ratio = self.ratio
        self._advance(count, count / self.ratio)
        return self._sonic.write(pcm)

    def _hold(self, frame: bytes) -> None:
        if len(self._pause) < MAX_HELD_SECONDS * self.rate * 2:
            self._pause += frame
        self._pause_samples += len(frame) // 2

    def _end_pause(self) -> bytes:
        """A pause has ended (speech again, or the stream's end): what of it is played."""
        length, held = self._pause_samples, bytes(self._pause)
        self._pause, self._pause_samples = bytearray(), 0
        plain = length / self.ratio / self.rate  # seconds it would last at this speed
        if self.smart_pauses and plain > PAUSE_FLOOR:
            keep = max(PAUSE_FLOOR, plain / PAUSE_SHRINK) * self.ratio * self.rate
            kept = int(keep)
        else:
            kept = length
        audio = held[:2 * kept] + bytes(max(0, 2 * kept - len(held)))
        out = self._stretch(audio)
        self._advance(length - kept, 0.0)  # the part left out: the source moves on, the output does not
        return out

    def _advance(self, source: int, output: float) -> None:
        self._source += source
        self._nominal += output  # a left-out pause: a step, the source moving on where the output does not
        with self._marks_lock:
            self._marks_out.append(self._nominal)
            self._marks_in.append(self._source)


def _quiet(frame: bytes) -> bool:
    values = samples(frame)
    return not len(values) or (max(values) < QUIET_PEAK and min(values) > -QUIET_PEAK)
