"""One /v1/speak WebSocket connection: handshake, a receive thread, thread-safe sends, and a clean close.

A listener gets audio bytes, typed events, and exactly one final `on_closed(Closure)`.
"""

from __future__ import annotations

import enum
import json
import logging
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import websocket

from core import __version__, protocol
from core.options import may_send_key

log = logging.getLogger(__name__)

USER_AGENT = f"Aloud/{__version__} (websocket-client)"
_POLL_SECONDS = 0.1  # how often the receive thread looks up from a silent socket


class ConnectError(Exception):
    """The connection could not be opened. `str()` is a sentence for the user."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.kind = kind  # auth, forbidden, rate_limited, bad_request, server, http, dns, refused, timeout, tls, network
        self.status = status
        self.detail = detail
        self.request_id = request_id

    def __str__(self) -> str:
        text = self.args[0]
        if self.detail and self.detail not in text:
            text = f"{text} Server said: {protocol.shown(self.detail)}"
        return text


_STATUS_MESSAGES = {
    400: ("bad_request", "The server rejected a setting (HTTP 400): check the voice, encoding and sample rate."),
    401: ("auth", "The API key was refused (HTTP 401): check the Deepgram API key in Settings or DEEPGRAM_API_KEY."),
    402: ("auth", "The Deepgram account has no credit left (HTTP 402)."),
    403: ("forbidden", "This API key is not allowed to use text-to-speech (HTTP 403)."),
    404: ("bad_request", "The server has no /v1/speak endpoint at this address (HTTP 404): check the endpoint URL."),
    429: ("rate_limited", "Too many requests at once for this account (HTTP 429): wait a moment and try again."),
}


def _handshake_error(exc: websocket.WebSocketBadStatusException) -> ConnectError:
    status = exc.status_code
    headers = {k.lower(): v for k, v in (exc.resp_headers or {}).items()}
    detail = headers.get("dg-error", "")
    request_id = headers.get("dg-request-id", "")
    if exc.resp_body:
        try:
            body = json.loads(exc.resp_body)
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict):
            detail = detail or str(body.get("err_msg") or body.get("message") or "")
            request_id = request_id or str(body.get("request_id") or "")
    kind, message = _STATUS_MESSAGES.get(status, ("http", f"The server refused the connection (HTTP {status})."))
    if status >= 500 and status not in _STATUS_MESSAGES:
        kind, message = "server", f"The speech service has a problem (HTTP {status}): try again later."
    return ConnectError(kind, message, status=status, detail=detail, request_id=request_id)


def _redirect_target(ws: websocket.WebSocket) -> str | None:
    """Where a handshake answered with a redirect pointed (shown as text), or None if it was no redirect."""
    response = getattr(ws, "handshake_response", None)
    if response is None or not 300 <= response.status < 400:
        return None
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    return protocol.shown(str(headers.get("location", "")))


class ClosureKind(enum.Enum):
    NORMAL = "normal"  # a 1000 close frame
    SERVER_ERROR = "server_error"  # a close frame with another code
    DROPPED = "dropped"  # the connection ended without a close frame
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
        self._flushes_pending = 0
        self._last_receive = 0.0
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
        ws = websocket.WebSocket(enable_multithread=True)
        with self._state_lock:
            if self._aborted:
                raise ConnectError("cancelled", "Stopped before the connection was open.")
            self._ws = ws
        host = urlsplit(self.url).hostname or self.url
        try:
            # No redirects: the key's policy is judged for this URL, and websocket-client would resend the same
            # headers, key included, to wherever a server pointed it (a plain ws:// host elsewhere, say).
            ws.connect(self.url, header=self._headers(), timeout=self._connect_timeout, redirect_limit=0)
        except websocket.WebSocketBadStatusException as exc:
            raise _handshake_error(exc) from None
        except websocket.WebSocketAddressException:
            raise ConnectError("dns", f"Cannot find the server {host}: check the address and the network.") from None
        except ConnectionRefusedError:
            raise ConnectError("refused", f"{host} refused the connection: is the server running?") from None
        except (socket.timeout, TimeoutError, websocket.WebSocketTimeoutException):
            raise ConnectError("timeout", f"{host} did not answer within {self._connect_timeout:g} s.") from None
        except ssl.SSLError as exc:
            raise ConnectError("tls", f"Secure connection to {host} failed: {exc.reason or exc}.") from None
        except (OSError, websocket.WebSocketException) as exc:
            if self._aborted:
                raise ConnectError("cancelled", "Stopped before the connection was open.") from None
            redirect = _redirect_target(ws)
            if redirect is not None:
                raise ConnectError(
                    "redirect",
                    f"{host} redirected the connection to {redirect or 'another address'}. Aloud does not follow "
                    "redirects, so that the API key goes only where it was meant to: use that address directly "
                    "if you trust it.",
                ) from None
            raise ConnectError("network", f"Could not connect to {host}: {exc}.") from None
        if self._aborted:
            ws.shutdown()
            raise ConnectError("cancelled", "Stopped before the connection was open.")
        ws.settimeout(_POLL_SECONDS)
        self._last_receive = time.monotonic()
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
            try:
                ws.send(payload)
            except (OSError, websocket.WebSocketException) as exc:
                log.info("send failed: %s", exc)
                return False
            if isinstance(message, protocol.Flush):
                with self._state_lock:
                    if self._flushes_pending == 0:
                        self._last_receive = time.monotonic()
                    self._flushes_pending += 1
            elif isinstance(message, protocol.Close):
                self._close_sent_at = time.monotonic()
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

    def abort(self) -> None:
        """Drop the connection at once (also cancels a connect in progress)."""
        with self._state_lock:
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
            silent_for = now - self._last_receive
        if waiting and silent_for > self._reply_timeout:
            return Closure(
                ClosureKind.TIMEOUT,
                message=f"the server sent nothing for {silent_for:.0f} s while audio was expected",
            )
        return None

    def _receive_loop(self) -> None:
        ws = self._ws
        assert ws is not None
        closure: Closure | None = None
        try:
            while closure is None:
                try:
                    opcode, frame = ws.recv_data_frame(True)
                except websocket.WebSocketTimeoutException:
                    closure = self._overdue()
                    continue
                except websocket.WebSocketPayloadException as exc:
                    # A text frame that is not UTF-8: the frame is consumed, the stream is still in step.
                    self._deliver_event(protocol.Error(f"server sent a text frame that is not UTF-8 ({exc})"))
                    continue
                with self._state_lock:
                    self._last_receive = time.monotonic()
                if opcode == websocket.ABNF.OPCODE_BINARY:
                    if self._close_sent_at is None:
                        self._listener.on_audio(frame.data)
                elif opcode == websocket.ABNF.OPCODE_TEXT:
                    data = frame.data
                    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
                    self._deliver_event(protocol.parse_server_text(text))
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    closure = _closure_from_frame(frame.data)
        except (OSError, websocket.WebSocketException) as exc:
            if self._aborted:
                closure = Closure(ClosureKind.DROPPED, message="the connection was cut off by Aloud")
            else:
                log.info("connection lost: %s", exc)
                closure = Closure(ClosureKind.DROPPED, message="the network connection dropped (no close frame)")
        except Exception as exc:  # a listener bug must still end the session cleanly
            log.exception("listener failed")
            closure = Closure(ClosureKind.DROPPED, message=f"internal error: {exc}")
        finally:
            try:
                ws.shutdown()
            except OSError:
                pass
            self._closure = closure or Closure(ClosureKind.DROPPED, message="the connection ended")
            self._done.set()
            self._listener.on_closed(self._closure)

    def _deliver_event(self, event: protocol.ServerEvent) -> None:
        if isinstance(event, protocol.Warning) and event.code == protocol.EXCESSIVE_FLUSH:
            # The server ignored a Flush: no Flushed will come for it.
            with self._state_lock:
                self._flushes_pending = max(0, self._flushes_pending - 1)
        elif isinstance(event, (protocol.Flushed, protocol.Cleared)):
            with self._state_lock:
                if isinstance(event, protocol.Cleared):
                    self._flushes_pending = 0
                else:
                    self._flushes_pending = max(0, self._flushes_pending - 1)
        self._listener.on_event(event)
