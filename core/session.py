"""One /v1/speak WebSocket connection: a receive thread, thread-safe sends, and a clean close.

A listener gets audio bytes, typed events, and exactly one final `on_closed(Closure)`.
"""

from __future__ import annotations

import enum
import logging
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import websocket

from core import __version__, protocol
from core.frames import BINARY, CLOSE, TEXT, BoundedWebSocket, MessageTooLarge
from core.handshake import ConnectError, open_connection
from core.options import may_send_key

log = logging.getLogger(__name__)

USER_AGENT = f"Aloud/{__version__} (websocket-client)"
_POLL_SECONDS = 0.1  # how often the receive thread looks up from a silent socket


class ClosureKind(enum.Enum):
    NORMAL = "normal"  # a 1000 close frame
    SERVER_ERROR = "server_error"  # a close frame with another code
    DROPPED = "dropped"  # the connection ended without a close frame
    BROKEN = "broken"  # the server broke the protocol or a bound (a huge message); Aloud cut it off
    TIMEOUT = "timeout"  # the server stopped answering
    UNCONFIRMED = "unconfirmed"  # we asked to close; the server never sent its close frame


@dataclass(frozen=True)
class Closure:
    kind: ClosureKind
    code: int | None = None
    reason: str = ""
    deepgram_code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is ClosureKind.NORMAL

    def __str__(self) -> str:
        if self.kind in (ClosureKind.NORMAL, ClosureKind.SERVER_ERROR):
            reason = self.reason or protocol.CLOSE_CODE_NAMES.get(self.code or 0, "")
            head = f"Closed: {self.code} {reason}".rstrip()
            return head if self.ok else f"{head}. {self.message}"
        if self.kind is ClosureKind.TIMEOUT:
            return f"Timed out: {self.message}"
        if self.kind is ClosureKind.UNCONFIRMED:
            return f"Closed: {self.message}"
        return f"Connection lost: {self.message}"


def _closure_from_frame(data: bytes) -> Closure:
    if len(data) >= 2:
        code = struct.unpack("!H", data[:2])[0]
        # Read leniently: a reason that is not UTF-8 or longer than the RFC allows is still what the server said.
        reason = protocol.shown(data[2:].decode("utf-8", "replace"))
    else:
        code, reason = 1005, ""  # RFC 6455: no status code present
    if code == protocol.NORMAL_CLOSURE:
        return Closure(ClosureKind.NORMAL, code, reason or "Normal Closure")
    return Closure(
        ClosureKind.SERVER_ERROR,
        code,
        reason,
        protocol.deepgram_code_in(reason),
        protocol.describe_close(code, reason),
    )


class SessionListener(Protocol):
    def on_audio(self, data: bytes) -> None: ...

    def on_event(self, event: protocol.ServerEvent) -> None: ...

    def on_closed(self, closure: Closure) -> None: ...


class Session:
    """A streaming connection. Call `connect()` (blocking), then send from any thread, then `close()`."""

    def __init__(
        self,
        url: str,
        listener: SessionListener,
        *,
        api_key: str | None = None,
        allow_insecure_key: bool = False,
        connect_timeout: float = 10.0,
        reply_timeout: float = 20.0,
        close_timeout: float = 2.0,
    ) -> None:
        self.url = url
        self._listener = listener
        self._api_key = api_key
        self._allow_insecure_key = allow_insecure_key
        self._connect_timeout = connect_timeout
        self._reply_timeout = reply_timeout
        self._close_timeout = close_timeout
        self._ws: websocket.WebSocket | None = None
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._closure: Closure | None = None
        self._close_sent_at: float | None = None
        self._aborted = False
        self._abort_reason = ""
        self._flushes_pending = 0
        self._flushes_sent = 0
        self._clears_sent = 0
        self._next_ids = {True: 0, False: 0}  # the next Flushed (True) and Cleared id: from 0 per connection
        self._last_reply = 0.0  # when audio, Flushed or Cleared last came (what a pending Flush waits for)
        self.key_withheld = False

    # --- opening ----------------------------------------------------------------------------

    def _headers(self) -> list[str]:
        headers = [f"User-Agent: {USER_AGENT}"]
        if self._api_key:
            if may_send_key(self.url, self._allow_insecure_key):
                scheme = "Bearer" if self._api_key.count(".") == 2 else "Token"  # a JWT is a temporary token
                headers.append(f"Authorization: {scheme} {self._api_key}")
            else:
                self.key_withheld = True
                log.warning("Not sending the API key to %s: plain ws:// to a remote host", urlsplit(self.url).netloc)
        return headers

    def connect(self) -> None:
        """Open the connection and start receiving. Raises ConnectError with a user-facing message."""
        ws = BoundedWebSocket(slice_seconds=_POLL_SECONDS)
        with self._state_lock:
            if self._aborted:
                raise ConnectError("cancelled", "Stopped before the connection was open.")
            self._ws = ws
        open_connection(ws, self.url, self._headers(), self._connect_timeout, lambda: self._aborted)
        if self._aborted:
            ws.shutdown()
            raise ConnectError("cancelled", "Stopped before the connection was open.")
        ws.settimeout(_POLL_SECONDS)
        self._last_reply = time.monotonic()
        self._thread = threading.Thread(target=self._receive_loop, name="aloud-session-rx", daemon=True)
        self._thread.start()

    # --- sending ----------------------------------------------------------------------------

    def send(self, message: protocol.ClientMessage) -> bool:
        """Send one message. Returns False when the connection is closing or gone."""
        ws = self._ws
        if ws is None or self._done.is_set() or self._close_sent_at is not None:
            return False
        payload = message.to_json()
        with self._send_lock:
            if self._close_sent_at is not None:
                return False
            # Counted before it goes: the answer can arrive before the line after send() runs, and an answer
            # to a Flush not yet counted would look like one to a Flush never sent.
            if isinstance(message, protocol.Flush):
                with self._state_lock:
                    if self._flushes_pending == 0:
                        self._last_reply = time.monotonic()
                    self._flushes_pending += 1
                    self._flushes_sent += 1
            elif isinstance(message, protocol.Clear):
                with self._state_lock:
                    self._clears_sent += 1
            elif isinstance(message, protocol.Close):
                self._close_sent_at = time.monotonic()
            try:
                ws.send(payload)
            except (OSError, websocket.WebSocketException) as exc:
                log.info("send failed: %s", exc)  # the connection is gone: its receive thread ends it
                return False
        return True

    def speak(self, text: str) -> bool:
        return self.send(protocol.Speak(text))

    def flush(self) -> bool:
        return self.send(protocol.Flush())

    def close(self) -> None:
        """Send Close; audio that still arrives is dropped; the receive thread ends on the close frame.
        During the handshake there is nothing to close yet: the handshake is cancelled instead."""
        if self._thread is None:
            self.abort()
            return
        self.send(protocol.Close())

    def abort(self, reason: str = "the connection was cut off by Aloud") -> None:
        """Drop the connection at once (also cancels a connect in progress); `reason` is said in its closure."""
        with self._state_lock:
            if not self._aborted:
                self._abort_reason = reason
            self._aborted = True
            ws = self._ws
        if ws is not None:
            sock = ws.sock
            try:
                if sock is not None:
                    # close() alone does not wake a thread blocked reading the socket; shutdown() does.
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                ws.shutdown()
            except OSError:
                pass

    # --- state ------------------------------------------------------------------------------

    @property
    def closure(self) -> Closure | None:
        return self._closure

    def wait(self, timeout: float | None = None) -> Closure | None:
        self._done.wait(timeout)
        return self._closure

    # --- receiving --------------------------------------------------------------------------

    def _overdue(self) -> Closure | None:
        now = time.monotonic()
        if self._close_sent_at is not None and now - self._close_sent_at > self._close_timeout:
            return Closure(
                ClosureKind.UNCONFIRMED,
                message=f"the server did not confirm the close within {self._close_timeout:g} s",
            )
        with self._state_lock:
            waiting = self._flushes_pending > 0
            silent_for = now - self._last_reply
        if waiting and silent_for > self._reply_timeout:
            return Closure(
                ClosureKind.TIMEOUT,
                message=f"no audio came for {silent_for:.0f} s while audio was expected",
            )
        return None

    def _receive_loop(self) -> None:
        ws = self._ws
        assert isinstance(ws, BoundedWebSocket)
        closure: Closure | None = None
        try:
            while closure is None:
                try:
                    message = ws.next_message()
                except websocket.WebSocketTimeoutException:
                    message = None
                if message is None:  # nothing, a ping, or part of a message: none of it is a reply
                    closure = self._overdue()
                    continue
                opcode, data = message
                if opcode == CLOSE:
                    try:
                        ws.send_close()
                    except (OSError, websocket.WebSocketException):
                        pass
                    closure = _closure_from_frame(data)
                    continue
                if opcode == BINARY:
                    self._note_reply()
                    if self._close_sent_at is None:
                        self._listener.on_audio(data)
                elif opcode == TEXT:
                    try:
                        text = data.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        self._deliver_event(protocol.Error(f"server sent a text frame that is not UTF-8 ({exc})"))
                    else:
                        self._deliver_event(protocol.parse_server_text(text))
                # A stream of messages that are not what a Flush awaits (or of audio after Close) must not
                # keep the client waiting: the deadlines are checked after every one.
                closure = self._overdue()
        except MessageTooLarge as exc:
            closure = Closure(ClosureKind.BROKEN, message=f"{exc}: Aloud refused it and closed the connection")
        except websocket.WebSocketProtocolException as exc:
            closure = Closure(ClosureKind.BROKEN,
                              message=f"the server broke the WebSocket protocol ({protocol.shown(str(exc))})")
        except (OSError, websocket.WebSocketException) as exc:
            if self._aborted:
                closure = Closure(ClosureKind.DROPPED, message=self._abort_reason)
            else:
                log.info("connection lost: %s", exc)
                closure = Closure(ClosureKind.DROPPED, message="the network connection dropped (no close frame)")
        except Exception as exc:  # a listener bug must still end the session cleanly
            log.exception("listener failed")
            closure = Closure(ClosureKind.BROKEN, message=f"internal error: {exc}")
        finally:
            try:
                ws.shutdown()
            except OSError:
                pass
            self._closure = closure or Closure(ClosureKind.DROPPED, message="the connection ended")
            self._done.set()
            self._listener.on_closed(self._closure)

    def _note_reply(self) -> None:
        with self._state_lock:
            self._last_reply = time.monotonic()

    def _deliver_event(self, event: protocol.ServerEvent) -> None:
        if isinstance(event, protocol.Warning) and event.code == protocol.EXCESSIVE_FLUSH:
            # The server ignored a Flush: no Flushed will come for it.
            with self._state_lock:
                self._flushes_pending = max(0, self._flushes_pending - 1)
        elif isinstance(event, (protocol.Flushed, protocol.Cleared)):
            # An id the server owes: counted from 0, and below the messages sent. A server that counts the
            # Flushes it ignored may skip ids; one that repeats an id, or names a message never sent, is
            # ignored, as taking it would tie the wrong audio to the text.
            flushed = isinstance(event, protocol.Flushed)
            with self._state_lock:
                expected = self._next_ids[flushed] <= event.sequence_id < (self._flushes_sent if flushed
                                                                          else self._clears_sent)
                if expected:
                    self._next_ids[flushed] = event.sequence_id + 1
                    # A Cleared means the server dropped all it owed.
                    self._flushes_pending = max(0, self._flushes_pending - 1) if flushed else 0
                    self._last_reply = time.monotonic()
            if not expected:
                asked = "Flush" if flushed else "Clear"
                event = protocol.Error(f"{type(event).__name__} with sequence_id {event.sequence_id} answers no "
                                       f"{asked} that was sent")
        self._listener.on_event(event)
