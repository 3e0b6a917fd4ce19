"""G.711 mu-law and A-law, both ways, through lookup tables (audioop is gone from Python 3.13)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_ALL_INT16 = np.arange(-32768, 32768, dtype=np.int32)
_CODES = np.arange(256, dtype=np.int32)


def _segment(values: np.ndarray, ends: list[int]) -> np.ndarray:
    return np.searchsorted(np.array(ends), values, side="left")


@lru_cache(maxsize=None)
def _ulaw_encode_table() -> np.ndarray:
    # ITU-T G.711 as in the reference g711.c: 14-bit magnitude, bias 33, eight segments.
    pcm = _ALL_INT16 >> 2
    mask = np.where(pcm < 0, 0x7F, 0xFF)
    mag = np.minimum(np.abs(pcm), 8159) + 33
    seg = _segment(mag, [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
    uval = (seg << 4) | ((mag >> (seg + 1)) & 0xF)
    return (np.where(seg >= 8, 0x7F, uval) ^ mask).astype(np.uint8)


@lru_cache(maxsize=None)
def _alaw_encode_table() -> np.ndarray:
    pcm = _ALL_INT16 >> 3
    mask = np.where(pcm >= 0, 0xD5, 0x55)
    mag = np.where(pcm >= 0, pcm, -pcm - 1)
    seg = _segment(mag, [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
    shift = np.where(seg < 2, 1, seg)
    aval = (seg << 4) | ((mag >> shift) & 0xF)
    return (np.where(seg >= 8, 0x7F, aval) ^ mask).astype(np.uint8)


@lru_cache(maxsize=None)
def _ulaw_decode_table() -> np.ndarray:
    u = ~_CODES & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype("<i2")


@lru_cache(maxsize=None)
def _alaw_decode_table() -> np.ndarray:
    a = _CODES ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype("<i2")


def encode(pcm16: bytes, encoding: str) -> bytes:
    """Signed 16-bit little-endian PCM to 8-bit mulaw/alaw."""
    table = _ulaw_encode_table() if encoding == "mulaw" else _alaw_encode_table()
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.int32) + 32768
    return table[samples].tobytes()


def decode(data: bytes, encoding: str) -> bytes:
    """8-bit mulaw/alaw to signed 16-bit little-endian PCM."""
    table = _ulaw_decode_table() if encoding == "mulaw" else _alaw_decode_table()
    return table[np.frombuffer(data, dtype=np.uint8)].tobytes()
