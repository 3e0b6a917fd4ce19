"""How far through a document a listener is, and how long the rest will take at the pace heard so far: for the
status bar's "Chapter 3 · 14% · about 52 min left"."""

from __future__ import annotations

from core.documents import Document

DEFAULT_CHARS_PER_SECOND = 14.0  # speech at about 150 words a minute, until a reading has shown its own pace
_MEASURED_AFTER = 5.0  # seconds heard before the pace heard replaces the default
_GAP = 1.5  # a longer wait between two positions is a pause, not listening


class ListeningPace:
    """Characters heard per second of listening, from the positions heard over time (pauses left out)."""

    def __init__(self) -> None:
        self._last: tuple[int, float] | None = None
        self._chars = 0
        self._seconds = 0.0

    def heard(self, offset: int, now: float) -> None:
        if self._last is not None:
            last_offset, last_time = self._last
            if 0 <= now - last_time <= _GAP and offset >= last_offset:
                self._chars += offset - last_offset
                self._seconds += now - last_time
        self._last = (offset, now)

    def restart(self) -> None:
        """A jump (a new reading elsewhere): the next position does not follow the last."""
        self._last = None

    @property
    def chars_per_second(self) -> float:
        if self._seconds < _MEASURED_AFTER or self._chars <= 0:
            return DEFAULT_CHARS_PER_SECOND
        return self._chars / self._seconds


def describe_position(document: Document | None, text_length: int, offset: int, pace: float,
                      end: int | None = None) -> str:
    """"Chapter: Down The Rabbit-Hole · page 3 · 14% · about 52 min left", for what is heard at `offset`."""
    parts = []
    if document is not None:
        index = document.heading_at(offset)
        if index is not None:
            parts.append(document.headings[index].title)
        page = document.page_at(offset)
        if page is not None:
            parts.append(f"page {page}")
    parts.append(f"{offset * 100 // max(1, text_length)}%")
    left = max(0, (text_length if end is None else end) - offset) / max(pace, 0.1)
    parts.append(_duration(left))
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute left"
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"
