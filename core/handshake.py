"""Opening a /v1/speak connection: the WebSocket handshake, and why it failed in words a user can act on."""

from __future__ import annotations

import json
import socket
import ssl
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable
from urllib.parse import urlsplit

import websocket

from core import protocol


# The kinds that mean the server could not be reached at all (rather than that it answered "no").
NO_CONNECTION = frozenset({"dns", "refused", "timeout", "network"})


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
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, from the server's Retry-After header
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
    detail, request_id = protocol.shown(detail), protocol.shown(request_id, 80)
    kind, message = _STATUS_MESSAGES.get(status, ("http", f"The server refused the connection (HTTP {status})."))
    if status >= 500 and status not in _STATUS_MESSAGES:
        kind, message = "server", f"The speech service has a problem (HTTP {status}): try again later."
    return ConnectError(kind, message, status=status, detail=detail, request_id=request_id,
                        retry_after=_retry_after(headers.get("retry-after", "")))


def _retry_after(value: str) -> float | None:
    """Retry-After as seconds from now: a number of seconds, or an HTTP date. At most a day: a hostile number
    must not make the reader sleep for ever (its retry budget ends the wait sooner anyway)."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), 86400.0)


def _redirect_target(ws: websocket.WebSocket) -> str | None:
    """Where a handshake answered with a redirect pointed (shown as text), or None if it was no redirect."""
    response = getattr(ws, "handshake_response", None)
    if response is None or not 300 <= response.status < 400:
        return None
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    return protocol.shown(str(headers.get("location", "")))


def open_connection(
    ws: websocket.WebSocket, url: str, headers: list[str], timeout: float, cancelled: Callable[[], bool]
) -> None:
    """Complete the handshake on `ws`. Raises ConnectError (kind "cancelled" once `cancelled()` is true)."""
    host = urlsplit(url).hostname or url
    try:
        # No redirects: the key's policy is judged for this URL, and websocket-client would resend the same
        # headers, key included, to wherever a server pointed it (a plain ws:// host elsewhere, say).
        ws.connect(url, header=headers, timeout=timeout, redirect_limit=0)
    except websocket.WebSocketBadStatusException as exc:
        raise _handshake_error(exc) from None
    except websocket.WebSocketAddressException:
        raise ConnectError("dns", f"Cannot find the server {host}: check the address and the network.") from None
    except ConnectionRefusedError:
        raise ConnectError("refused", f"{host} refused the connection: is the server running?") from None
    except (socket.timeout, TimeoutError, websocket.WebSocketTimeoutException):
        raise ConnectError("timeout", f"{host} did not answer within {timeout:g} s.") from None
    except ssl.SSLError as exc:
        reason = protocol.shown(str(exc.reason or exc))
        raise ConnectError("tls", f"Secure connection to {host} failed: {reason}.") from None
    except (OSError, websocket.WebSocketException) as exc:
        if cancelled():
            raise ConnectError("cancelled", "Stopped before the connection was open.") from None
        redirect = _redirect_target(ws)
        if redirect is not None:
            raise ConnectError(
                "redirect",
                f"{host} redirected the connection to {redirect or 'another address'}. Aloud does not follow "
                "redirects, so that the API key goes only where it was meant to: use that address directly "
                "if you trust it.",
            ) from None
        raise ConnectError("network", f"Could not connect to {host}: {protocol.shown(str(exc))}.") from None
