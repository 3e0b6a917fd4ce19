"""Where a streaming player that opens a new device stream per buffer may cut the audio.

simpleaudio has no queue: each buffer is a new ALSA stream, and the switch leaves about 10 ms of silence
(measured on a paced PulseAudio sink: 9.2-10.5 ms between back-to-back 200 ms buffers). Cut in the middle
of a stretch that is already silent and that extra silence is inaudible; cut inside a word and it is a
click. Speech from eSpeak NG has about two quiet runs of 20 ms or more (peak below -40 dBFS) per second
(measured at speed 1.0 and 1.5), so a 2 s cap on a segment almost always finds one.
"""

from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Sequence
from itertools import groupby

from core.pcm import peak

BLOCK_MS = 5


@dataclass(frozen=True)
class CutPolicy:
    quiet_level: int = 328  # peak below this (-40 dBFS of int16) counts as silence
    min_quiet_ms: int = 20  # a run this long holds a 10 ms gap with 5 ms of silence on each side
    min_segment_ms: int = 50  # shorter segments would spend more time switching streams than playing
    max_segment_ms: int = 2000  # volume changes and forced cuts wait at most this long

    def max_samples(self, rate: int) -> int:
        return rate * self.max_segment_ms // 1000


@dataclass(frozen=True)
class Cut:
    end: int  # samples from the start of the buffer given
    quiet: bool  # False when no silence was found and the cut had to go into sound


def _block_peaks(samples: Sequence[int], rate: int) -> tuple[list[int], int]:
    block = max(1, rate * BLOCK_MS // 1000)
    return [peak(samples[i : i + block]) for i in range(0, len(samples) - block + 1, block)], block


def quiet_cuts(samples: Sequence[int], rate: int, policy: CutPolicy) -> list[int]:
    """Sample offsets at the middle of every quiet run long enough to hide a stream switch."""
    peaks, block = _block_peaks(samples, rate)
    min_blocks = max(1, policy.min_quiet_ms // BLOCK_MS)
    cuts, first = [], 0
    for quiet, run in groupby(peaks, key=lambda value: value < policy.quiet_level):
        length = sum(1 for _ in run)
        if quiet and length >= min_blocks:
            cuts.append((2 * first + length) * block // 2)
        first += length
    return cuts


def choose_cut(samples: Sequence[int], rate: int, policy: CutPolicy, *, final: bool, urgent: bool) -> Cut | None:
    """The end of the next segment of `samples`, or None to wait for more audio.

    final: no more audio will come. urgent: the device is idle and waiting is itself a gap.
    """
    available = len(samples)
    min_len = rate * policy.min_segment_ms // 1000
    max_len = policy.max_samples(rate)
    if available == 0:
        return None
    if final and available <= max_len:
        return Cut(available, True)
    window = samples[: min(available, max_len)]
    cuts = [c for c in quiet_cuts(window, rate, policy) if c >= min_len]
    if cuts:
        return Cut(cuts[-1], True)
    if available >= max_len:
        # No silence in a whole segment's length: cut at the quietest point of its second half, so that
        # segments stay long and the forced gaps few.
        return Cut(_quietest(window, rate, max(min_len, len(window) // 2)), False)
    if (urgent and available >= min_len) or final:
        return Cut(_quietest(window, rate, min_len), False)
    return None


def _quietest(samples: Sequence[int], rate: int, earliest: int) -> int:
    """The end of the quietest block at or after `earliest` (the whole buffer if it is shorter).

    Ties go to the latest block: the longer segment means fewer stream switches.
    """
    peaks, block = _block_peaks(samples, rate)
    first = earliest // block
    if len(peaks) <= first:
        return len(samples)
    tail = peaks[first:]
    index = first + len(tail) - 1 - tail[::-1].index(min(tail))
    return min(len(samples), (index + 1) * block)
