"""Small helpers for tests that talk to servers: a recording session listener, raw socket clients."""

from __future__ import annotations

import json
import math
import struct
import threading
import time

import websocket

from core import protocol
from core.endpoints import Endpoint, EndpointKind
from core.options import SpeakOptions
from core.pacing import Limits
from core.playback import Playback, PlaybackListener, PlaybackRequest
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


def nothing_listening_url() -> str:
    """A loopback address where nothing listens: connecting is refused at once, as with a server that is down."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    return f"ws://127.0.0.1:{port}"


def wait_until(condition, timeout: float, interval: float = 0.02):
    """Polls `condition` until it is true (returns its value) or `timeout` seconds pass (returns it anyway)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(interval)
    return value


def local_endpoint(url: str, limits: Limits | None = None) -> Endpoint:
    """A test server's endpoint; by default the reader does not pace (the server has no limits either)."""
    return Endpoint(EndpointKind.CUSTOM, url, None, limits or Limits.unlimited(), url, f"the server at {url}")


class Received(PlaybackListener):
    """Keeps every audio frame a playback received."""

    def __init__(self) -> None:
        self.audio = bytearray()

    def on_audio(self, data: bytes) -> None:
        self.audio += data


def synthesize(server_url: str, text: str, **options) -> bytes:
    """Read text through the server with no player; return the audio exactly as received."""
    received = Received()
    playback = Playback(PlaybackRequest(text, SpeakOptions(**options), local_endpoint(server_url)), received)
    playback.start()
    result = playback.wait(60)
    assert result is not None and result.ok, str(result)
    return bytes(received.audio)


class ToneVoiceServer(ScriptedServer):
    """A /v1/speak server whose "speech" is a tone per character, decided by the text alone (eSpeak NG's
    output varies a little from run to run). It keeps every audio byte it sent, for byte-exact checks."""

    FRAME_BYTES = 4800

    def __init__(self) -> None:
        self.sent = bytearray()
        super().__init__(self._serve)

    @staticmethod
    def tone(text: str, rate: int = 24000) -> bytes:
        samples = []
        for char in text:
            step = 2 * math.pi * (200 + ord(char) % 50 * 10) / rate
            samples.extend(int(6000 * math.sin(step * i)) for i in range(rate // 100))  # 10 ms a character
        return struct.pack(f"<{len(samples)}h", *samples)

    def _serve(self, ws) -> None:
        self.answer(ws, self.tone)

    def answer(self, ws, audio_for) -> None:
        """Serve one connection: each Flush answered with `audio_for(the text since the last one)`."""
        ws.send(json.dumps({"type": "Metadata", "request_id": "tone", "model_name": "tone", "model_version": "1",
                            "model_uuid": "tone"}))
        pending, flushes = [], 0
        for message in ws:
            if isinstance(message, bytes):
                continue
            kind = json.loads(message).get("type")
            if kind == "Speak":
                pending.append(json.loads(message)["text"])
            elif kind == "Flush":
                audio = audio_for("".join(pending))
                pending.clear()
                for at in range(0, len(audio), self.FRAME_BYTES):
                    ws.send(audio[at:at + self.FRAME_BYTES])
                self.sent += audio
                ws.send(json.dumps({"type": "Flushed", "sequence_id": flushes}))
                flushes += 1
            elif kind == "Close":
                ws.close(1000)
                return


BYTES_PER_CHAR = 2  # of ByteVoiceServer's audio


class ByteVoiceServer(ScriptedServer):
    """A /v1/speak server answering each Flush at once with `bytes_per_char` bytes of "audio" per character: a
    book's reading runs through in seconds, with exactly known audio offsets."""

    def __init__(self, bytes_per_char: int = BYTES_PER_CHAR) -> None:
        self.bytes_per_char = bytes_per_char
        super().__init__(self._serve)

    def _serve(self, ws) -> None:
        pending = flushes = 0
        for message in ws:
            kind = json.loads(message).get("type")
            if kind == "Speak":
                pending += len(json.loads(message)["text"])
            elif kind == "Flush":
                ws.send(b"\x01" * (pending * self.bytes_per_char))
                ws.send(json.dumps({"type": "Flushed", "sequence_id": flushes}))
                flushes += 1
                pending = 0
            elif kind == "Close":
                ws.close(1000)
                return
