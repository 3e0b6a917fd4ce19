"""G.711 mu-law and A-law, both ways, through lookup tables (audioop is gone from Python 3.13)."""

from __future__ import annotations

from array import array
from functools import lru_cache

from core import pcm

_ULAW_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_ALAW_ENDS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _segment(magnitude: int, ends: tuple[int, ...]) -> int:
    for segment, end in enumerate(ends):
        if magnitude <= end:
            return segment
    return len(ends)


def _ulaw_encode(sample: int) -> int:
    # ITU-T G.711 as in the reference g711.c: 14-bit magnitude, bias 33, eight segments.
    value = sample >> 2
    mask = 0x7F if value < 0 else 0xFF
    magnitude = min(abs(value), 8159) + 33
    seg = _segment(magnitude, _ULAW_ENDS)
    code = 0x7F if seg >= 8 else (seg << 4) | ((magnitude >> (seg + 1)) & 0xF)
    return code ^ mask


def _alaw_encode(sample: int) -> int:
    value = sample >> 3
    mask = 0xD5 if value >= 0 else 0x55
    magnitude = value if value >= 0 else -value - 1
    seg = _segment(magnitude, _ALAW_ENDS)
    code = 0x7F if seg >= 8 else (seg << 4) | ((magnitude >> (1 if seg < 2 else seg)) & 0xF)
    return code ^ mask


def _ulaw_decode(code: int) -> int:
    u = ~code & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def _alaw_decode(code: int) -> int:
    a = code ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = t + 8 if seg == 0 else t + 0x108
    if seg > 1:
        t <<= seg - 1
    return t if a & 0x80 else -t


@lru_cache(maxsize=None)
def _encode_table(encoding: str) -> bytes:
    """The code of every 16-bit sample, indexed by the sample's bit pattern read unsigned."""
    encode = _ulaw_encode if encoding == "mulaw" else _alaw_encode
    return bytes(encode(u - 65536 if u >= 32768 else u) for u in range(65536))


@lru_cache(maxsize=None)
def _decode_tables(encoding: str) -> tuple[bytes, bytes]:
    """Two 256-byte tables for bytes.translate: the low and the high byte of each code's sample."""
    decode = _ulaw_decode if encoding == "mulaw" else _alaw_decode
    values = [decode(code) & 0xFFFF for code in range(256)]
    return bytes(v & 0xFF for v in values), bytes(v >> 8 for v in values)


def encode(pcm16: bytes, encoding: str) -> bytes:
    """Signed 16-bit little-endian PCM to 8-bit mulaw/alaw."""
    values = pcm.samples(pcm16)
    return bytes(map(_encode_table(encoding).__getitem__, array("H", values.tobytes())))


def decode(data: bytes, encoding: str) -> bytes:
    """8-bit mulaw/alaw to signed 16-bit little-endian PCM."""
    low, high = _decode_tables(encoding)
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(low)
    out[1::2] = data.translate(high)
    return bytes(out)
