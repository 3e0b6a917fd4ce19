"""Word documents (.docx, python-docx): paragraphs, lists and tables in the order of the body; headings (by
their outline level or heading style) as the table of contents; the table of contents Word keeps in the text,
code and page headers and footers left out.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from core.documents.model import Cancelled, Document, DocumentError, Progress, TextBuilder

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^toc\s*\d|^table of contents|^toc heading$", re.IGNORECASE)
_CODE_STYLE = re.compile(r"code|html preformatted|macro text", re.IGNORECASE)
MAX_PACKAGE_BYTES = 200 * 1024 * 1024  # the document's parts unpacked (a zip bomb is refused)


def read_docx(path: Path, max_chars: int, progress: Progress | None = None) -> Document:
    try:
        with zipfile.ZipFile(path) as package:
            if sum(info.file_size for info in package.infolist()) > MAX_PACKAGE_BYTES:
                raise DocumentError(f"it unpacks to more than {MAX_PACKAGE_BYTES // 2**20} MB")
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError):
        raise DocumentError("it is not a Word document (.docx), or it is damaged") from None
    builder = TextBuilder(max_chars)
    _read_blocks(document.element.body, document, builder, progress=progress)
    title = (document.core_properties.title or "").strip() or path.stem
    return Document(builder.text(), title, "Word document", tuple(builder.headings))


def _read_blocks(container, document, builder: TextBuilder, styles: dict | None = None,
                 progress: Progress | None = None) -> None:
    styles = {} if styles is None else styles  # style id -> its level (see _style_level)
    count = len(container) if progress is not None else 0
    for done, element in enumerate(container.iterchildren()):
        if progress is not None and done % 100 == 0 and not progress(done / count):
            raise Cancelled()
        tag = element.tag
        if tag == f"{_W}p":
            _read_paragraph(Paragraph(element, document), builder, styles)
        elif tag == f"{_W}tbl":
            for row in Table(element, document).rows:
                cells = []
                for cell in row.cells:
                    text = " ".join(p.text for p in cell.paragraphs).strip()
                    if text and (not cells or cells[-1] != text):  # a merged cell is listed once a column
                        cells.append(text)
                builder.block(", ".join(cells))
        elif tag == f"{_W}sdt":  # a content control: its content, unless it is Word's table of contents
            gallery = element.find(f".//{_W}docPartGallery")
            if gallery is not None and "contents" in (gallery.get(f"{_W}val") or "").lower():
                continue
            content = element.find(f"{_W}sdtContent")
            if content is not None:
                _read_blocks(content, document, builder, styles)


_SKIP = -1  # a style whose paragraphs are not read


def _read_paragraph(paragraph: Paragraph, builder: TextBuilder, styles: dict) -> None:
    style_id = paragraph._p.style  # looked up once a style: python-docx's lookup walks all styles each time
    if style_id not in styles:
        styles[style_id] = _style_level(paragraph.style)
    level = _own_level(paragraph)
    if level is None:
        level = styles[style_id]
    if level == _SKIP:
        return
    if level is not None:
        builder.heading(paragraph.text, level)
    else:
        builder.block(paragraph.text)


def _own_level(paragraph: Paragraph) -> int | None:
    properties = paragraph._p.pPr
    level = properties.find(f"{_W}outlineLvl") if properties is not None else None
    if level is None:
        return None
    value = int(level.get(f"{_W}val", "9"))
    return value + 1 if value < 9 else None


def _style_level(style) -> int | None:
    """For a paragraph style: _SKIP (contents, code), a heading level (1 = chapter: its outline level, or a
    "Heading N" name), or None (body text)."""
    if style is None:
        return None
    if _TOC_STYLE.match(style.name or "") or _CODE_STYLE.search(style.name or ""):
        return _SKIP
    base = style
    while base is not None:
        properties = base.element.pPr
        level = properties.find(f"{_W}outlineLvl") if properties is not None else None
        if level is not None:
            value = int(level.get(f"{_W}val", "9"))
            return value + 1 if value < 9 else None
        match = _HEADING_STYLE.match(base.name or "")
        if match:
            return int(match.group(1))
        base = base.base_style
    return None
