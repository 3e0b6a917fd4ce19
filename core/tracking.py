"""What a reading has sent and received: its segments, made a few at a time as the sender asks for them, and
the spans of audio each flushed stretch of text became, so that a position in the audio maps back to the
characters being spoken. What has been heard is forgotten, so memory stays flat through a book.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterator

from core.chunking import Segment, iter_segments, split_span

# A long first sentence is cut at a clause so that the first audio comes quickly.
FIRST_SEGMENT_CHARS = 200
# Segments and spans are forgotten in batches of this many once they are behind what has been heard.
FORGET_BATCH = 256


@dataclass
class Span:
    """One flushed stretch of the document's text and where its audio lies in the received stream."""

    index: int
    start: int  # character offsets into the document
    end: int
    audio_start: int = 0  # byte offsets into the audio received
    audio_end: int = 0


def plan_segments(text: str, start: int, end: int, max_chars: int) -> Iterator[Segment]:
    """The segments of text[start:end], made as they are asked for, with a short first one."""
    segments = iter_segments(text, start, end, max_chars)
    first = next(segments, None)
    if first is None:
        return
    if len(first.text) <= FIRST_SEGMENT_CHARS:
        yield first
    else:
        head_start, head_end, head_kind = split_span(text, first.start, first.end, FIRST_SEGMENT_CHARS,
                                                     first.boundary)[0]
        for piece_start, piece_end, kind in ((head_start, head_end, head_kind),
                                             (head_end, first.end, first.boundary)):
            if text[piece_start:piece_end].strip():
                yield Segment(piece_start, piece_end, text[piece_start:piece_end], kind)
    yield from segments


class TextAudioMap:
    """Segments by number (0, 1, ... over the whole reading) and spans in the order they were flushed.

    Not thread-safe: the reader calls it under its lock. Numbers stay valid after old entries are forgotten.
    """

    def __init__(self, segments: Iterator[Segment], start_offset: int) -> None:
        self._source: Iterator[Segment] | None = segments
        self._start_offset = start_offset
        self._segments: list[Segment] = []
        self._segment_starts: list[int] = []
        self._segment_base = 0  # the number of self._segments[0]
        self._spans: list[Span] = []
        self._audio_ends: list[int] = []  # audio_end of each kept span whose audio has all arrived
        self._span_base = 0  # the index of self._spans[0]
        self.spans_flushed = 0  # spans made, over the whole reading
        self.spans_done = 0  # spans whose audio has all arrived
        self._resumed_at = 0  # the received audio's length when the reading last moved to a new connection

    # --- segments -----------------------------------------------------------------------------------

    def segment(self, number: int) -> Segment | None:
        """Segment `number`, made now if need be; None past the last one."""
        if number < self._segment_base:
            raise IndexError(f"segment {number} was forgotten")
        while number - self._segment_base >= len(self._segments):
            segment = next(self._source, None) if self._source is not None else None
            if segment is None:
                self._source = None
                return None
            self._segments.append(segment)
            self._segment_starts.append(segment.start)
        return self._segments[number - self._segment_base]

    def number_at(self, offset: int) -> int:
        """The number of the first kept segment that starts at or after `offset`."""
        return self._segment_base + bisect.bisect_left(self._segment_starts, offset)

    @property
    def segments(self) -> list[Segment]:
        """The segments made and not yet forgotten."""
        return list(self._segments)

    # --- spans --------------------------------------------------------------------------------------

    @property
    def spans(self) -> list[Span]:
        """The spans not yet forgotten."""
        return list(self._spans)

    def add_span(self, first: int, last: int) -> Span:
        """A span for segments `first` to `last` (numbers), just flushed."""
        span = Span(self.spans_flushed, self._segments[first - self._segment_base].start,
                    self._segments[last - self._segment_base].end)
        self._spans.append(span)
        self.spans_flushed += 1
        return span

    def span_done(self, audio_bytes: int) -> Span | None:
        """The oldest span waiting for audio has all of it: the received stream is `audio_bytes` long now."""
        if self.spans_done >= self.spans_flushed:
            return None
        span = self._spans[self.spans_done - self._span_base]
        # After a reconnect, the start of the interrupted span (received before the break, and heard) lies
        # between the last span and this one: it maps to this span's first character.
        span.audio_start = max(self._audio_ends[-1] if self._audio_ends else 0, self._resumed_at)
        span.audio_end = audio_bytes
        self._audio_ends.append(audio_bytes)
        self.spans_done += 1
        return span

    def take_back_last_span(self) -> Span | None:
        """The newest span waiting for audio, removed (the server ignored its Flush)."""
        if self.spans_flushed <= self.spans_done:
            return None
        self.spans_flushed -= 1
        return self._spans.pop()

    def rewind(self, audio_bytes: int) -> int | None:
        """The connection broke with `audio_bytes` received. Spans flushed and not all received are taken back,
        to be sent again on the next connection. Returns the number of the first segment to send again, or
        None when no span was waiting for audio."""
        self._resumed_at = audio_bytes
        if self.spans_done >= self.spans_flushed:
            return None
        first = self._spans[self.spans_done - self._span_base]
        del self._spans[self.spans_done - self._span_base:]
        self.spans_flushed = self.spans_done
        return self.number_at(first.start)

    # --- from audio to text -------------------------------------------------------------------------

    def char_at_audio(self, audio_byte: int) -> int:
        """The document offset being spoken at `audio_byte` of the received audio (interpolated)."""
        if not self._audio_ends or audio_byte <= 0:
            first = self.segment(self._segment_base)
            return first.start if first is not None else self._start_offset
        # The first span whose audio ends after audio_byte: a binary search, as this runs several times a
        # second through a reading of any length.
        index = bisect.bisect_right(self._audio_ends, audio_byte)
        if index >= len(self._audio_ends):
            return self._spans[len(self._audio_ends) - 1].end
        span = self._spans[index]
        length = max(1, span.audio_end - span.audio_start)
        share = max(0, audio_byte - span.audio_start) / length
        return span.start + int(share * (span.end - span.start))

    def segment_at(self, offset: int) -> Segment | None:
        """The kept segment holding `offset` (the last one for an offset past the end of what was made)."""
        index = bisect.bisect_right(self._segment_starts, offset) - 1
        if index >= 0 and offset < self._segments[index].end:
            return self._segments[index]
        if self._segments and offset >= self._segments[-1].end:
            return self._segments[-1]
        return None

    # --- forgetting ---------------------------------------------------------------------------------

    def forget_before(self, offset: int, keep_from: int) -> None:
        """Forget spans and segments that end before `offset` (what has been heard), keeping segment
        `keep_from` (a number) and those after it, which the sender still needs."""
        # The newest span with all its audio stays, for an audio position past the end of what arrived.
        spans = bisect.bisect_right(self._spans, offset, hi=max(0, len(self._audio_ends) - 1), key=_span_end)
        if spans >= FORGET_BATCH:
            del self._spans[:spans]
            del self._audio_ends[:spans]
            self._span_base += spans
        segments = min(bisect.bisect_right(self._segment_starts, offset) - 1, keep_from - self._segment_base)
        if segments >= FORGET_BATCH:
            del self._segments[:segments]
            del self._segment_starts[:segments]
            self._segment_base += segments


def _span_end(span: Span) -> int:
    return span.end
