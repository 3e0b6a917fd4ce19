"""A WAV file written as audio streams in: PCM 16-bit, or G.711 mu-law/A-law with their own format tags."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_FORMAT_TAGS = {"linear16": 1, "alaw": 6, "mulaw": 7}


class WavWriter:
    """Writes a header now and patches the sizes on close, so a long reading never sits in memory."""

    def __init__(self, path: str | Path, encoding: str, sample_rate: int, channels: int = 1) -> None:
        if encoding not in _FORMAT_TAGS:
            raise ValueError(f"cannot write {encoding!r} audio to WAV")
        self.path = Path(path)
        self.encoding = encoding
        self.sample_rate = sample_rate
        self.channels = channels
        self.sample_width = 2 if encoding == "linear16" else 1
        self.data_bytes = 0
        self._file: BinaryIO | None = open(self.path, "wb")
        self._file.write(self._header())

    def _header(self) -> bytes:
        tag = _FORMAT_TAGS[self.encoding]
        block_align = self.channels * self.sample_width
        fmt = struct.pack(
            "<HHIIHH", tag, self.channels, self.sample_rate, self.sample_rate * block_align,
            block_align, self.sample_width * 8,
        )
        chunks = b""
        if tag != 1:
            # Non-PCM formats carry cbSize and a fact chunk with the sample count.
            fmt += struct.pack("<H", 0)
        chunks += b"fmt " + struct.pack("<I", len(fmt)) + fmt
        if tag != 1:
            samples = self.data_bytes // block_align
            chunks += b"fact" + struct.pack("<II", 4, samples)
        pad = self.data_bytes & 1
        riff_size = 4 + len(chunks) + 8 + self.data_bytes + pad
        return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks + b"data" + struct.pack("<I", self.data_bytes)

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("WAV file is closed")
        self._file.write(data)
        self.data_bytes += len(data)

    def close(self) -> None:
        if self._file is None:
            return
        f, self._file = self._file, None
        with f:
            if self.data_bytes & 1:
                f.write(b"\0")  # RIFF chunks are word-aligned
            f.seek(0)
            f.write(self._header())

    def __enter__(self) -> "WavWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_wav(path: str | Path) -> tuple[int, int, int, bytes]:
    """(format tag, sample rate, bits per sample, data) of a WAV file, for tests and checks."""
    raw = Path(path).read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    pos = 12
    fmt = None
    while pos + 8 <= len(raw):
        cid, size = raw[pos : pos + 4], struct.unpack("<I", raw[pos + 4 : pos + 8])[0]
        body = raw[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            if fmt is None:
                raise ValueError("data before fmt")
            return fmt[0], fmt[2], fmt[5], body
        pos += 8 + size + (size & 1)
    raise ValueError("no data chunk")
