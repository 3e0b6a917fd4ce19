"""Signed 16-bit little-endian mono PCM as Python arrays: the app's audio arithmetic, without NumPy.

NumPy and its bundled OpenBLAS were 39 MB of the packaged app for a few table look-ups and a multiply; the
standard library's `array` does the same at the sizes a reader handles (a few seconds at a time).
"""

from __future__ import annotations

import sys
from array import array

_SWAP = sys.byteorder == "big"  # the wire and WAV format is little-endian


def samples(pcm: bytes | bytearray | memoryview) -> array:
    """The samples of little-endian PCM (a trailing odd byte is ignored)."""
    values = array("h")
    values.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if _SWAP:
        values.byteswap()
    return values


def to_bytes(values: array) -> bytes:
    if _SWAP:
        values = array("h", values)
        values.byteswap()
    return values.tobytes()


def scale(pcm: bytes, factor: float) -> bytes:
    """Each sample times `factor` (0 to 1), truncated toward zero."""
    if factor >= 1.0:
        return pcm
    return to_bytes(array("h", [int(s * factor) for s in samples(pcm)]))


def peak(values: array) -> int:
    """The largest magnitude in `values` (0 for none)."""
    if not values:
        return 0
    return max(max(values), -min(values))


class WholeSamples:
    """One connection's audio in whole samples. A message may end inside a sample (a dropped connection cuts
    anywhere), and half a sample passed on would shift every sample after it: noise to the end of the reading."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._rest = b""

    def take(self, data: bytes) -> bytes:
        """The whole samples of what came so far; a trailing part-sample waits for the rest of it."""
        if self._rest:
            data = self._rest + data
        cut = len(data) - len(data) % self.width
        self._rest = data[cut:]
        return data[:cut] if self._rest else data
