"""The command line's face for documents: `contents FILE` prints the table of contents, numbered; `text FILE`
prints the text that would be read (for checking, or piping); and `speak --chapter N / --from-chapter N` find
where in a document to start and stop."""

from __future__ import annotations

from typing import TextIO

from core.documents import Document


def print_contents(document: Document, stdout: TextIO) -> None:
    print(f"{document.title} ({document.kind}, {len(document.text):,} characters)", file=stdout)
    if not document.headings:
        print("No chapters or headings.", file=stdout)
    width = len(str(len(document.headings)))
    for number, heading in enumerate(document.headings, 1):
        share = heading.offset * 100 // max(1, len(document.text))
        page = document.page_at(heading.offset)
        where = f"page {page}" if page is not None else f"{share}%"
        print(f"{number:>{width}}. {'  ' * (heading.level - 1)}{heading.title}  ({where})", file=stdout)


def print_text(document: Document, stdout: TextIO) -> None:
    stdout.write(document.text)
    if not document.text.endswith("\n"):
        stdout.write("\n")


def chapter_range(document: Document, chapter: int | None, from_chapter: int | None) -> tuple[int, int | None]:
    """Where a reading of the document starts and ends. Raises ValueError, in words for the user."""
    number = chapter if chapter is not None else from_chapter
    if number is None:
        return 0, None
    if not document.headings:
        raise ValueError(f"{document.title} has no chapters or headings to start from")
    if not 1 <= number <= len(document.headings):
        raise ValueError(f"there is no chapter {number}: {document.title} has {len(document.headings)} "
                         "(`contents FILE` lists them)")
    start, end = document.part(number - 1)
    return start, (end if chapter is not None else None)
