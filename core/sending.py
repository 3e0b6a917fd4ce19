"""What of a document goes out on a connection, and when: segments as Speak within the rate limits and ahead of
the listener by no more than the lookahead, a Flush at each sentence's end, and where to go on after a failure.
"""

from __future__ import annotations

import enum
from typing import Callable

from core.chunking import Segment, speakable
from core.pacing import Limits, Pacer
from core.session import Session
from core.tracking import TextAudioMap, plan_segments

POLL_SECONDS = 0.1  # how often a sender held back by the lookahead looks at the player's position again
# Flushes the server may ignore in a row, each tried again a quarter of its window later: after a whole window
# its count has fallen, and a server still ignoring them is left for a fresh connection.
MAX_IGNORED_FLUSHES = 4


def soonest(*waits: float | None) -> float | None:
    """The shortest of some waits (None: no limit)."""
    return min((wait for wait in waits if wait is not None), default=None)


class Step(enum.Enum):
    SENT = "sent"  # a message went (or a Flush became due): look again at once
    WAIT = "wait"  # nothing is due yet: wait the seconds given (None: until woken)
    BLOCKED = "blocked"  # a new span would start now, and the caller did not allow one
    DONE = "done"  # all was sent and all its audio arrived
    FAILED = "failed"  # the connection refused a message: it is closing


class Sender:
    """The sending side of one reading, over all its connections. Not thread-safe: the reader calls it under its
    lock. `map` is the shared record of segments and spans, from which audio positions map back to text."""

    def __init__(self, text: str, start: int, end: int, limits: Limits, *, lookahead_chars: int,
                 send_ahead_chars: int, played_bytes: Callable[[], int] | None, clock: Callable[[], float]) -> None:
        self._limits = limits
        self._clock = clock
        self._pacer = Pacer(limits, clock)
        self._played_bytes = played_bytes
        self._lookahead_chars = lookahead_chars
        self._send_ahead_chars = send_ahead_chars
        self.map = TextAudioMap(plan_segments(text, start, end, self._pacer.max_speak_chars), start)
        self.chars_sent = 0
        self._next = 0  # the next segment to send
        self._unflushed_from: int | None = None  # the first segment sent but not yet flushed
        self._flush_wanted = False
        self._flush_retry_at = 0.0
        self._ignored_flushes = 0  # in a row, on this connection
        self._done_at_last_ignored = 0  # spans_done when the server last ignored a Flush

    # --- sending --------------------------------------------------------------------------------

    def step(self, session: Session, audio_bytes: int, hold: bool = False,
             eager: bool = False) -> tuple[Step, float | None]:
        """Send what is due now on `session` (one message at most); `audio_bytes` is the audio received so far.
        hold: start no other span (BLOCKED instead, at once). eager: send the next sentence now, however far ahead
        of the listener (a new connection's first)."""
        waits = []
        if self._flush_wanted:
            delay = max(self._pacer.flush_delay(), self._flush_retry_at - self._clock())
            if delay <= 0:
                if self._ignored_flushes >= MAX_IGNORED_FLUSHES:
                    session.abort(f"the server ignored {self._ignored_flushes} Flushes in a row")
                    return Step.FAILED, None
                return (Step.SENT if self._flush(session) else Step.FAILED), None
            waits.append(delay)
        segment = self.map.segment(self._next)
        if segment is not None and hold and self._unflushed_from is None:
            return Step.BLOCKED, None
        if segment is not None:
            delay = self._pacer.speak_delay(len(segment.text))
            if delay <= 0 and (eager or not self._ahead_enough(segment, audio_bytes)):
                if not session.speak(speakable(segment.text)):
                    return Step.FAILED, None
                self._pacer.note_speak(len(segment.text))
                self.chars_sent += len(segment.text)
                if self._unflushed_from is None:
                    self._unflushed_from = self._next
                self._next += 1
                if segment.ends_sentence or self.map.segment(self._next) is None:
                    self._flush_wanted = True
                return Step.SENT, None
            if delay <= 0 and self._unflushed_from is not None and not self._flush_wanted:
                # Held back inside a sentence longer than the lookahead: the server holds its start without a
                # Flush, so no audio would come and the wait would never end. Flush it.
                self._flush_wanted = True
                return Step.SENT, None
            waits.append(max(delay, POLL_SECONDS))
        elif self._unflushed_from is None and not self.owes_audio:
            return Step.DONE, None  # everything was spoken: the graceful end
        return Step.WAIT, (min(waits) if waits else None)

    def _flush(self, session: Session) -> bool:
        first = self._unflushed_from
        self._flush_wanted = False
        if first is None:
            return True
        if not session.flush():
            return False
        self._pacer.note_flush()
        self._unflushed_from = None
        self.map.add_span(first, self._next - 1)
        return True

    def _ahead_enough(self, segment: Segment, audio_bytes: int) -> bool:
        """True when the listener (or, with none, the audio received) is far enough behind that this segment
        should wait. What is behind it is forgotten."""
        if self._played_bytes is None:
            heard, ahead = self.map.char_at_audio(audio_bytes), self._send_ahead_chars
        elif self._next == 0:
            return False
        else:
            heard, ahead = self.map.char_at_audio(self._played_bytes()), self._lookahead_chars
        self.map.forget_before(heard, self._next if self._unflushed_from is None else self._unflushed_from)
        return segment.start - heard > ahead

    # --- state ----------------------------------------------------------------------------------

    @property
    def owes_audio(self) -> bool:
        """Text was sent whose audio has not all arrived (or has not been flushed yet)."""
        return self.map.spans_done != self.map.spans_flushed or self._unflushed_from is not None

    @property
    def finished(self) -> bool:
        """All the text was sent and all its audio arrived."""
        return self.map.spans_done == self.map.spans_flushed and self.map.segment(self._next) is None

    def needed_now(self, audio_bytes: int) -> bool:
        """Whether a connection is needed now: audio is owed, or the next text is due (or there is none)."""
        if self.owes_audio:
            return True
        segment = self.map.segment(self._next)
        return segment is None or not self._ahead_enough(segment, audio_bytes)

    # --- after a failure, on a new connection ---------------------------------------------------

    def new_connection(self) -> None:
        """The next messages go to a new connection: the server counts its limits per connection."""
        self._pacer = Pacer(self._limits, self._clock)
        self._ignored_flushes = 0

    @property
    def has_more(self) -> bool:
        """Text is left that was not sent, or not flushed."""
        return self._unflushed_from is not None or self.map.segment(self._next) is not None

    def leave_connection(self) -> None:
        """A new connection takes over from here (the old one still delivers the spans it owes): what was sent
        and not flushed goes again there, as the old one will not speak it."""
        if self._unflushed_from is not None:
            self._next, self._unflushed_from = self._unflushed_from, None
        self._flush_wanted = False
        self.new_connection()

    def rewind(self, audio_bytes: int) -> None:
        """The connection broke with `audio_bytes` received: send again from the first segment whose audio did
        not all arrive (the interrupted sentence is heard again from its start; nothing is skipped)."""
        first = self.map.rewind(audio_bytes)
        if first is None:
            first = self._unflushed_from if self._unflushed_from is not None else self._next
        self._next = first
        self._unflushed_from = None
        self._flush_wanted = False
        self.new_connection()

    def retry_last_flush(self) -> None:
        """The server ignored a Flush: take the newest span back as unflushed and flush it again (no text is sent
        again: the server keeps it) after a quarter of the window, when the server's count has had time to fall."""
        span = self.map.take_back_last_span()
        if span is not None:
            if self.map.spans_done != self._done_at_last_ignored:
                self._ignored_flushes = 0  # audio came since the last one: they are not in a row
            self._ignored_flushes += 1
            self._done_at_last_ignored = self.map.spans_done
            self._unflushed_from = self.map.number_at(span.start)
            self._flush_wanted = True
            self._flush_retry_at = self._clock() + self._limits.window / 4
