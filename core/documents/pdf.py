"""PDF documents through PDFium (pypdfium2): each page's lines measured, then laid out by pdf_layout into
paragraphs without running headers, footers or page numbers; the outline (bookmarks) as the table of contents,
and the page each offset is on.
"""

from __future__ import annotations

import bisect
import ctypes
import re
import threading
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.documents.model import Cancelled, Document, DocumentError, Heading, NeedsPassword, Progress, TextBuilder
from core.documents.pdf_layout import (Line, Page, Paragraph, headings_by_size, joins_word, paragraphs,
                                      remove_furniture)

MAX_HEADINGS = 10_000  # an outline longer than this is not a table of contents anyone reads
# PDFium is not thread-safe: one document at a time in this process.
_PDFIUM = threading.Lock()
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
                            "\xad": None})
_CONTROL = re.compile(r"[\x00-\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_PDFIUM_HYPHEN = re.compile(r"[\x02\ufffe]")  # a hyphen PDFium found at a line's end; it joins the two lines


def read_pdf(path: Path, max_chars: int, progress: Progress | None = None, password: str | None = None) -> Document:
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(str(path), password=password)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise NeedsPassword("the password is not right" if password else "it is protected by a password")
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_SECURITY:
                raise DocumentError("it uses a kind of encryption Aloud cannot open") from None
            raise DocumentError("it is not a PDF, or it is damaged") from None
        try:
            pages = _measure(pdf, progress)
            return _document(pdf, pages, path.stem, max_chars)
        finally:
            pdf.close()


def _measure(pdf, progress: Progress | None) -> list[Page]:
    pages = []
    count = len(pdf)
    for number in range(count):
        if progress is not None and not progress(number / max(1, count)):
            raise Cancelled()
        page = pdf[number]
        try:
            text_page = page.get_textpage()
            try:
                pages.append(Page(_lines(text_page), page.get_height()))
            finally:
                text_page.close()
        finally:
            page.close()
    return pages


def _lines(text_page) -> list[Line]:
    text = text_page.get_text_range()
    count = text_page.count_chars()
    # PDFium counts UTF-16 units; a character beyond the BMP is one in Python and two to PDFium.
    units = None if len(text) == count else _unit_offsets(text)
    raw = text_page.raw
    x, y = ctypes.c_double(), ctypes.c_double()

    def base(index: int) -> float:
        pdfium_c.FPDFText_GetCharOrigin(raw, index, ctypes.byref(x), ctypes.byref(y))
        return y.value

    lines = []
    for match in re.finditer(r"[^\r\n]+", text):
        content = _clean(match.group())
        if not content:
            continue
        first = match.start() + (len(match.group()) - len(match.group().lstrip()))
        last = match.start() + len(match.group().rstrip()) - 1
        word_end = first + len(match.group().lstrip().split()[0]) - 1
        if units is not None:
            first, last, word_end = units[first], units[last], units[word_end]
        left = text_page.get_charbox(first)[0]
        lines.append(Line(content, left, text_page.get_charbox(last)[2], base(first), base(last),
                          pdfium_c.FPDFText_GetFontSize(raw, first),
                          text_page.get_charbox(word_end)[2] - left))
    return lines


def _unit_offsets(text: str) -> list[int]:
    offsets, unit = [], 0
    for char in text:
        offsets.append(unit)
        unit += 2 if ord(char) > 0xFFFF else 1
    return offsets


def _clean(line: str) -> str:
    line = _CONTROL.sub("", line.translate(_LIGATURES))
    line = _PDFIUM_HYPHEN.sub(lambda m: _hyphen(line, m.start()), line)
    return " ".join(line.split())


def _hyphen(line: str, at: int) -> str:
    """A line-end hyphen PDFium joined across lines: dropped inside a word ("exam-ple"), kept otherwise."""
    start = line.rfind(" ", 0, at) + 1
    end = line.find(" ", at)
    return "" if joins_word(line[start:at], line[at + 1:end if end >= 0 else len(line)]) else "-"


def _document(pdf, pages: list[Page], name: str, max_chars: int) -> Document:
    if not any(page.lines for page in pages):
        if not pages:
            raise DocumentError("it has no pages")
        raise DocumentError("it has no text to read: its pages are images (a scan?), and Aloud does not "
                            "recognise text in images")
    remove_furniture(pages)
    found = paragraphs(pages)
    builder = TextBuilder(max_chars)
    offsets = []
    page_starts = [0] * len(pages)
    known = [False] * len(pages)
    for paragraph in found:
        offset = builder.block(paragraph.text)
        offsets.append(offset)
        if not known[paragraph.page]:
            page_starts[paragraph.page], known[paragraph.page] = offset, True
        for page, within in paragraph.page_breaks:
            if not known[page]:
                page_starts[page], known[page] = offset + within, True
    text = builder.text()
    later = len(text)  # a page with nothing read starts where the next one does (the end, if none)
    for number in reversed(range(len(pages))):
        if known[number]:
            later = page_starts[number]
        else:
            page_starts[number] = later
    headings = _outline(pdf, found, offsets, page_starts)
    if not headings:
        headings = [Heading(found[index].text, offsets[index], level)
                    for index, level in headings_by_size(found)]
    warnings = []
    empty = [str(number + 1) for number, page in enumerate(pages) if not page.lines]
    if empty:
        listed = ", ".join(empty[:10]) + (" and more" if len(empty) > 10 else "")
        warnings.append(f"{len(empty)} of {len(pages)} pages have no text (images only) and are not read: {listed}")
    title = (pdf.get_metadata_value("Title") or "").strip() or name
    return Document(text, title, "PDF", tuple(headings), tuple(page_starts), warnings=tuple(warnings))


def _outline(pdf, found: list[Paragraph], offsets: list[int], page_starts: list[int]) -> list[Heading]:
    """The bookmarks, each at the paragraph on its page that starts with its title (else at the page's start)."""
    headings = []
    for count, bookmark in enumerate(pdf.get_toc(max_depth=6)):
        if count >= MAX_HEADINGS:
            break
        title = " ".join(_clean(bookmark.get_title() or "").split())
        dest = bookmark.get_dest()
        page = dest.get_index() if dest is not None else None
        if not title or page is None or not 0 <= page < len(page_starts):
            continue
        offset = _find_title(title, found, offsets, page_starts[page])
        headings.append(Heading(title, offset, bookmark.level + 1))
    headings.sort(key=lambda heading: heading.offset)
    return headings


def _find_title(title: str, found: list[Paragraph], offsets: list[int], start: int) -> int:
    wanted = title.casefold()
    first = bisect.bisect_right(offsets, start) - 1
    for index in range(max(0, first), min(len(found), first + 60)):  # the heading is on its page
        if found[index].text.casefold().startswith(wanted):
            return max(offsets[index], start)
    return start
