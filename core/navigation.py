"""Sentences and paragraphs around a position in a document, found from the position's neighbourhood: the
window asks on every key press, and an answer costs the same in a page as in a book.

The answers are exactly those of splitting the whole document. Splitting restarts at the start of the
paragraph that holds the position, where it finds what a split from the top finds. With no blank line within
NEIGHBOURHOOD characters, it restarts that far back and drops what it finds until the first sentence end past
the two places a restart can be misjudged (the word it cuts, and a short line's start); from there on the
sentences are the whole split's.
"""

from __future__ import annotations

import itertools
from typing import Iterator

from core.chunking import _CLOSERS, _PARAGRAPH_BREAK, _SHORT_LINE, Segment, _next_visible, iter_segments

NEIGHBOURHOOD = 8_000  # characters looked back for the paragraph's start


def _last_paragraph_start(text: str, position: int, low: int) -> int | None:
    """The last paragraph start (the first visible character after a blank line) in [low, position]."""
    found = None
    for match in _PARAGRAPH_BREAK.finditer(text, low, position):
        start = _next_visible(text, match.end(), len(text))
        if start <= position and start < len(text):
            found = start
    return found


def _resynchronised(text: str, low: int, position: int) -> Iterator[Segment] | None:
    """The whole split's segments from one at or before `position` on, found by splitting from `low`; None
    if they cannot be told apart from the misjudged ones before `position`."""
    misjudged = low
    if low > 0 and (text[low - 1].isalnum() or text[low - 1] in "._"):
        # The word cut by the restart, judged as if it began at `low`, and the closing quotes and brackets after
        # its dot: whether that dot ends a sentence (`Dr."`) depends on the part of the word left behind.
        while misjudged < position and (text[misjudged].isalnum() or text[misjudged] in "._"):
            misjudged += 1
        while misjudged < position and text[misjudged] in _CLOSERS:
            misjudged += 1
    newline = text.find("\n", low, low + 2 * _SHORT_LINE)
    if newline >= 0:
        misjudged = max(misjudged, newline)  # the line cut by the restart, judged short
    exact_after = _next_visible(text, misjudged, len(text))
    segments = iter_segments(text, low)
    for segment in segments:
        if segment.end > position:
            return None
        if segment.ends_sentence and segment.end > exact_after:
            break
    else:
        return None
    following = next(segments, None)
    if following is None or following.start > position:
        return None
    return itertools.chain([following], segments)


def _segments_around(text: str, position: int) -> Iterator[Segment]:
    """The whole document's segments from one that starts at or before `position` onwards."""
    window = NEIGHBOURHOOD
    while position > window:
        low = position - window
        restart = _last_paragraph_start(text, position, low)
        if restart is not None:
            return iter_segments(text, restart)
        segments = _resynchronised(text, low, position)
        if segments is not None:
            return segments
        window *= 4  # a sentence longer than the neighbourhood: look further back
    return iter_segments(text)


def sentence_start(text: str, position: int) -> int:
    """The start of the sentence that holds `position` (or the last one before it), so that reading never
    begins in the middle of a sentence."""
    start = 0
    for segment in _segments_around(text, position):
        if segment.start > position:
            break
        start = segment.start
    return start


def next_sentence_start(text: str, position: int) -> int | None:
    """The first sentence start after `position`, or None at the last sentence."""
    for segment in _segments_around(text, position):
        if segment.start > position:
            return segment.start
    return None


def previous_sentence_start(text: str, position: int) -> int:
    """The last sentence start before `position` (0 if there is none)."""
    start = 0
    for segment in _segments_around(text, max(0, position - 1)):
        if segment.start >= position:
            break
        start = segment.start
    return start


def next_paragraph_start(text: str, position: int) -> int | None:
    """The first paragraph start after `position`, or None in the last paragraph.

    The search for the next blank line runs in the regular expression engine (about a millisecond a
    megabyte), so even a paragraph of a whole book is found at once.
    """
    # Back to the start of the whitespace holding `position`: a blank line that began before it may end after.
    low = position
    while low > 0 and text[low - 1].isspace() and position - low < NEIGHBOURHOOD:
        low -= 1
    for match in _PARAGRAPH_BREAK.finditer(text, low):
        start = _next_visible(text, match.end(), len(text))
        if start > position and start < len(text):
            return start
        if start >= len(text):
            return None
    return None


def previous_paragraph_start(text: str, position: int) -> int:
    """The last paragraph start before `position` (0 if there is none), looking back a window at a time."""
    window = NEIGHBOURHOOD
    while True:
        low = max(0, position - window)
        found = _last_paragraph_start(text, position - 1, low) if position > 0 else None
        if found is not None:
            return found
        if low == 0:
            return 0
        window *= 4
