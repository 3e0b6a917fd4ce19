"""Where a streaming player that opens a new device stream per buffer may cut the audio.

simpleaudio has no queue: each buffer is a new ALSA stream, and the switch leaves about 10 ms of silence
(measured on a paced PulseAudio sink: 9.2-10.5 ms between back-to-back 200 ms buffers). Cut in the middle
of a stretch that is already silent and that extra silence is inaudible; cut inside a word and it is a
click. Speech from eSpeak NG has about two quiet runs of 20 ms or more (peak below -40 dBFS) per second
(measured at speed 1.0 and 1.5), so a 2 s cap on a segment almost always finds one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_MS = 5


@dataclass(frozen=True)
class CutPolicy:
    quiet_level: int = 328  # peak below this (-40 dBFS of int16) counts as silence
    min_quiet_ms: int = 20  # a run this long holds a 10 ms gap with 5 ms of silence on each side
    min_segment_ms: int = 50  # shorter segments would spend more time switching streams than playing
    max_segment_ms: int = 2000  # volume changes and forced cuts wait at most this long


@dataclass(frozen=True)
class Cut:
    end: int  # samples from the start of the buffer given
    quiet: bool  # False when no silence was found and the cut had to go into sound


def _block_peaks(samples: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    block = max(1, rate * BLOCK_MS // 1000)
    count = len(samples) // block
    if count == 0:
        return np.zeros(0, dtype=np.int32), block
    peaks = np.abs(samples[: count * block].astype(np.int32)).reshape(count, block).max(axis=1)
    return peaks, block


def quiet_cuts(samples: np.ndarray, rate: int, policy: CutPolicy) -> list[int]:
    """Sample offsets at the middle of every quiet run long enough to hide a stream switch."""
    peaks, block = _block_peaks(samples, rate)
    if len(peaks) == 0:
        return []
    quiet = np.concatenate(([False], peaks < policy.quiet_level, [False]))
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]  # in blocks; a run is [start, end)
    min_blocks = max(1, policy.min_quiet_ms // BLOCK_MS)
    return [int((s + e) * block // 2) for s, e in zip(starts, ends) if e - s >= min_blocks]


def choose_cut(samples: np.ndarray, rate: int, policy: CutPolicy, *, final: bool, urgent: bool) -> Cut | None:
    """The end of the next segment of `samples`, or None to wait for more audio.

    final: no more audio will come. urgent: the device is idle and waiting is itself a gap.
    """
    available = len(samples)
    min_len = rate * policy.min_segment_ms // 1000
    max_len = rate * policy.max_segment_ms // 1000
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


def _quietest(samples: np.ndarray, rate: int, earliest: int) -> int:
    """The end of the quietest block at or after `earliest` (the whole buffer if it is shorter).

    Ties go to the latest block: the longer segment means fewer stream switches.
    """
    peaks, block = _block_peaks(samples, rate)
    first = earliest // block
    if len(peaks) <= first:
        return len(samples)
    tail = peaks[first:]
    index = first + len(tail) - 1 - int(np.argmin(tail[::-1]))
    return min(len(samples), (index + 1) * block)
