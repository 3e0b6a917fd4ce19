"""A document being read: splits it into segments, paces Speak and Flush within the limits, tracks which
characters each span of audio speaks, reconnects after a failure and goes on where the audio stopped, and ends
the session cleanly (graceful Close, or Close at once on stop).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from core import protocol
from core.chunking import Segment, speakable
from core.handshake import NO_CONNECTION, ConnectError
from core.pacing import Pacer
from core.reader_types import ReaderConfig, ReaderListener, ReadResult, SessionEvents
from core.retry import GaveUp, Reconnector, closure_is_retryable, error_is_retryable
from core.session import Closure, Session
from core.tracking import Span, TextAudioMap, plan_segments

__all__ = ["Reader", "ReaderConfig", "ReaderListener", "ReadResult", "Span"]

log = logging.getLogger(__name__)

_LOOKAHEAD_POLL = 0.1  # how often a reader held back by the lookahead looks at the player's position


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
        self._ever_connected = False  # some connection of this reading did
        self._thread: threading.Thread | None = None
        self._result: ReadResult | None = None
        self._done = threading.Event()
        self._chars_sent = 0
        self._next = 0  # the next segment to send
        self._unflushed_from: int | None = None  # the first segment sent but not yet flushed
        self._flush_wanted = False
        self._flush_retry_at = 0.0
        self._reconnector = Reconnector(config.retry, listener.on_connection, clock)

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
        opened = self._first_connection()
        if opened is None:
            return
        session, url, api_key = opened
        if session.key_withheld:
            self.listener.on_warning("The API key was not sent: the endpoint uses plain ws:// to another machine.")
        self.listener.on_connected()
        while True:
            closure = self._read_through(session)
            if self._stopping or self._closed_at is not None or closure is None or not closure_is_retryable(closure):
                break
            try:
                session = self._reconnect(closure, url, api_key) if self._wait_until_needed() else None
            except GaveUp as gave_up:
                self._finish(self._result_now(closure=gave_up.closure, error=gave_up.error))
                return
            if session is None:  # stopped
                self._finish(self._result_now())
                return
        with self._cond:
            complete = (not self._stopping and self._map.spans_done == self._map.spans_flushed
                        and self._map.segment(self._next) is None)
        self._finish(self._result_now(
            closure=closure,
            complete=complete and closure is not None and closure.ok,
            close_seconds=None if self._closed_at is None else self._clock() - self._closed_at,
        ))

    def _first_connection(self) -> tuple[Session, str | Callable[[], str], str | None] | None:
        """The reading's first connection, and where it went (the offline voice when Deepgram cannot be reached
        at all); None when the reading ended instead (it is reported)."""
        config = self.config
        url, api_key = config.url, config.api_key
        try:
            session = self._open(url, api_key)
        except ConnectError as exc:
            try:
                if self._stopping:
                    raise
                if exc.kind in NO_CONNECTION and config.fallback_url is not None:
                    # No network at all: the offline voice at once, rather than a wait for the network.
                    self.listener.on_warning(f"{exc} Reading with the offline voice instead.")
                    url, api_key = config.fallback_url, None
                    session = self._open(url, api_key)
                elif error_is_retryable(exc, started=False):  # busy (429) or failing (5xx): wait, try again
                    session = self._reconnect(exc, url, api_key)
                else:
                    raise
            except ConnectError as final:
                self._finish(self._result_now(error=final))
                return None
            except GaveUp as gave_up:
                self._finish(self._result_now(closure=gave_up.closure, error=gave_up.error))
                return None
        if session is None:  # stopped during the handshake, and reported as such
            self._finish(self._result_now())
            return None
        return session, url, api_key

    def _result_now(self, **fields: object) -> ReadResult:
        """The reading's result as it stands, with `fields` (its closure or error, completeness...)."""
        return ReadResult(**{"stopped": self._stopping, "first_audio_seconds": self._first_audio,  # type: ignore[arg-type]
                             "audio_bytes": self._audio_bytes, "chars_sent": self._chars_sent,
                             "reconnects": self._reconnector.reconnects, **fields})

    def _read_through(self, session: Session) -> Closure | None:
        """Send the reading on this connection until it ends (done, stopped, or failed): its closure."""
        config = self.config
        if self._stopping:  # stop() came during the handshake, before the session could send Close
            session.close()
        else:
            self._send_all(session)
        closure = session.wait(config.close_timeout + config.reply_timeout + 1)
        if closure is None:
            session.abort()
            closure = session.wait(2)
        return closure

    def _reconnect(self, failure: Closure | ConnectError, url: str | Callable[[], str],
                   api_key: str | None) -> Session | None:
        """A new connection after `failure`; the reading goes on from the first segment whose audio did not all
        arrive. None when stopped meanwhile; raises GaveUp when the failure is final or the budget is spent."""
        with self._cond:
            progress = self._map.spans_done
            self._rewind()

        def wait(seconds: float) -> bool:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, timeout=seconds)  # stop() wakes it at once
                self._connected = False
                return not self._stopping

        return self._reconnector.reconnect(failure, lambda: self._open(url, api_key), wait, progress,
                                           self._ever_connected)

    def _wait_until_needed(self) -> bool:
        """After a connection ended with nothing outstanding (all audio in, as when a server's idle timeout ends
        a paused reading), wait to reconnect until there is text to send: a pause of any length costs one new
        connection when it ends, not one per idle timeout. The audio received plays on meanwhile. False when
        stopped while waiting."""
        with self._cond:
            if self._map.spans_done != self._map.spans_flushed or self._unflushed_from is not None:
                return not self._stopping  # audio was owed: reconnect now
            while not self._stopping:
                segment = self._map.segment(self._next)
                if segment is None or not self._ahead_enough(segment):
                    return True
                self._cond.wait(_LOOKAHEAD_POLL)
            return False

    def _rewind(self) -> None:
        """Send again from the first segment whose audio did not all arrive (the interrupted sentence is heard
        again from its start; nothing is skipped)."""
        first = self._map.rewind(self._audio_bytes)
        if first is None:
            first = self._unflushed_from if self._unflushed_from is not None else self._next
        self._next = first
        self._unflushed_from = None
        self._flush_wanted = False
        self._pacer = Pacer(self.config.limits, self._clock)  # the limits count per connection

    def _open(self, url: str | Callable[[], str], api_key: str | None) -> Session | None:
        """A connected session, or None when the reading was stopped meanwhile. Raises ConnectError."""
        config = self.config
        try:
            url = url() if callable(url) else url
        except OSError as exc:
            raise ConnectError("unavailable", f"Cannot start the offline voice: {exc}.") from None
        session = Session(
            url,
            SessionEvents(self._on_audio, self._on_event, self._on_closed),
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
            self._connected = self._ever_connected = True
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
        """The server ignored a Flush: take the newest span back as unflushed and flush it again (no text is sent
        again: the server keeps it) after a quarter of the window, when the server's count has had time to fall."""
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
