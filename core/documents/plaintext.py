"""Plain text: its encoding found (UTF-8, UTF-16 with a byte order mark, else the Windows Western code page that
most older text files are in), its text kept exactly as the file has it, so that it can be edited and saved."""

from __future__ import annotations

import codecs

from core.documents.model import Document, DocumentError
from core.textfile import NotText, decode_text


def decode_legacy(raw: bytes) -> str:
    """Windows-1252, with the five bytes it leaves undefined read as Latin-1 (so no byte is lost)."""
    return raw.decode("cp1252", errors=_AS_LATIN1)


def _as_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start:error.end].decode("latin-1"), error.end


_AS_LATIN1 = "aloud-as-latin-1"
codecs.register_error(_AS_LATIN1, _as_latin1)


def read_plain_text(raw: bytes, name: str) -> Document:
    try:
        decoded = decode_text(raw)
    except NotText as exc:
        raise DocumentError(f"it is not a text file: {exc}") from None
    if decoded.replaced:
        # Not UTF-8 (decode_text found too few bad bytes for it to be binary): an older 8-bit text file.
        return Document(decode_legacy(raw), name, "Text (Windows-1252)", editable=True,
                        warnings=(f"{name} is not UTF-8; it was read as Windows-1252 (Western European).",))
    return Document(decoded.text, name, "Text", editable=True)
