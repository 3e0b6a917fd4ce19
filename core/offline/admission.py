"""How many connections the offline server holds at once: up to its limit, handshakes included; beyond it, a
short HTTP 503 that says why, so that a flood of connections costs a bounded number of threads and bytes."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any, Callable

from websockets.sync.server import Server

_REFUSAL_WAIT = 0.2  # seconds a refused client gets to finish sending its request (unread data makes close a reset)


def refusal(limit: int) -> bytes:
    message = f"The offline voice is serving its limit of {limit} connections at once; try again shortly."
    body = json.dumps({"err_code": "TOO_MANY_CONNECTIONS", "err_msg": message}).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"dg-error: {message}\r\n"
        "Retry-After: 1\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


class ConnectionLimit:
    """Wraps a websockets server's per-connection handler. Each accepted socket still gets a thread from the
    server, but one over the limit ends within a fraction of a second; and when even the refusals pile up
    (a flood), the socket is closed with no answer at all."""

    def __init__(self, server: Server, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self.refusing = 0
        self._server = server
        self._handler: Callable[[socket.socket, Any], None] = server.handler
        self._lock = threading.Lock()
        server.handler = self  # what serve_forever runs for each socket it accepts

    def __call__(self, sock: socket.socket, addr: Any) -> None:
        with self._lock:
            admitted = self.active < self.limit
            if admitted:
                self.active += 1
            else:
                answered = self.refusing < self.limit
                self.refusing += answered
        if admitted:
            try:
                self._handler(sock, addr)  # removes its thread from the server's set when it ends
            finally:
                with self._lock:
                    self.active -= 1
            return
        try:
            if answered:
                _refuse(sock, self.limit)
        finally:
            sock.close()
            with self._lock:
                self.refusing -= answered
            with self._server.lock:  # what the wrapped handler would have done
                self._server.handler_threads.discard(threading.current_thread())


def _refuse(sock: socket.socket, limit: int) -> None:
    try:
        sock.settimeout(_REFUSAL_WAIT)
        sock.sendall(refusal(limit))
        sock.shutdown(socket.SHUT_WR)
        sock.recv(65536)
    except OSError:
        pass
