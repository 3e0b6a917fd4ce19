"""Splits a document into Speak-sized segments at sentence boundaries, keeping exact character offsets.

Every segment's text is `document[start:end]`, segments are in order and never overlap, and only
whitespace is left out between them, so the reader can map audio back to the characters being spoken.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from core.protocol import MAX_SPEAK_CHARS


class Boundary(enum.IntEnum):
    """What ends a segment, weakest first. A reader flushes at SENTENCE and PARAGRAPH."""

    HARD = 0  # a token longer than the limit, cut as a last resort
    WORD = 1
    CLAUSE = 2
    LINE = 3  # a short line (heading, list item, verse) ending without punctuation
    SENTENCE = 4
    PARAGRAPH = 5


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    text: str
    boundary: Boundary

    @property
    def ends_sentence(self) -> bool:
        return self.boundary >= Boundary.LINE


# Words that end with a dot without ending the sentence. Checked case-insensitively on the word before
# the dot. Titles never end a sentence; the others do only when a capital letter follows.
_TITLES = frozenset(
    "mr mrs ms dr prof st sr jr rev hon gen col capt lt sgt mt ft vs cf fig figs no nos vol vols pp "
    "eq eqs ch sec approx dept est ca mme mlle sra sr srta dra hr fr".split()
)
_ABBREVIATIONS = frozenset(
    "etc inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun "
    "al ed eds op vol ibid resp".split()
)

_CLOSERS = "\"'”’»)]}」』）】〕〉》›"
_LATIN_END = ".!?…‽⁇⁈⁉"
# Terminators of scripts that do not put a space after a sentence (CJK) or use their own marks.
_SPACELESS_END = "。！？｡．"
_OTHER_END = "।॥؟۔։።။"

_SENTENCE_END = re.compile(
    rf"(?:[{re.escape(_LATIN_END + _OTHER_END)}]+[{re.escape(_CLOSERS)}]*(?=\s|$)"
    rf"|[{re.escape(_SPACELESS_END)}]+[{re.escape(_CLOSERS)}]*)"
)
_CLAUSE_END = re.compile(r"(?:[,;:—–]|\s[-–—]|[，、；：])(?=\s|$)|[，、；：]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_SHORT_LINE = 40  # a line shorter than this that ends without punctuation is a heading or list item

_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")  # e.g, i.e, U.S, p.m: single letters and dots


def _next_visible(text: str, pos: int, end: int) -> int:
    """Where the first character at or after `pos` that is not whitespace is (`end` if none before it)."""
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _word_start(text: str, pos: int, start: int) -> int:
    """Where the run of word characters and dots that ends at `pos` starts (as the regex [\\w.]+$ finds it)."""
    while pos > start and (text[pos - 1].isalnum() or text[pos - 1] in "._"):
        pos -= 1
    return pos


def _is_false_stop(text: str, mark_start: int, mark_end: int, start: int = 0, end: int | None = None) -> bool:
    """True when the punctuation at text[mark_start:mark_end] does not end a sentence of text[start:end].

    It looks only at the mark's neighbourhood (the word before it, the first visible character after it), so
    splitting costs time in proportion to the text, not to its square.
    """
    end = len(text) if end is None else end
    marks = text[mark_start:mark_end].rstrip(_CLOSERS)
    visible = _next_visible(text, mark_end, end)
    next_char = text[visible : min(visible + 1, end)]
    if marks in (".", "...", "…"):
        if next_char and (next_char.islower() or next_char.isdigit() and marks == "."):
            # "e.g. this", "approx. five", "well... then", "No. 5"
            return True
    if marks != ".":
        return False
    word = text[_word_start(text, mark_start, start) : mark_start].lower()
    if not word:
        return False
    if word in _TITLES:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. R. R. Tolkien"
    if _DOTTED.match(word):
        # "e.g.", "U.S.": whether "the U.S. Army" goes on is undecidable here, and joining two
        # sentences costs less than flushing mid-sentence, so a dotted abbreviation never ends one.
        return True
    if word in _ABBREVIATIONS:
        return not next_char.isupper()
    return False


# Text is split a block at a time, so that the first sentences of a book come after reading a few thousand
# characters of it. A block ends where no rule can see across the cut: after whitespace and before a
# visible character (so a run of whitespace, and with it a paragraph break, is never cut), or, in a long
# stretch with no whitespace (CJK), between two letters or digits. Each rule still reads the text beyond it.
BLOCK_CHARS = 8192
_BLOCK_CUT = re.compile(r"\s(?=\S)")
_BLOCK_CUT_SPACELESS = re.compile(r"[^\W_](?=[^\W_])")


def _block_end(text: str, target: int, end: int) -> int:
    while target < end:
        for pattern in (_BLOCK_CUT, _BLOCK_CUT_SPACELESS):
            match = pattern.search(text, target - 1, min(end, target + BLOCK_CHARS))
            if match:
                return match.end()
        target += BLOCK_CHARS  # no cut within reach (a run of punctuation or symbols): look further on
    return end


def _line_is_short(text: str, line_start: int, line_end: int) -> bool:
    """Whether text[line_start:line_end], stripped, is neither empty nor as long as a line of prose."""
    first = _next_visible(text, line_start, line_end)
    if first == line_end:
        return False
    last = line_end
    while text[last - 1].isspace():
        last -= 1
    return last - first < _SHORT_LINE


def _sentence_spans(text: str, start: int = 0, end: int | None = None, block: int = BLOCK_CHARS):
    """(start, end, boundary) for each sentence of text[start:end], a block at a time; each sentence's end
    includes its trailing whitespace."""
    end = len(text) if end is None else end
    sentence_start = line_start = pos = start
    while pos < end:
        block_end = _block_end(text, pos + block, end)
        stops: dict[int, Boundary] = {}
        for match in _SENTENCE_END.finditer(text, pos, block_end):
            if not _is_false_stop(text, match.start(), match.end(), start, end):
                stops[match.end()] = Boundary.SENTENCE
        for match in _PARAGRAPH_BREAK.finditer(text, pos, block_end):
            stops[match.start()] = Boundary.PARAGRAPH
        newline = text.find("\n", pos, block_end)
        while newline >= 0:
            if newline not in stops and _line_is_short(text, line_start, newline):
                stops[newline] = Boundary.LINE
            line_start = newline + 1
            newline = text.find("\n", line_start, block_end)
        for cut in sorted(stops):
            cut_end = _next_visible(text, cut, end)
            boundary = stops[cut]
            if cut_end == end or _PARAGRAPH_BREAK.search(text, cut, cut_end):
                boundary = Boundary.PARAGRAPH
            if cut_end > sentence_start:
                yield sentence_start, cut_end, boundary
                sentence_start = cut_end
        pos = block_end
    if sentence_start < end:
        yield sentence_start, end, Boundary.PARAGRAPH


def _safe_cut(text: str, cut: int, low: int) -> int:
    """Move a hard cut back so that it does not separate a base character from its combining marks."""
    pos = cut
    while pos > low + 1 and (
        unicodedata.combining(text[pos]) or text[pos] in "\u200d\ufe0e\ufe0f" or text[pos - 1] == "\u200d"
        or 0xDC00 <= ord(text[pos]) <= 0xDFFF
    ):
        pos -= 1
    return pos


def split_span(text: str, start: int, end: int, limit: int, boundary: Boundary):
    """Split text[start:end] into pieces of at most `limit` characters: clause, then word, then hard."""
    pieces = []
    while end - start > limit:
        window_end = start + limit
        cut = -1
        kind = Boundary.HARD
        for pattern, candidate in ((_CLAUSE_END, Boundary.CLAUSE), (re.compile(r"\s+"), Boundary.WORD)):
            last = None
            for match in pattern.finditer(text, start, window_end):
                last = match
            if last is not None and last.end() > start:
                cut = last.end()
                kind = candidate
                break
        if cut < 0:
            cut = _safe_cut(text, window_end, start)
        # Trailing whitespace belongs with the piece before the cut, as far as the limit allows.
        while cut < window_end and cut < end and text[cut].isspace():
            cut += 1
        pieces.append((start, cut, kind))
        start = cut
    pieces.append((start, end, boundary))
    return pieces


def iter_segments(text: str, start: int = 0, end: int | None = None, limit: int = MAX_SPEAK_CHARS,
                  block: int = BLOCK_CHARS) -> Iterator[Segment]:
    """The segments of text[start:end] with offsets into `text`, made as they are asked for: the first costs
    a block's work whatever the length. They are those of split_text(text[start:end]), shifted by `start`."""
    if limit < 1:
        raise ValueError("limit must be positive")
    for span_start, span_end, boundary in _sentence_spans(text, start, end, block):
        for piece_start, piece_end, kind in split_span(text, span_start, span_end, limit, boundary):
            # Whitespace past the limit at the end of a sentence is dropped, not sent on its own.
            piece_end = min(piece_end, piece_start + limit)
            chunk = text[piece_start:piece_end]
            if chunk.strip():
                yield Segment(piece_start, piece_end, chunk, kind)


def split_text(text: str, limit: int = MAX_SPEAK_CHARS) -> list[Segment]:
    """Split `text` into segments of at most `limit` characters, with exact offsets."""
    return list(iter_segments(text, 0, len(text), limit))


_KEEP_CONTROLS = "\t\n\r"


def speakable(text: str) -> str:
    """The text to send: same length, with control characters and lone surrogates made spaces.

    Keeping the length means offsets into the document stay valid for what was sent.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in _KEEP_CONTROLS) or category == "Cs":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
