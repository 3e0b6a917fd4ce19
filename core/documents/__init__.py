"""Documents in every common format, read into text to be spoken and its structure: `open_document(path)`.
One module a format; a new format adds a module and a line in READERS.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from core.documents.model import Cancelled, Document, DocumentError, Heading, NeedsPassword, Progress, TextBuilder
from core.textfile import DEFAULT_MAX_INPUT_MB, TooLarge, read_bounded

__all__ = ["Cancelled", "Document", "DocumentError", "Heading", "NeedsPassword", "Progress", "TextBuilder",
           "open_document", "SUFFIXES"]

# A book is 0.5-5 MB of text; past this a file is refused as not a document anyone reads aloud.
MAX_CHARS = 100_000_000

SUFFIXES = {  # what each reader takes, by the file's suffix
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "webpage", ".htm": "webpage", ".xhtml": "webpage", ".epub": "epub", ".docx": "docx", ".pdf": "pdf", ".odt": "odt",
}


# Formats people have that Aloud does not read: said so, rather than read as text (RTF would be read as markup).
UNSUPPORTED = {
    ".doc": "Word 97-2003 documents (.doc); save it as .docx", ".rtf": "RTF documents; save it as .docx or .odt",
    ".mobi": "Kindle books (.mobi)", ".azw": "Kindle books (.azw)", ".azw3": "Kindle books (.azw3)",
    ".djvu": "DjVu scans", ".pages": "Pages documents; export it as .docx or PDF",
    ".xlsx": "spreadsheets", ".ods": "spreadsheets", ".xls": "spreadsheets", ".pptx": "slides", ".odp": "slides",
    ".ppt": "slides", ".cbz": "comic book archives", ".cbr": "comic book archives",
}


def open_document(path: str | Path, *, max_mb: int = DEFAULT_MAX_INPUT_MB, progress: Progress | None = None,
                  password: str | None = None) -> Document:
    """The document at `path`. Raises OSError (it cannot be read) or DocumentError (saying why, in one line;
    NeedsPassword for an encrypted PDF opened without its password or with a wrong one).
    progress: told how far the reading is, for long documents; returning False cancels (Cancelled)."""
    path = Path(path)
    if path.suffix.lower() in UNSUPPORTED:
        raise DocumentError(f"Aloud does not read {UNSUPPORTED[path.suffix.lower()]}")
    kind = SUFFIXES.get(path.suffix.lower()) or _sniff(path)
    if kind in ("epub", "docx", "pdf", "odt"):
        if path.stat().st_size > max_mb * 1_000_000:
            raise DocumentError(f"it is larger than {max_mb} MB")
        if kind == "pdf":
            from core.documents.pdf import read_pdf

            return read_pdf(path, MAX_CHARS, progress, password)
        if kind == "odt":
            from core.documents.opendocument import read_odt

            return read_odt(path, MAX_CHARS, progress)
        if kind == "docx":
            from core.documents.wordprocessing import read_docx

            return read_docx(path, MAX_CHARS, progress)
        from core.documents.epub import read_epub

        return read_epub(path, MAX_CHARS, progress)
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > max_mb * 1_000_000:  # a regular file says its size: no need to read it
            raise DocumentError(f"it is larger than {max_mb} MB")
        try:
            raw = read_bounded(stream, path.name, max_mb, size) if kind == "text" else _read_all(stream, max_mb)
        except TooLarge:
            raise DocumentError(f"it is larger than {max_mb} MB") from None
        except ValueError as exc:  # NotText: binary data
            raise DocumentError(f"it is not a text file: {exc}") from None
    if kind == "webpage":
        from core.documents.webpage import read_webpage

        return read_webpage(raw, path.stem, MAX_CHARS)
    from core.documents.plaintext import read_plain_text

    document = read_plain_text(raw, path.name)
    if kind == "markdown":
        from core.documents.markdown import read_markdown

        return read_markdown(document.text, path.stem, MAX_CHARS, progress)
    return document


def _read_all(stream, max_mb: int) -> bytes:
    data = stream.read(max_mb * 1_000_000 + 1)
    if len(data) > max_mb * 1_000_000:
        raise TooLarge("the file", max_mb)
    return data


def _sniff(path: Path) -> str:
    """The kind of a file whose suffix says nothing: an EPUB by its first member, else text."""
    if not path.is_file():  # a device or a pipe: read as text, which refuses what is not
        return "text"
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.read("mimetype").strip() == b"application/epub+zip":
                return "epub"
    except (zipfile.BadZipFile, KeyError, OSError):
        pass
    return "text"
