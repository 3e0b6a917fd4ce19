"""Turns a file's bytes into the text to read: UTF-8 (with or without a BOM) or UTF-16 with a BOM; refuses
binary data (an executable, an image, random bytes), which would otherwise be read aloud as noise, and input
past a size limit (an endless pipe, a device), read a megabyte at a time so that it is refused at once.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import BinaryIO

DEFAULT_MAX_INPUT_MB = 200  # a long book is 5 MB of text
_CHUNK = 1 << 20

# Past this share of bytes that are not UTF-8, the data is not text with a few stray bytes (Latin-1 French
# has under 10%; random binary data about 60%).
MAX_UNDECODABLE_SHARE = 0.3


class NotText(ValueError):
    """The data is binary. `str()` says why, in words for the user."""


class TooLarge(ValueError):
    """The input is past the size limit. `str()` says so, in words for the user."""

    def __init__(self, name: str, limit_mb: int) -> None:
        super().__init__(f"{name} is larger than {limit_mb} MB")


@dataclass(frozen=True)
class DecodedText:
    text: str
    replaced: int = 0  # undecodable bytes shown as U+FFFD


def decode_text(raw: bytes) -> DecodedText:
    """The text in `raw`. Raises NotText for binary data."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom) and not raw.startswith(codecs.BOM_UTF32_LE):
            try:
                return DecodedText(raw[len(bom):].decode(codec))
            except UnicodeDecodeError:
                raise NotText("it starts like UTF-16 text but is not valid UTF-16") from None
    if b"\0" in raw:
        raise NotText("it holds NUL bytes, so it is binary data, not text")
    try:
        return DecodedText(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8-sig", "replace")
    replaced = text.count("\ufffd") - raw.decode("utf-8-sig", "ignore").count("\ufffd")
    if replaced > MAX_UNDECODABLE_SHARE * max(1, len(raw)):
        raise NotText(f"{replaced * 100 // len(raw)}% of its bytes are not UTF-8: it is binary data, or text in "
                      "another encoding (save it as UTF-8)")
    return DecodedText(text, replaced)


def read_bounded(stream: BinaryIO, name: str, limit_mb: int = DEFAULT_MAX_INPUT_MB, expected: int = 0) -> bytes:
    """All of `stream` (a file, a pipe, a device), a megabyte at a time; binary data and anything past the
    limit are refused as soon as they are seen. Raises NotText or TooLarge.

    expected: the size a regular file says it has, read in one piece (one buffer, not a copy of many).
    """
    limit = limit_mb * 1_000_000
    parts: list[bytes] = []
    size = 0
    utf16 = None
    want = max(expected, _CHUNK)
    while chunk := stream.read(min(want, limit + 1 - size)):
        want = _CHUNK
        if utf16 is None:
            utf16 = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not utf16 and b"\0" in chunk:
            raise NotText("it holds NUL bytes, so it is binary data, not text")
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise TooLarge(name, limit_mb)
    return parts[0] if len(parts) == 1 else b"".join(parts)
