"""Reads an HTML or XHTML tree (lxml) into a document's blocks: paragraphs, headings and list items each a block,
table rows read cell by cell, with what a listener should not hear left out (scripts, footnote reference
markers, images' alt text, hidden elements).
"""

from __future__ import annotations

import re
from typing import Callable

from core.documents.model import TextBuilder

BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption figure "
    "footer form header hgroup hr li main nav ol p pre section summary table tbody tfoot thead tr ul".split()
)
HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Never read: code and styling, embedded things, form controls, and images (their alt text is not read).
SKIPPED = frozenset("script style head noscript template iframe object embed svg math img picture video audio "
                    "canvas map button select input textarea".split())
CELLS = frozenset(("td", "th"))
# A footnote reference: "[12]", "12", "*", "†" in superscript, or a link that says it is one.
_NOTE_MARK = re.compile(r"^\s*[\[(]?\s*(\d{1,4}|[a-z]|[*†‡§¶#]+)\s*[\])]?\s*$", re.IGNORECASE)
_NOTEREF = frozenset(("noteref", "doc-noteref", "doc-biblioref", "doc-backlink"))
_BACKLINK = frozenset(("^", "↑", "↩", "⤴", "↩︎"))  # a note's link back to where it was referred to
_EMPTY_CELLS = re.compile(r"\s*,(?:\s*,)+\s*")


def local_name(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # a comment or a processing instruction
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def is_hidden(element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return (element.get("hidden") is not None or element.get("aria-hidden") == "true"
            or "display:none" in style or "visibility:hidden" in style)


def is_note_reference(element, name: str) -> bool:
    kinds = set((element.get("{http://www.idpf.org/2007/ops}type") or element.get("epub:type") or "").split())
    kinds |= set((element.get("role") or "").split())
    if kinds & _NOTEREF:
        return True
    if name not in ("sup", "a"):
        return False
    text = "".join(element.itertext())
    return bool(_NOTE_MARK.match(text)) if name == "sup" else text.strip() in _BACKLINK


class MarkupReader:
    """Walks elements into a TextBuilder. `skip(element)` may leave out more (a web page's menus); `on_id(id)`
    hears each element id as it is met, with the builder's next offset (for a table of contents' targets)."""

    def __init__(self, builder: TextBuilder, skip: Callable[[object], bool] | None = None,
                 on_id: Callable[[str, int], None] | None = None) -> None:
        self.builder = builder
        self._skip = skip
        self._on_id = on_id
        self._inline: list[str] = []

    def read(self, element) -> None:
        self._walk(element)
        self._flush()

    def _flush(self, heading: int | None = None) -> None:
        text = "".join(self._inline)
        self._inline.clear()
        if heading is None:
            self.builder.block(text)
        elif text.strip():
            self.builder.heading(text, heading)

    def _walk(self, element) -> None:
        name = local_name(element)
        if not name or name in SKIPPED or is_hidden(element) or is_note_reference(element, name) or (
                self._skip is not None and self._skip(element)):
            return
        if self._on_id is not None:
            for key in ("id", "name"):  # (inside a paragraph: the target is where that paragraph ends)
                if element.get(key):
                    self._on_id(element.get(key), self.builder.next_offset)
        if name == "br":
            self._flush()
            return
        heading = HEADINGS.get(name)
        block = heading is not None or name in BLOCKS
        if block:
            self._flush()
        if element.text:
            self._inline.append(element.text)
        for child in element:
            self._walk(child)
            if child.tail:
                self._inline.append(child.tail)
            if name == "tr" and local_name(child) in CELLS:
                while self._inline and not self._inline[-1].strip():
                    self._inline.pop()
                if self._inline:
                    self._inline[-1] = self._inline[-1].rstrip()
                self._inline.append(", ")  # a row is read as one sentence, its cells apart
        if name == "tr":  # empty cells leave no stray commas
            row = _EMPTY_CELLS.sub(", ", "".join(self._inline)).strip(" ,\t\n")
            self._inline[:] = [row]
        if heading is not None:
            self._flush(heading)
        elif block:
            self._flush()
        elif name in CELLS:
            self._inline.append(" ")
