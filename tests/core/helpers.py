"""Small helpers for tests that talk to servers: a recording session listener, raw socket clients."""

from __future__ import annotations

import json
import threading
import time

import websocket

from core import protocol
from core.session import Closure


class Recorder:
    """A SessionListener that keeps everything it is given."""

    def __init__(self) -> None:
        self.audio = bytearray()
        self.events: list[protocol.ServerEvent] = []
        self.closures: list[Closure] = []
        self.closed = threading.Event()
        self.flushed = threading.Semaphore(0)

    def on_audio(self, chunk: bytes) -> None:
        self.audio += chunk

    def on_event(self, event: protocol.ServerEvent) -> None:
        self.events.append(event)
        if isinstance(event, protocol.Flushed):
            self.flushed.release()

    def on_closed(self, closure: Closure) -> None:
        self.closures.append(closure)
        self.closed.set()

    def of_type(self, kind):
        return [e for e in self.events if isinstance(e, kind)]


def raw_connect(url: str, **kwargs) -> websocket.WebSocket:
    ws = websocket.WebSocket()
    ws.connect(url, timeout=10, **kwargs)
    return ws


def read_until_close(ws: websocket.WebSocket) -> tuple[list[dict], bytes, int | None, str]:
    """Everything the server sends until its close frame: JSON messages, audio, close code and reason."""
    messages, audio = [], bytearray()
    while True:
        opcode, frame = ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_TEXT:
            messages.append(json.loads(frame.data))
        elif opcode == websocket.ABNF.OPCODE_BINARY:
            audio += frame.data
        elif opcode == websocket.ABNF.OPCODE_CLOSE:
            data = frame.data
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            ws.shutdown()
            return messages, bytes(audio), code, data[2:].decode("utf-8", "replace")


def read_until_flushed(ws: websocket.WebSocket, count: int = 1) -> tuple[list[dict], bytes]:
    """JSON messages and audio until the `count`-th Flushed (or Warning: an ignored Flush)."""
    messages, audio = [], bytearray()
    while sum(m["type"] in ("Flushed", "Warning") for m in messages) < count:
        opcode, frame = ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_TEXT:
            messages.append(json.loads(frame.data))
        elif opcode == websocket.ABNF.OPCODE_BINARY:
            audio += frame.data
    return messages, bytes(audio)


class ScriptedServer:
    """A real WebSocket server on loopback whose handler a test writes: for servers that misbehave."""

    def __init__(self, handler) -> None:
        from websockets.sync.server import serve

        self.received: list = []
        self._server = serve(handler, "127.0.0.1", 0, compression=None, close_timeout=0.5)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(5)


def wait_until(condition, timeout: float, interval: float = 0.02):
    """Polls `condition` until it is true (returns its value) or `timeout` seconds pass (returns it anyway)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(interval)
    return value
