"""Streaming sample-rate conversion of 16-bit mono PCM: eSpeak NG's 22,050 Hz to the rate a client asks for.

A polyphase windowed-sinc filter (Kaiser window) in pure Python: the app ships without NumPy, and with it
without soxr. Each output sample is one dot product over `taps` input samples, so the cost is about
out_rate * taps multiply-adds per second of audio (measured by `python -m bench.pipeline`).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

from core import pcm

_SHIFT = 20  # coefficients are integers scaled by 2**20: exact integer sums, no float rounding per tap
_ROUND = 1 << (_SHIFT - 1)


@dataclass(frozen=True)
class FilterSpec:
    """What the filter guarantees, relative to the Nyquist frequency of the lower of the two rates."""

    passband: float = 0.80  # passed unchanged up to here (tests: error below -50 dB)
    stopband: float = 1.10  # attenuated by at least `attenuation_db` from here on
    attenuation_db: float = 60.0


def _bessel_i0(x: float) -> float:
    term = total = 1.0
    k = 1
    while term > 1e-12 * total:
        term *= (x / (2 * k)) ** 2
        total += term
        k += 1
    return total


@dataclass(frozen=True)
class _Design:
    up: int  # L: output samples per cycle
    down: int  # M: input samples per cycle
    taps: int  # input samples each output sample is computed from
    phases: tuple[tuple[int, ...], ...]  # per output position in a cycle: its coefficients, oldest sample first
    starts: tuple[int, ...]  # per output position in a cycle: its first input sample, from the cycle's start


@lru_cache(maxsize=None)
def _design(in_rate: int, out_rate: int, spec: FilterSpec) -> _Design:
    g = math.gcd(in_rate, out_rate)
    up, down = out_rate // g, in_rate // g
    ratio = min(1.0, up / down)  # the lower Nyquist, in input-rate terms
    # Frequencies in cycles per input sample.
    cutoff = 0.5 * ratio * (spec.passband + spec.stopband) / 2
    transition = 0.5 * ratio * (spec.stopband - spec.passband)
    a = spec.attenuation_db
    beta = 0.1102 * (a - 8.7) if a > 50 else 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21) if a > 21 else 0.0
    # Kaiser's estimate of the length, in input samples, rounded up to an even number of taps.
    taps = max(2, math.ceil((a - 7.95) / (2.285 * 2 * math.pi * transition)))
    taps += taps % 2
    half = taps // 2
    norm = _bessel_i0(beta)

    def kernel(t: float) -> float:  # t in input samples from the output instant
        if abs(t) >= half:
            return 0.0
        lowpass = 2 * cutoff if t == 0 else math.sin(2 * math.pi * cutoff * t) / (math.pi * t)
        return lowpass * _bessel_i0(beta * math.sqrt(1 - (t / half) ** 2)) / norm

    phases, starts = [], []
    for n in range(up):
        q, r = divmod(n * down, up)  # output n falls r/up of a sample after input q
        # Inputs q-half+1 .. q+half surround it.
        coefficients = [kernel(r / up + half - 1 - j) for j in range(taps)]
        gain = sum(coefficients)  # unity gain at DC for every phase: no ripple from phase to phase
        phases.append(tuple(round(c / gain * (1 << _SHIFT)) for c in coefficients))
        starts.append(q - half + 1)
    return _Design(up, down, taps, tuple(phases), tuple(starts))


class Resampler:
    """Converts a stream of PCM chunks; output n is the input's value at time n / out_rate."""

    def __init__(self, in_rate: int, out_rate: int, spec: FilterSpec = FilterSpec()) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError("sample rates must be positive")
        self._d = _design(in_rate, out_rate, spec)
        self._reset()

    def _reset(self) -> None:
        half = self._d.taps // 2
        self._buf: list[int] = [0] * (half - 1)  # silence before the first sample
        self._buf_start = -(half - 1)  # input index of _buf[0]
        self._received = 0  # input samples so far
        self._next = 0  # index of the next output sample

    def process(self, data: bytes, last: bool = False) -> bytes:
        """Resampled PCM for `data` (whole samples). last=True adds the tail and readies a new stream."""
        if len(data) % 2:
            raise ValueError("PCM chunks must hold whole 16-bit samples")
        new = pcm.samples(data)
        self._buf.extend(new)
        self._received += len(new)
        d = self._d
        half = d.taps // 2
        if last:
            self._buf.extend([0] * half)  # silence after the last sample
            available = self._received + half
        else:
            available = self._received
        # Output n needs inputs up to floor(n * down / up) + half: count those that have them all.
        end = max(self._next, -(-(available - half) * d.up // d.down))
        out = self._compute(self._next, end)
        if last:
            self._reset()
        else:
            self._next = end
            cycle, pos = divmod(end, d.up)
            drop = cycle * d.down + d.starts[pos] - self._buf_start
            if drop > 0:
                del self._buf[:drop]
                self._buf_start += drop
        if out and (max(out) > 32767 or min(out) < -32768):
            out = [32767 if v > 32767 else -32768 if v < -32768 else v for v in out]
        return pcm.to_bytes(array("h", out))

    def _compute(self, first: int, end: int) -> list[int]:
        d = self._d
        buf, taps, up, down = self._buf, d.taps, d.up, d.down
        out: list[int] = []
        n = first
        while n < end:
            cycle, pos = divmod(n, up)
            stop = min(up, pos + end - n)
            base = cycle * down - self._buf_start
            out.extend([
                (sum(map(mul, coefficients, buf[base + start : base + start + taps]), _ROUND) >> _SHIFT)
                for coefficients, start in zip(d.phases[pos:stop], d.starts[pos:stop])
            ])
            n += stop - pos
        return out
