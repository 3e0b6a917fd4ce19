"""A document being read: splits it into segments, paces Speak and Flush within the limits, tracks which
characters each span of audio speaks, and ends the session cleanly (graceful Close, or Close at once on stop).
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from core import protocol
from core.chunking import Segment, split_span, split_text, speakable
from core.pacing import Limits, Pacer
from core.session import Closure, ConnectError, Session

log = logging.getLogger(__name__)

# A long first sentence is cut at a clause so that the first audio comes quickly.
FIRST_SEGMENT_CHARS = 200
_LOOKAHEAD_POLL = 0.1  # how often a reader held back by the lookahead looks at the player's position


@dataclass
class Span:
    """One flushed stretch of the document's text and where its audio lies in the received stream."""

    index: int
    start: int  # character offsets into the document
    end: int
    audio_start: int = 0  # byte offsets into the audio received
    audio_end: int = 0


@dataclass(frozen=True)
class ReadResult:
    closure: Closure | None = None
    error: ConnectError | None = None
    stopped: bool = False  # the user asked to stop
    complete: bool = False  # every character's audio arrived
    first_audio_seconds: float | None = None  # from starting to connect to the first audio byte
    close_seconds: float | None = None  # from sending Close to the end of the connection
    audio_bytes: int = 0
    chars_sent: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.closure is not None and self.closure.ok

    def __str__(self) -> str:
        if self.error is not None:
            return str(self.error)
        return str(self.closure) if self.closure is not None else "Stopped before the connection was open."


class ReaderListener:
    """Override what you need. Calls come from the reader's threads, never the caller's."""

    def on_connected(self) -> None: ...

    def on_metadata(self, metadata: protocol.Metadata) -> None: ...

    def on_audio(self, data: bytes) -> None: ...

    def on_span_done(self, span: Span) -> None:
        """All the audio of text[span.start:span.end] has arrived."""

    def on_warning(self, message: str) -> None: ...

    def on_finished(self, result: ReadResult) -> None: ...


@dataclass
class ReaderConfig:
    url: str
    api_key: str | None = None
    allow_insecure_key: bool = False
    limits: Limits = field(default_factory=Limits)
    connect_timeout: float = 10.0
    reply_timeout: float = 20.0
    close_timeout: float = 2.0
    # With a player: send text at most this many characters ahead of what has been heard (about 100 s of
    # speech), so a stop wastes little synthesis and a long document never sits in memory as audio.
    lookahead_chars: int = 1500


def plan_segments(text: str, start: int, end: int, max_chars: int) -> list[Segment]:
    """The segments of text[start:end], with offsets into the whole text and a short first one."""
    segments = [
        Segment(s.start + start, s.end + start, s.text, s.boundary)
        for s in split_text(text[start:end], limit=max_chars)
    ]
    if segments and len(segments[0].text) > FIRST_SEGMENT_CHARS:
        first = segments.pop(0)
        pieces = split_span(text, first.start, first.end, FIRST_SEGMENT_CHARS, first.boundary)
        head_start, head_end, head_kind = pieces[0]
        segments[:0] = [
            Segment(head_start, head_end, text[head_start:head_end], head_kind),
            Segment(head_end, first.end, text[head_end : first.end], first.boundary),
        ]
    return [s for s in segments if s.text.strip()]


class Reader:
    """Reads text[start:end] aloud through one session. `start()` returns at once; `stop()` is instant."""

    def __init__(
        self,
        text: str,
        config: ReaderConfig,
        listener: ReaderListener,
        *,
        start: int = 0,
        end: int | None = None,
        played_bytes: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """played_bytes: how much of the received audio has been heard (from the player); None sends freely."""
        self.text = text
        self.start_offset = start
        self._played_bytes = played_bytes
        self.config = config
        self.listener = listener
        self._clock = clock
        self._pacer = Pacer(config.limits, clock)
        self.segments = plan_segments(text, start, len(text) if end is None else end, self._pacer.max_speak_chars)
        self._segment_starts = [segment.start for segment in self.segments]
        self._audio_ends: list[int] = []  # audio_end of each span whose audio has all arrived, in order
        self.spans: list[Span] = []
        self._cond = threading.Condition()
        self._audio_lock = threading.RLock()
        self._stopping = False
        self._flushed = 0  # spans whose audio has all arrived
        self._audio_bytes = 0
        self._t_start = 0.0
        self._first_audio: float | None = None
        self._closed_at: float | None = None
        self._session: Session | None = None
        self._connected = False  # the handshake completed
        self._thread: threading.Thread | None = None
        self._result: ReadResult | None = None
        self._done = threading.Event()
        self._chars_sent = 0
        self._next = 0  # the next segment to send
        self._unflushed_from: int | None = None  # the first segment sent but not yet flushed
        self._flush_wanted = False
        self._flush_retry_at = 0.0

    # --- control (any thread) -------------------------------------------------------------------

    def start(self) -> None:
        self._t_start = self._clock()
        self._thread = threading.Thread(target=self._run, name="aloud-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop now: Close is sent before this returns, and no further audio is passed on."""
        with self._audio_lock, self._cond:
            # Under the audio lock: once this returns, no on_audio call is running or will start.
            self._stopping = True
            session = self._session
            connecting = session is not None and not self._connected
            self._cond.notify_all()
        if session is not None:
            session.close()
            if self._closed_at is None:
                self._closed_at = self._clock()
        if connecting:
            # The handshake may not notice at once (a TCP connect in progress cannot be interrupted); the
            # reading is over now, and the connecting thread drops the connection when it gets one.
            self._finish(ReadResult(error=ConnectError("cancelled", "Stopped before the connection was open."),
                                    stopped=True))

    def wait(self, timeout: float | None = None) -> ReadResult | None:
        self._done.wait(timeout)
        return self._result

    @property
    def result(self) -> ReadResult | None:
        return self._result

    # --- the sending thread ---------------------------------------------------------------------

    def _run(self) -> None:
        config = self.config
        session = Session(
            config.url,
            _SessionAdapter(self),
            api_key=config.api_key,
            allow_insecure_key=config.allow_insecure_key,
            connect_timeout=config.connect_timeout,
            reply_timeout=config.reply_timeout,
            close_timeout=config.close_timeout,
        )
        with self._cond:
            if self._stopping:
                self._finish(ReadResult(stopped=True))
                return
            self._session = session
        try:
            session.connect()
        except ConnectError as exc:
            self._finish(ReadResult(error=exc, stopped=self._stopping))
            return
        with self._cond:
            self._connected = True
            abandoned = self._result is not None
        if abandoned:  # stopped during the handshake, and already reported as such
            session.abort()
            return
        if session.key_withheld:
            self.listener.on_warning(
                "The API key was not sent: the endpoint uses plain ws:// to another machine."
            )
        self.listener.on_connected()
        if self._stopping:  # stop() came during the handshake, before the session could send Close
            session.close()
        else:
            self._send_all(session)
        closure = session.wait(config.close_timeout + config.reply_timeout + 1)
        if closure is None:
            session.abort()
            closure = session.wait(2)
        complete = not self._stopping and self._flushed == len(self.spans) and self._next == len(self.segments)
        close_seconds = None
        if self._closed_at is not None:
            close_seconds = self._clock() - self._closed_at
        self._finish(ReadResult(
            closure=closure,
            stopped=self._stopping,
            complete=complete and closure is not None and closure.ok,
            first_audio_seconds=self._first_audio,
            close_seconds=close_seconds,
            audio_bytes=self._audio_bytes,
            chars_sent=self._chars_sent,
        ))

    def _send_all(self, session: Session) -> None:
        with self._cond:
            while not self._stopping and session.closure is None:
                now = self._clock()
                waits = []
                if self._flush_wanted:
                    delay = max(self._pacer.flush_delay(), self._flush_retry_at - now)
                    if delay <= 0:
                        if not self._flush(session):
                            return
                        continue
                    waits.append(delay)
                if self._next < len(self.segments):
                    segment = self.segments[self._next]
                    delay = self._pacer.speak_delay(len(segment.text))
                    if delay <= 0 and not self._ahead_enough(segment):
                        if not session.speak(speakable(segment.text)):
                            return
                        self._pacer.note_speak(len(segment.text))
                        self._chars_sent += len(segment.text)
                        if self._unflushed_from is None:
                            self._unflushed_from = self._next
                        self._next += 1
                        if segment.ends_sentence or self._next == len(self.segments):
                            self._flush_wanted = True
                        continue
                    waits.append(max(delay, _LOOKAHEAD_POLL))
                elif self._unflushed_from is None and self._flushed == len(self.spans):
                    # Everything was spoken: the graceful end.
                    self._closed_at = self._clock()
                    session.close()
                    return
                self._cond.wait(min(waits) if waits else None)

    def _ahead_enough(self, segment: Segment) -> bool:
        """True when the listener is far enough behind that this segment should wait."""
        if self._played_bytes is None or self._next == 0:
            return False
        heard = self.char_at_audio(self._played_bytes())
        return segment.start - heard > self.config.lookahead_chars

    # --- mapping audio back to text (any thread) ------------------------------------------------

    def char_at_audio(self, audio_byte: int) -> int:
        """The document offset being spoken at `audio_byte` of the received audio (interpolated)."""
        with self._cond:
            count = self._flushed
            if count == 0 or audio_byte <= 0:
                return self.segments[0].start if self.segments else self.start_offset
            # The first span whose audio ends after audio_byte: a binary search, as this runs several times a
            # second through a reading of any length.
            index = bisect.bisect_right(self._audio_ends, audio_byte)
            if index >= count:
                return self.spans[count - 1].end
            span = self.spans[index]
            length = max(1, span.audio_end - span.audio_start)
            share = max(0, audio_byte - span.audio_start) / length
            return span.start + int(share * (span.end - span.start))

    def segment_at_audio(self, audio_byte: int) -> Segment | None:
        """The segment (sentence) being heard at `audio_byte`, for highlighting."""
        offset = self.char_at_audio(audio_byte)
        index = bisect.bisect_right(self._segment_starts, offset) - 1
        if index >= 0 and offset < self.segments[index].end:
            return self.segments[index]
        return self.segments[-1] if self.segments and offset >= self.segments[-1].end else None

    def _flush(self, session: Session) -> bool:
        first = self._unflushed_from
        self._flush_wanted = False
        if first is None:
            return True
        if not session.flush():
            return False
        self._pacer.note_flush()
        self._unflushed_from = None
        self.spans.append(Span(len(self.spans), self.segments[first].start, self.segments[self._next - 1].end))
        return True

    def _finish(self, result: ReadResult) -> None:
        with self._cond:
            if self._result is not None:
                return  # a stop during the handshake finished the reading already
            self._result = result
        self._done.set()
        self.listener.on_finished(result)

    # --- from the session's receive thread -------------------------------------------------------

    def _on_audio(self, data: bytes) -> None:
        with self._audio_lock:
            if self._stopping:
                return
            if self._first_audio is None:
                self._first_audio = self._clock() - self._t_start
            self._audio_bytes += len(data)
            self.listener.on_audio(data)

    def _on_event(self, event: protocol.ServerEvent) -> None:
        if isinstance(event, protocol.Metadata):
            self.listener.on_metadata(event)
        elif isinstance(event, protocol.Flushed):
            with self._cond:
                if self._flushed < len(self.spans):
                    span = self.spans[self._flushed]
                    span.audio_start = self.spans[self._flushed - 1].audio_end if self._flushed else 0
                    span.audio_end = self._audio_bytes
                    self._audio_ends.append(span.audio_end)
                    self._flushed += 1
                    self._cond.notify_all()
                else:
                    span = None
            if span is not None and not self._stopping:
                self.listener.on_span_done(span)
        elif isinstance(event, protocol.Warning):
            if event.code == protocol.EXCESSIVE_FLUSH:
                self._retry_last_flush()
            self.listener.on_warning(f"Server warning: {event.description}" + (f" ({event.code})" if event.code else ""))
        elif isinstance(event, protocol.Error):
            self.listener.on_warning(f"Ignored a malformed server message: {event.description}")
        elif isinstance(event, protocol.Unknown):
            log.info("unknown server message type %r", event.type)

    def _retry_last_flush(self) -> None:
        """The server ignored a Flush: take the newest span back as unflushed and flush it again later.

        The server keeps the text buffered, so the retry sends no text again. It comes after a quarter
        of the window, when the server's count has had time to fall.
        """
        with self._cond:
            if len(self.spans) > self._flushed:
                span = self.spans.pop()
                self._unflushed_from = next(
                    i for i, s in enumerate(self.segments) if s.start >= span.start
                )
                self._flush_wanted = True
                self._flush_retry_at = self._clock() + self.config.limits.window / 4
            self._cond.notify_all()

    def _on_closed(self, closure: Closure) -> None:
        with self._cond:
            self._cond.notify_all()


class _SessionAdapter:
    """Routes a session's callbacks into the reader without making them part of its public face."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    def on_audio(self, data: bytes) -> None:
        self._reader._on_audio(data)

    def on_event(self, event: protocol.ServerEvent) -> None:
        self._reader._on_event(event)

    def on_closed(self, closure: Closure) -> None:
        self._reader._on_closed(closure)
