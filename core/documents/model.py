"""What a document is to the reader: its text, and its structure (title, table of contents, pages), with each
place given as a character offset into the text.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable


class DocumentError(ValueError):
    """A file that cannot be read as a document. `str()` says why, in one line for the user."""


class Cancelled(DocumentError):
    """The caller's progress callback asked to stop."""

    def __init__(self) -> None:
        super().__init__("opening was cancelled")


# Told how far a document is read (0 to 1); returns False to stop (the reader then raises Cancelled).
Progress = Callable[[float], bool]


class NeedsPassword(DocumentError):
    """An encrypted document: it opens with the right password (`open_document(..., password=...)`)."""


@dataclass(frozen=True)
class Heading:
    """An entry of the table of contents: a chapter (level 1) or a section within one."""

    title: str
    offset: int  # where its text starts in the document's text
    level: int = 1


@dataclass(frozen=True)
class Document:
    text: str
    title: str
    kind: str  # the format, as said to the user: "EPUB", "PDF", "Markdown"...
    headings: tuple[Heading, ...] = ()  # in the order of their offsets
    page_starts: tuple[int, ...] = ()  # the offset each page starts at (page 1 first), for paged formats
    editable: bool = False  # the text is the file's own (plain text), so editing and saving it loses nothing
    warnings: tuple[str, ...] = field(default=())  # what was read differently from the file, for the user

    def heading_at(self, offset: int) -> int | None:
        """The index of the heading whose part holds `offset` (None before the first)."""
        index = bisect.bisect_right([h.offset for h in self.headings], offset) - 1
        return index if index >= 0 else None

    def page_at(self, offset: int) -> int | None:
        """The page number (from 1) holding `offset`, for paged formats."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def part(self, index: int) -> tuple[int, int]:
        """Where heading `index`'s part lies: from it to the next heading of the same or a higher level."""
        heading = self.headings[index]
        end = next((h.offset for h in self.headings[index + 1:] if h.level <= heading.level), len(self.text))
        return heading.offset, end


class TextBuilder:
    """Collects a document's blocks (paragraphs, headings, list items, table rows) into its text: each block one
    paragraph with its whitespace made single spaces, kept apart from the next by a blank line, so that the
    reader pauses between them as between sentences. Bounded: past `max_chars` it raises DocumentError."""

    SEPARATOR = "\n\n"

    def __init__(self, max_chars: int) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._max_chars = max_chars
        self.headings: list[Heading] = []

    @property
    def next_offset(self) -> int:
        """Where the next block will start."""
        return self._length + (len(self.SEPARATOR) if self._length else 0)

    def block(self, text: str) -> int | None:
        """Add a block; its offset, or None when it holds nothing to read."""
        text = " ".join(text.split())
        if not text:
            return None
        if self._length:
            self._parts.append(self.SEPARATOR)
            self._length += len(self.SEPARATOR)
        offset = self._length
        self._parts.append(text)
        self._length += len(text)
        if self._length > self._max_chars:
            raise DocumentError(f"its text is longer than {self._max_chars:,} characters")
        return offset

    def heading(self, text: str, level: int = 1) -> None:
        offset = self.block(text)
        if offset is not None:
            self.headings.append(Heading(" ".join(text.split()), offset, level))

    def text(self) -> str:
        return "".join(self._parts)
