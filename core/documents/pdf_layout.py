"""A PDF's lines made into what is read: running headers, footers and page numbers left out, lines joined into
paragraphs (a hyphen at a line's end joins the word), larger lines as headings. Pure geometry, no PDF library:
core/documents/pdf.py measures the lines.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, deque
from dataclasses import dataclass

FURNITURE_ZONE = 0.15  # headers and footers sit within this share of the page's height from its top or bottom
FURNITURE_LINES = 3  # ...and are among this many lines nearest the edge
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s+)?(?:\d{1,5}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,5})?\W*$",
                          re.IGNORECASE)
# A line of a printed table of contents: dot leaders to a page number (the Contents panel lists the chapters).
_LEADER = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,5}|[ivxlcdm]{1,7})$", re.IGNORECASE)
_BULLET = re.compile(r"^[•◦▪▫■□●○‣⁃∙·–—*]\s")


@dataclass
class Line:
    """One line of a page as PDFium lays it out. Coordinates in points, y growing upwards."""

    text: str  # whitespace already single spaces
    x0: float  # left of its first character
    x1: float  # right of its last
    first_base: float  # baseline of its first character
    last_base: float  # ...and of its last (PDFium joins a hyphenated line to the next one)
    size: float  # font size of its first character
    first_word: float  # width of its first word: whether it would have fitted on the line before


@dataclass
class Page:
    lines: list[Line]
    height: float


@dataclass
class Paragraph:
    text: str
    page: int  # where it starts (from 0)
    size: float
    page_breaks: list[tuple[int, int]]  # (page, offset in text) where a later page's text starts within it


def remove_furniture(pages: list[Page]) -> None:
    """Leave out lines near the top or bottom of a page that repeat on most pages (digits aside, so "Page 3
    of 8" repeats), bare page numbers, and the lines of a printed table of contents."""
    def candidates(page: Page) -> list[Line]:
        ordered = sorted(page.lines, key=lambda line: -line.first_base)
        top = [line for line in ordered[:FURNITURE_LINES] if line.first_base > page.height * (1 - FURNITURE_ZONE)]
        bottom = [line for line in ordered[-FURNITURE_LINES:] if line.first_base < page.height * FURNITURE_ZONE]
        return top + [line for line in bottom if line not in top]

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    pages_with_text = [page for page in pages if page.lines]
    counts = Counter(k for page in pages_with_text for k in {key(line) for line in candidates(page)})
    threshold = max(2, (len(pages_with_text) + 1) // 2)
    for page in pages_with_text:
        drop = {id(line) for line in candidates(page)
                if _PAGE_NUMBER.match(line.text) or (len(pages_with_text) >= 2 and counts[key(line)] >= threshold)}
        page.lines = [line for line in page.lines if id(line) not in drop and not _LEADER.search(line.text)]


def paragraphs(pages: list[Page]) -> list[Paragraph]:
    """The pages' lines joined into paragraphs, in order; a paragraph may run on over a page break."""
    leading = _leadings(pages)
    edges = _right_edges([line for page in pages for line in page.lines])
    result: list[Paragraph] = []
    previous: Line | None = None
    previous_edge = 0.0
    count = 0
    for number, page in enumerate(pages):
        for index, line in enumerate(page.lines):
            same_page = index > 0
            if previous is not None and not _breaks(previous, previous_edge, line, leading, same_page):
                current = result[-1]
                joined = _join(current.text, line.text)
                if not same_page:
                    current.page_breaks.append((number, len(joined) - len(line.text)))
                current.text = joined
            else:
                result.append(Paragraph(line.text, number, line.size, []))
            previous, previous_edge = line, edges[count]
            count += 1
    return result


def headings_by_size(found: list[Paragraph], max_levels: int = 6) -> list[tuple[int, int]]:
    """For a PDF without an outline: (paragraph index, level) of the short paragraphs set larger than the body
    text, the largest size being level 1."""
    by_size = Counter()
    for paragraph in found:
        by_size[round(paragraph.size, 1)] += len(paragraph.text)
    if not by_size:
        return []
    body = by_size.most_common(1)[0][0]
    sizes = sorted({round(p.size, 1) for p in found if p.size >= body * 1.15 and len(p.text) <= 200},
                   reverse=True)[:max_levels]
    return [(index, sizes.index(round(p.size, 1)) + 1) for index, p in enumerate(found)
            if round(p.size, 1) in sizes and len(p.text) <= 200]


def _join(text: str, more: str) -> str:
    """`text` and the next line `more` as one: "exam-" + "ple" is "example"; "part1-" + "two" keeps its
    hyphen; otherwise a space between."""
    if text.endswith("-") and len(text) > 1 and more:
        if joins_word(text[text.rfind(" ") + 1:-1], more.split(" ", 1)[0]):
            return text[:-1] + more
        if not text[-2].isspace():
            return text + more
    return f"{text} {more}"


def joins_word(before: str, after: str) -> bool:
    """Whether a hyphen at a line's end between `before` and `after` split one word ("exam-" "ple"), rather
    than standing in a compound of digits or in an address ("part1-" "two", "oasis-" "open.org")."""
    if not before or not after or not before[-1].isalpha() or not after[0].islower():
        return False
    return not any(mark in before + after.rstrip(".,;:!?)]'\"’”") for mark in "/@._:")


def _breaks(above: Line, edge: float, below: Line, leading: dict[float, float], same_page: bool) -> bool:
    """Whether `below` starts a new paragraph after `above`."""
    size = max(above.size, below.size)
    if abs(above.size - below.size) > 0.15 * size or _BULLET.match(below.text):
        return True
    if same_page:
        drop = above.last_base - below.first_base
        if drop <= 0 or drop > 1.3 * leading.get(round(size, 1), 1.2 * size):
            return True  # a gap, or a jump up the page (a new column)
    # A line that ended with room for the next line's first word ended its paragraph.
    return above.x1 + 0.3 * above.size + below.first_word < edge - 0.2 * above.size


def _leadings(pages: list[Page]) -> dict[float, float]:
    """The usual distance between baselines of consecutive lines, for each font size."""
    drops: dict[float, list[float]] = {}
    for page in pages:
        for above, below in zip(page.lines, page.lines[1:]):
            if abs(above.size - below.size) < 0.01 * above.size:
                drop = above.last_base - below.first_base
                if 0.8 * above.size < drop < 3 * above.size:
                    drops.setdefault(round(above.size, 1), []).append(round(drop * 2) / 2)
    return {size: statistics.mode(found) for size, found in drops.items() if len(found) >= 3}


def _right_edges(lines: list[Line]) -> list[float]:
    """For each line, the right edge of its column: the furthest lines starting near it reach, on any page
    (a line in another column starts more than a third of the page's width away). The furthest hundredth
    of all lines are not counted: a wide table row is not where the text's margin is."""
    if not lines:
        return []
    ends = sorted(line.x1 for line in lines)
    margin = ends[min(len(ends) - 1, len(ends) * 99 // 100)]
    reach = ends[-1] / 3
    order = sorted(range(len(lines)), key=lambda i: lines[i].x0)
    edges = [0.0] * len(lines)
    window: deque[int] = deque()  # positions in `order` within reach, their x1 decreasing: the first is the max
    added = removed = 0
    for i in order:
        while added < len(order) and lines[order[added]].x0 <= lines[i].x0 + reach:
            while window and lines[order[window[-1]]].x1 <= lines[order[added]].x1:
                window.pop()
            window.append(added)
            added += 1
        while lines[order[removed]].x0 < lines[i].x0 - reach:
            removed += 1
        while window[0] < removed:
            window.popleft()
        edges[i] = min(margin, lines[order[window[0]]].x1)
    return edges
