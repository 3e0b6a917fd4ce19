"""A document being read: sends it through a connection (the Sender decides what goes and when), maps the
audio back to the characters it speaks, reconnects after a failure and goes on where the audio stopped, moves
to a fresh connection before the server's age limit, and ends the session cleanly (graceful Close, or Close at
once on stop).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from core import protocol
from core.chunking import Segment
from core.handover import Handover, Route, RouteState, rollover_age
from core.handshake import NO_CONNECTION, ConnectError
from core.reader_types import ReaderConfig, ReaderListener, ReadResult, SessionEvents, Where
from core.retry import GaveUp, Reconnector, closure_is_retryable, error_is_retryable
from core.sending import POLL_SECONDS, Sender, Step, soonest
from core.session import Closure, Session
from core.tracking import Span

__all__ = ["Reader", "ReaderConfig", "ReaderListener", "ReadResult", "Span"]

log = logging.getLogger(__name__)


class Reader:
    """Reads text[start:end] aloud through one session. `start()` returns at once; `stop()` is instant."""

    def __init__(self, text: str, config: ReaderConfig, listener: ReaderListener, *, start: int = 0,
                 end: int | None = None, played_bytes: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """played_bytes: how much of the received audio has been heard (from the player); None sends freely."""
        self.text = text
        self.start_offset = start
        self.config = config
        self.listener = listener
        self._clock = clock
        self._sender = Sender(text, start, len(text) if end is None else end, config.limits,
                              lookahead_chars=config.lookahead_chars, send_ahead_chars=config.send_ahead_chars,
                              played_bytes=played_bytes, clock=clock)
        self._map = self._sender.map
        self._cond = threading.Condition()
        self._audio_lock = threading.RLock()
        self._stopping = False
        self._audio_bytes = 0
        self._t_start = 0.0
        self._first_audio: float | None = None
        self._closed_at: float | None = None
        self._session: Session | None = None
        self._route: Route | None = None  # where the current session's messages go
        self._opened_at = 0.0  # when the current session's handshake completed
        self._connected = False  # the handshake completed
        self._ever_connected = False  # some connection of this reading did
        self._handover: Handover | None = None
        self._stay_on: Session | None = None  # a session that could not be rolled over: it stays until it ends
        self._rollovers = 0
        self._thread: threading.Thread | None = None
        self._result: ReadResult | None = None
        self._done = threading.Event()
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
            handover = self._handover
            self._cond.notify_all()
        if handover is not None:
            handover.old.close()
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

    @property
    def chars_sent(self) -> int:
        return self._sender.chars_sent

    # --- the sending thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._read()
        except Exception as exc:  # a bug must end the reading, said, not leave it connecting for ever
            log.exception("the reading failed")
            self._finish(self._result_now(error=ConnectError("internal", f"Aloud failed: {exc}")))

    def _read(self) -> None:
        opened = self._first_connection()
        if opened is None:
            return
        session, where = opened
        if session.key_withheld:
            self.listener.on_warning("The API key was not sent: the endpoint uses plain ws:// to another machine.")
        self.listener.on_connected()
        while True:
            closure = self._read_through(session, where)
            if self._stopping or self._closed_at is not None or closure is None or not closure_is_retryable(closure):
                break
            try:
                session = self._reconnect(closure, where) if self._wait_until_needed() else None
            except GaveUp as gave_up:
                self._finish(self._result_now(closure=gave_up.closure, error=gave_up.error))
                return
            if session is None:  # stopped
                self._finish(self._result_now())
                return
        with self._cond:
            complete = not self._stopping and self._sender.finished
        self._finish(self._result_now(
            closure=closure,
            complete=complete and closure is not None,
            close_seconds=None if self._closed_at is None else self._clock() - self._closed_at,
        ))

    def _first_connection(self) -> tuple[Session, Where] | None:
        """The reading's first connection, and where it went (the offline voice when Deepgram cannot be reached
        at all); None when the reading ended instead (it is reported)."""
        config = self.config
        where: Where = (config.url, config.api_key)
        try:
            session = self._open(where)
        except ConnectError as exc:
            try:
                if self._stopping:
                    raise
                if exc.kind in NO_CONNECTION and config.fallback_url is not None:
                    # No network at all: the offline voice at once, rather than a wait for the network.
                    self.listener.on_warning(f"{exc} Reading with the offline voice instead.")
                    where = (config.fallback_url, None)
                    session = self._open(where)
                elif error_is_retryable(exc, started=False):  # busy (429) or failing (5xx): wait, try again
                    session = self._reconnect(exc, where)
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
        return session, where

    def _result_now(self, **fields: object) -> ReadResult:
        """The reading's result as it stands, with `fields` (its closure or error, completeness...)."""
        return ReadResult(**{"stopped": self._stopping, "first_audio_seconds": self._first_audio,  # type: ignore[arg-type]
                             "audio_bytes": self._audio_bytes, "chars_sent": self._sender.chars_sent,
                             "reconnects": self._reconnector.reconnects, "rollovers": self._rollovers, **fields})

    def _read_through(self, session: Session, where: Where) -> Closure | None:
        """Send the reading on this connection, and on those it rolls over to, until it ends (done, stopped, or
        failed): the closure that ended it."""
        while True:
            if self._stopping:  # stop() came during the handshake, before the session could send Close
                session.close()
            elif self._send_all(session):
                session = self._roll_over(session, where) or session
                continue
            closure = session.wait(self.config.close_timeout + self.config.reply_timeout + 1)
            if closure is None:
                session.abort()
                closure = session.wait(2)
            return self._end_handover() or closure  # a failed handover is why the connection ended

    def _reconnect(self, failure: Closure | ConnectError, where: Where) -> Session | None:
        """A new connection after `failure`; the reading goes on from the first segment whose audio did not all
        arrive. None when stopped meanwhile; raises GaveUp when the failure is final or the budget is spent."""
        with self._cond:
            progress = self._map.spans_done
            self._sender.rewind(self._audio_bytes)

        def wait(seconds: float) -> bool:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, timeout=seconds)  # stop() wakes it at once
                self._connected = False
                return not self._stopping

        return self._reconnector.reconnect(failure, lambda: self._open(where), wait, progress, self._ever_connected)

    def _wait_until_needed(self) -> bool:
        """After a connection ended with nothing outstanding (all audio in, as when a server's idle timeout ends
        a paused reading), wait to reconnect until there is text to send: a pause of any length costs one new
        connection when it ends, not one per idle timeout. The audio received plays on meanwhile. False when
        stopped while waiting."""
        with self._cond:
            while not self._stopping:
                if self._sender.needed_now(self._audio_bytes):
                    return True
                self._cond.wait(POLL_SECONDS)
            return False

    def _open(self, where: Where, route: Route | None = None) -> Session | None:
        """A connected session, or None when the reading was stopped meanwhile. Raises ConnectError.
        route: where its messages go (straight to this reader when None)."""
        config = self.config
        url, api_key = where
        try:
            url = url() if callable(url) else url
        except OSError as exc:
            raise ConnectError("unavailable", f"Cannot start the offline voice: {exc}.") from None
        route = route or Route(self._on_audio, self._on_event, sample_bytes=config.sample_bytes)
        session = Session(
            url,
            SessionEvents(route.audio, route.event, self._on_closed),
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
            self._session, self._route = session, route
        session.connect()
        with self._cond:
            self._connected = self._ever_connected = True
            self._opened_at = self._clock()
            abandoned = self._result is not None
        if abandoned:
            session.abort()
            return None
        return session

    def _send_all(self, session: Session) -> bool:
        """Send on `session` until it ends or the reading does; True when it is time to roll over instead."""
        with self._cond:
            while not self._stopping and session.closure is None:
                handover = self._handover
                if handover is not None and handover.failure() is not None:
                    session.abort()  # the reading goes on from what was heard, on yet another connection
                    return False
                roll_in = self._rollover_in(session) if handover is None and self._sender.has_more else None
                if roll_in is not None and roll_in <= 0:
                    return True
                # A new connection is sent the next sentence at once (to answer before the old one's age is up),
                # and no more until the old one has all its audio.
                fresh = handover is not None and self._map.spans_flushed == handover.owed_spans
                hold = handover is not None and not handover.released and not fresh
                step, wait = self._sender.step(session, self._audio_bytes, hold, eager=fresh)
                if step is Step.SENT:
                    continue
                if step in (Step.FAILED, Step.DONE):
                    if step is Step.DONE:
                        self._closed_at = self._clock()
                        session.close()
                    return False
                self._cond.wait(soonest(POLL_SECONDS if step is Step.BLOCKED else wait, roll_in))
            return False

    # --- rolling over before the age limit -------------------------------------------------------

    def _rollover_in(self, session: Session) -> float | None:
        """Seconds until the reading is to move to a new connection (none: never)."""
        max_age = self.config.limits.max_connection_age
        if max_age is None or session is self._stay_on:
            return None
        return self._opened_at + rollover_age(max_age) - self._clock()

    def _roll_over(self, old: Session, where: Where) -> Session | None:
        """Open the next connection while `old` finishes its audio; the new one is the reading's from now on.
        None when it could not be opened: the reading stays on `old` (and reconnects when that one ends)."""
        old_route = self._route
        assert old_route is not None
        route = Route(self._on_audio, self._on_event, RouteState.HOLD, on_answer=self._advance_handover,
                      sample_bytes=self.config.sample_bytes)
        with self._cond:
            self._handover = handover = Handover(old, old_route, route, self._map.spans_flushed)
        try:
            new = self._open(where, route)
        except ConnectError as exc:
            log.info("could not roll over to a new connection: %s", exc)
            new = None
        with self._cond:
            if new is None:
                self._handover, self._session, self._route, self._stay_on = None, old, old_route, old
                return None
            self._sender.leave_connection()
            handover.owed_spans, handover.connected = self._map.spans_flushed, True
            self._rollovers += 1
        log.info("rolled over to a new connection (%d so far)", self._rollovers)
        self._advance_handover()  # the old connection may owe nothing
        return new

    def _advance_handover(self) -> None:
        with self._cond:
            handover = self._handover
            if handover is None:
                return
            release, over = handover.advance(self._map.spans_done)
            self._handover = None if over else handover
            self._cond.notify_all()
        handover.carry_out(release, over)

    def _end_handover(self) -> Closure | None:
        with self._cond:
            handover, self._handover = self._handover, None
        return None if handover is None else handover.end()

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

    def _finish(self, result: ReadResult) -> None:
        with self._cond:
            if self._result is not None:
                return  # a stop during the handshake finished the reading already
            self._result = result
        self._done.set()
        self.listener.on_finished(result)

    # --- from the sessions' receive threads -------------------------------------------------------

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
                handing_over = self._handover is not None
                self._cond.notify_all()
            if handing_over:
                self._advance_handover()
            if span is not None and not self._stopping:
                self.listener.on_span_done(span)
        elif isinstance(event, protocol.Warning):
            if event.code == protocol.EXCESSIVE_FLUSH:
                with self._cond:
                    self._sender.retry_last_flush()
                    self._cond.notify_all()
            self.listener.on_warning(f"Server warning: {event.description}" + (f" ({event.code})" if event.code else ""))
        elif isinstance(event, protocol.Error):
            self.listener.on_warning(f"Ignored a malformed server message: {event.description}")
        elif isinstance(event, protocol.Unknown):
            log.info("unknown server message type %r", event.type)

    def _on_closed(self, closure: Closure) -> None:
        with self._cond:
            self._cond.notify_all()
