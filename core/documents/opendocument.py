"""OpenDocument text (.odt, LibreOffice and others): paragraphs, lists and tables in order, headings with their
outline numbers as the table of contents; the document's own table of contents and indexes, footnotes,
comments, pictures, code and page headers and footers left out.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from core.documents.model import Cancelled, Document, DocumentError, Progress, TextBuilder

MAX_MEMBER_BYTES = 64 * 1024 * 1024  # content.xml or styles.xml unpacked (a zip bomb is refused)
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T, _TB, _S = f"{{{TEXT}}}", f"{{{TABLE}}}", f"{{{STYLE}}}"
# Blocks whose text is not read: generated indexes (the Contents panel has the headings), declarations.
_SKIPPED_BLOCKS = {f"{_T}{name}" for name in (
    "table-of-content", "alphabetical-index", "illustration-index", "table-index", "object-index", "user-index",
    "bibliography", "tracked-changes", "sequence-decls", "variable-decls", "user-field-decls", "dde-connection-decls")}
# Inline content not read in the middle of a sentence: footnotes, comments, pictures and text boxes.
_SKIPPED_INLINE = {f"{_T}note", f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end", f"{_T}ruby-text"}
_CODE_STYLE = re.compile(r"preformatted|source[ _]text|\bcode\b", re.IGNORECASE)
_DRAWING = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"  # pictures, shapes and text boxes
_ROWS = {f"{_TB}table-header-rows", f"{_TB}table-rows", f"{_TB}table-row-group"}


def read_odt(path: Path, max_chars: int, progress: Progress | None = None) -> Document:
    try:
        with zipfile.ZipFile(path) as package:
            if _encrypted(package):
                raise DocumentError("it is protected by a password, which Aloud cannot open in OpenDocument files "
                                    "(save a copy without the password)")
            content = _parse(package, "content.xml")
            styles = _parse(package, "styles.xml", required=False)
            meta = _parse(package, "meta.xml", required=False)
    except zipfile.BadZipFile:
        raise DocumentError("it is not an OpenDocument text (not a zip archive)") from None
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"the document is damaged ({exc})") from None
    body = content.find(f"{{{OFFICE}}}body/{{{OFFICE}}}text")
    if body is None:
        raise DocumentError("it is not an OpenDocument text (it has no text body: a spreadsheet or slides?)")
    reader = _Reader(TextBuilder(max_chars), _Styles(content, styles))
    children = list(body)
    for done, element in enumerate(children):
        if progress is not None and done % 200 == 0 and not progress(done / len(children)):
            raise Cancelled()
        reader.block(element)
    title = ""
    if meta is not None:
        found = meta.find(".//{http://purl.org/dc/elements/1.1/}title")
        title = " ".join((found.text or "").split()) if found is not None else ""
    return Document(reader.builder.text(), title or path.stem, "OpenDocument text", tuple(reader.builder.headings))


def _encrypted(package: zipfile.ZipFile) -> bool:
    try:
        manifest = package.read("META-INF/manifest.xml")
    except KeyError:
        return False
    return b"encryption-data" in manifest[:MAX_MEMBER_BYTES]


def _parse(package: zipfile.ZipFile, name: str, required: bool = True):
    try:
        info = package.getinfo(name)
    except KeyError:
        if required:
            raise DocumentError(f"it is not an OpenDocument text (it has no {name})") from None
        return None
    if info.file_size > MAX_MEMBER_BYTES:
        raise DocumentError(f"{name} inside it is larger than {MAX_MEMBER_BYTES // 2**20} MB unpacked")
    with package.open(info) as member:
        return etree.fromstring(member.read(MAX_MEMBER_BYTES + 1), _XML)


class _Styles:
    """What the reader needs of the styles: which paragraph styles are code, and how headings are numbered."""

    def __init__(self, content, styles) -> None:
        roots = [root for root in (styles, content) if root is not None]
        self._parent: dict[str, str] = {}
        self._shown: dict[str, str] = {}
        self._list_of: dict[str, str] = {}  # paragraph style -> the list style numbering it
        self.lists: dict[str, dict[int, etree._Element]] = {}  # list style -> level -> its level style
        self.outline: dict[int, etree._Element] = {}
        for root in roots:
            for style in root.iter(f"{_S}style"):
                name = style.get(f"{_S}name", "")
                self._parent[name] = style.get(f"{_S}parent-style-name", "")
                self._shown[name] = style.get(f"{_S}display-name") or name
                if style.get(f"{_S}list-style-name"):
                    self._list_of[name] = style.get(f"{_S}list-style-name")
            for list_style in root.iter(f"{_T}list-style"):
                self.lists[list_style.get(f"{_S}name", "")] = {
                    int(level.get(f"{_T}level", "1")): level for level in list_style}
            for outline in root.iter(f"{_T}outline-style"):
                self.outline = {int(level.get(f"{_T}level", "1")): level for level in outline}
        self._code: dict[str, bool] = {}

    def _chain(self, name: str):
        seen = set()
        while name and name not in seen and len(seen) < 50:
            seen.add(name)
            yield name
            name = self._parent.get(name, "")

    def is_code(self, name: str) -> bool:
        if name not in self._code:
            self._code[name] = any(_CODE_STYLE.search(self._shown.get(n, n)) for n in self._chain(name))
        return self._code[name]

    def list_style(self, name: str) -> str | None:
        return next((self._list_of[n] for n in self._chain(name) if n in self._list_of), None)


class _Reader:
    def __init__(self, builder: TextBuilder, styles: _Styles) -> None:
        self.builder = builder
        self._styles = styles
        self._lists: list[str | None] = []  # the list styles of the lists the reader is inside, outermost first
        self._counters: dict[str | None, list[int]] = {}  # numbering (None: the outline) -> a count a level

    def block(self, element) -> None:
        tag = element.tag
        if tag in _SKIPPED_BLOCKS or not isinstance(tag, str):
            return
        if tag == f"{_T}p":
            if not self._styles.is_code(element.get(f"{_T}style-name", "")):
                self.builder.block(inline_text(element))
        elif tag == f"{_T}h":
            self._heading(element)
        elif tag == f"{_T}list":
            outer = next((s for s in reversed(self._lists) if s), None)
            self._lists.append(element.get(f"{_T}style-name") or outer)
            try:
                for item in element:
                    for child in item:
                        self.block(child)
            finally:
                self._lists.pop()
        elif tag == f"{_TB}table":
            self._table(element)
        elif tag in (f"{_T}section", f"{_T}index-body", f"{_T}list-item", f"{_T}list-header"):
            for child in element:
                self.block(child)

    def _heading(self, element) -> None:
        title = inline_text(element)
        style_name = element.get(f"{_T}style-name", "")
        if self._lists:
            source, level = self._lists[-1], len(self._lists)
        elif self._styles.list_style(style_name):
            source, level = self._styles.list_style(style_name), 1
        else:
            source, level = None, _int(element.get(f"{_T}outline-level"), 1)
        label = "" if element.get(f"{_T}is-list-header") == "true" else self._number(source, level)
        outline_level = _int(element.get(f"{_T}outline-level"), level)
        self.builder.heading(f"{label} {title}" if label and title.strip() else title, max(1, outline_level))

    def _number(self, source: str | None, level: int) -> str:
        """The heading's number as the document shows it ("2.3", "Appendix A"), counting as it goes."""
        levels = self._styles.outline if source is None else self._styles.lists.get(source, {})
        if not 1 <= level <= 10:
            return ""
        counts = self._counters.setdefault(source, [0] * 10)
        counts[level - 1] += 1
        counts[level:] = [0] * (10 - level)
        style = levels.get(level)
        if style is None or not style.get(f"{_S}num-format"):
            return ""
        shown = max(1, min(level, _int(style.get(f"{_T}display-levels"), 1)))
        parts = []
        for at in range(level - shown + 1, level + 1):
            at_style = levels.get(at)
            fmt = at_style.get(f"{_S}num-format", "1") if at_style is not None else "1"
            parts.append(_format(max(1, counts[at - 1]), fmt))
        return f"{style.get(f'{_S}num-prefix', '')}{'.'.join(p for p in parts if p)}" \
               f"{style.get(f'{_S}num-suffix', '')}".strip()

    def _table(self, table) -> None:
        def rows(element):
            for child in element:
                if child.tag == f"{_TB}table-row":
                    yield child
                elif child.tag in _ROWS:
                    yield from rows(child)

        for row in rows(table):
            cells = []
            for cell in row:
                if cell.tag == f"{_TB}table-cell":
                    text = _cell_text(cell)
                    if text.strip():
                        cells.append(" ".join(text.split()))
            self.builder.block(", ".join(cells))


def _cell_text(element) -> str:
    parts = []
    for child in element:
        if child.tag in (f"{_T}p", f"{_T}h"):
            parts.append(inline_text(child))
        elif isinstance(child.tag, str) and child.tag not in _SKIPPED_BLOCKS:
            parts.append(_cell_text(child))  # a list, section or table inside the cell
    return " ".join(parts)


def inline_text(element) -> str:
    """The text of a paragraph as shown: spaces (<text:s>), tabs and line breaks as spaces, fields as their
    shown values; footnotes, comments and pictures left out."""
    parts: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED_INLINE or tag.startswith(_DRAWING):
                pass
            elif tag in (f"{_T}s", f"{_T}tab", f"{_T}line-break"):
                parts.append(" ")
            else:
                if child.text:
                    parts.append(child.text)
                walk(child)
            if child.tail:
                parts.append(child.tail)

    if element.text:
        parts.append(element.text)
    walk(element)
    return "".join(parts)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _format(number: int, fmt: str) -> str:
    if fmt in ("a", "A"):
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if fmt == "A" else letters
    if fmt in ("i", "I"):
        roman = ""
        for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                               (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
            count, number = divmod(number, value)
            roman += numeral * count
        return roman.upper() if fmt == "I" else roman
    return str(number) if fmt else ""
