"""A document being read: splits it into segments, paces Speak and Flush within the limits, tracks which
characters each span of audio speaks, and ends the session cleanly (graceful Close, or Close at once on stop).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from core import protocol
from core.chunking import Segment, speakable
from core.pacing import Limits, Pacer
from core.handshake import NO_CONNECTION, ConnectError
from core.session import Closure, Session
from core.tracking import Span, TextAudioMap, plan_segments

log = logging.getLogger(__name__)

_LOOKAHEAD_POLL = 0.1  # how often a reader held back by the lookahead looks at the player's position


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
    # Or how to get it: called on the reading's own thread, as the offline voice may have to start first
    # (raising OSError when it cannot, which ends the reading with that said).
    url: str | Callable[[], str]
    api_key: str | None = None
    allow_insecure_key: bool = False
    limits: Limits = field(default_factory=Limits)
    connect_timeout: float = 10.0
    reply_timeout: float = 20.0
    close_timeout: float = 2.0
    # With a player: send text at most this many characters ahead of what has been heard (about 100 s of
    # speech), so a stop wastes little synthesis and a long document never sits in memory as audio.
    lookahead_chars: int = 1500
    # Without one (saving audio): at most this many characters sent beyond those whose audio has arrived, so
    # that a book is not poured into the server's buffer (and held here as text waiting for its audio).
    send_ahead_chars: int = 6000
    # Where to read instead when `url` cannot be reached at all (no network): the offline voice, never sent
    # the key. None: the failure ends the reading.
    fallback_url: str | Callable[[], str] | None = None


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
        end = len(text) if end is None else end
        self._map = TextAudioMap(plan_segments(text, start, end, self._pacer.max_speak_chars), start)
        self._cond = threading.Condition()
        self._audio_lock = threading.RLock()
        self._stopping = False
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
        try:
            session = self._open(config.url, config.api_key)
        except ConnectError as exc:
            if exc.kind not in NO_CONNECTION or config.fallback_url is None or self._stopping:
                self._finish(ReadResult(error=exc, stopped=self._stopping))
                return
            self.listener.on_warning(f"{exc} Reading with the offline voice instead.")
            try:
                session = self._open(config.fallback_url, None)
            except ConnectError as fallback_failed:
                self._finish(ReadResult(error=fallback_failed, stopped=self._stopping))
                return
        if session is None:  # stopped during the handshake, and already reported as such
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
        with self._cond:
            complete = (not self._stopping and self._map.spans_done == self._map.spans_flushed
                        and self._map.segment(self._next) is None)
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

    def _open(self, url: str | Callable[[], str], api_key: str | None) -> Session | None:
        """A connected session, or None when the reading was stopped meanwhile. Raises ConnectError."""
        config = self.config
        try:
            url = url() if callable(url) else url
        except OSError as exc:
            raise ConnectError("unavailable", f"Cannot start the offline voice: {exc}.") from None
        session = Session(
            url,
            _SessionAdapter(self),
            api_key=api_key,
            allow_insecure_key=config.allow_insecure_key,
            connect_timeout=config.connect_timeout,
            reply_timeout=config.reply_timeout,
            close_timeout=config.close_timeout,
        )
        with self._cond:
            if self._stopping:
                self._finish(ReadResult(stopped=True))
                return None
            self._session = session
        session.connect()
        with self._cond:
            self._connected = True
            abandoned = self._result is not None
        if abandoned:
            session.abort()
            return None
        return session

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
                segment = self._map.segment(self._next)
                if segment is not None:
                    delay = self._pacer.speak_delay(len(segment.text))
                    if delay <= 0 and not self._ahead_enough(segment):
                        if not session.speak(speakable(segment.text)):
                            return
                        self._pacer.note_speak(len(segment.text))
                        self._chars_sent += len(segment.text)
                        if self._unflushed_from is None:
                            self._unflushed_from = self._next
                        self._next += 1
                        if segment.ends_sentence or self._map.segment(self._next) is None:
                            self._flush_wanted = True
                        continue
                    if delay <= 0 and self._unflushed_from is not None and not self._flush_wanted:
                        # Held back inside a sentence longer than the lookahead: the server holds its start
                        # without a Flush, so no audio would come and the wait would never end. Flush it.
                        self._flush_wanted = True
                        continue
                    waits.append(max(delay, _LOOKAHEAD_POLL))
                elif self._unflushed_from is None and self._map.spans_done == self._map.spans_flushed:
                    # Everything was spoken: the graceful end.
                    self._closed_at = self._clock()
                    session.close()
                    return
                self._cond.wait(min(waits) if waits else None)

    def _ahead_enough(self, segment: Segment) -> bool:
        """True when the listener (or, with none, the audio received) is far enough behind that this segment
        should wait. What is behind it is forgotten."""
        if self._played_bytes is None:
            heard, ahead = self._map.char_at_audio(self._audio_bytes), self.config.send_ahead_chars
        elif self._next == 0:
            return False
        else:
            heard, ahead = self._map.char_at_audio(self._played_bytes()), self.config.lookahead_chars
        self._map.forget_before(heard, self._next if self._unflushed_from is None else self._unflushed_from)
        return segment.start - heard > ahead

    # --- mapping audio back to text (any thread) ------------------------------------------------

    @property
    def segments(self) -> list[Segment]:
        """The segments made so far and not yet forgotten (those behind what was heard are)."""
        with self._cond:
            return self._map.segments

    @property
    def spans(self) -> list[Span]:
        """The spans flushed so far and not yet forgotten."""
        with self._cond:
            return self._map.spans

    def char_at_audio(self, audio_byte: int) -> int:
        """The document offset being spoken at `audio_byte` of the received audio (interpolated)."""
        with self._cond:
            return self._map.char_at_audio(audio_byte)

    def segment_at_audio(self, audio_byte: int) -> Segment | None:
        """The segment (sentence) being heard at `audio_byte`, for highlighting."""
        with self._cond:
            return self._map.segment_at(self._map.char_at_audio(audio_byte))

    def _flush(self, session: Session) -> bool:
        first = self._unflushed_from
        self._flush_wanted = False
        if first is None:
            return True
        if not session.flush():
            return False
        self._pacer.note_flush()
        self._unflushed_from = None
        self._map.add_span(first, self._next - 1)
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
                span = self._map.span_done(self._audio_bytes)
                self._cond.notify_all()
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
            span = self._map.take_back_last_span()
            if span is not None:
                self._unflushed_from = self._map.number_at(span.start)
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
