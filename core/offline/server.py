"""The offline voice: a /v1/speak WebSocket server on this machine that behaves like Deepgram's.

It speaks the protocol of shared/protocol.md (Metadata, audio, Flushed, Cleared, warnings and the
documented error closes), so the app, other Deepgram clients and the tests all use the real protocol.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from core import g711, protocol
from core.chunking import split_text
from core.offline.engine import EngineVoice, SynthesisEngine
from core.offline.resample import Resampler
from core.options import SPEAK_PATH, OptionError, SpeakOptions, is_loopback_host
from core.pacing import SlidingWindow
from core.voices import load_catalog

log = logging.getLogger(__name__)
# websockets logs every request header at DEBUG, Authorization included: never let that through.
_protocol_log = logging.getLogger(f"{__name__}.websockets")
_protocol_log.addFilter(lambda record: record.levelno > logging.DEBUG)


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    token: str | None = None  # required token; None accepts any (loopback only)
    chars_per_minute: int | None = protocol.CHARS_PER_MINUTE  # None: no limit
    flushes_per_minute: int | None = protocol.FLUSHES_PER_MINUTE
    rate_window: float = protocol.RATE_WINDOW_SECONDS
    idle_timeout: float | None = None  # NET-0001 after this long with nothing from the client
    frame_bytes: int = 8192  # audio is sent in binary frames of at most this size
    max_message_bytes: int = 64 * 1024  # BIG-0000 beyond this
    allowed_origins: tuple[str, ...] = ()  # web pages (by their Origin) that may use the server


_RESAMPLE_SLICE = 4096  # engine samples (0.19 s at 22,050 Hz) resampled and sent at a time


class _Rejected(Exception):
    def __init__(self, status: int, err_code: str, err_msg: str) -> None:
        super().__init__(err_msg)
        self.status, self.err_code, self.err_msg = status, err_code, err_msg


class _CloseWith(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class _Job:
    generation: int
    text: str = ""
    sequence_id: int | None = None  # a Flush job when set
    cleared_id: int | None = None  # a Clear acknowledgement when set


class _Stream:
    """One client connection: the message loop on the handler thread, synthesis on a worker thread."""

    def __init__(self, server: "OfflineServer", conn: ServerConnection, options: SpeakOptions, voice: EngineVoice):
        self.server = server
        self.conn = conn
        self.options = options
        self.voice = voice
        self.config = server.config
        self.request_id = str(uuid.uuid4())
        self.buffer: list[str] = []
        self.generation = 0
        self.closing = False
        self.next_flush_id = 0
        self.next_clear_id = 0
        self.jobs: queue.Queue[_Job | None] = queue.Queue()
        window = self.config.rate_window
        self.char_window = (
            SlidingWindow(self.config.chars_per_minute, window) if self.config.chars_per_minute else None
        )
        self.flush_window = (
            SlidingWindow(self.config.flushes_per_minute, window) if self.config.flushes_per_minute else None
        )
        self.worker = threading.Thread(target=self._work, name="aloud-offline-synth", daemon=True)

    # --- message loop (handler thread) -------------------------------------------------------

    def run(self) -> None:
        engine = self.server.engine
        self._send_json({
            "type": "Metadata",
            "request_id": self.request_id,
            "model_name": self.options.model,
            "model_version": f"{engine.name}-{engine.version}",
            "model_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"aloud-offline/{self.options.model}")),
        })
        self.worker.start()
        try:
            while True:
                try:
                    message = self.conn.recv(timeout=self.config.idle_timeout)
                except TimeoutError:
                    raise _CloseWith(1011, "NET-0001: no message received for too long") from None
                if self._handle(message):
                    self._stop_work()
                    self.conn.close(protocol.NORMAL_CLOSURE, "Normal Closure")
                    return
        except _CloseWith as close:
            self._stop_work()
            self.conn.close(close.code, close.reason)
        except ConnectionClosed:
            self._stop_work()

    def _handle(self, message: str | bytes) -> bool:
        """Act on one client message; True when the client asked to close."""
        if isinstance(message, bytes):
            raise _CloseWith(1003, "MESSAGE-0000: binary frames are not supported")
        if len(message.encode("utf-8", "surrogatepass")) > self.config.max_message_bytes:
            raise _CloseWith(1009, "BIG-0000: message too large")
        try:
            parsed = protocol.parse_client_text(message)
        except (ValueError, RecursionError) as exc:
            raise _CloseWith(1008, f"DATA-0000: invalid message ({str(exc)[:60]})") from None
        self.server.count_message(type(parsed).__name__)
        if isinstance(parsed, protocol.Speak):
            if len(parsed.text) > protocol.MAX_SPEAK_CHARS:
                raise _CloseWith(1009, f"BIG-0001: text over {protocol.MAX_SPEAK_CHARS} characters")
            if self.char_window is not None and not self.char_window.add(len(parsed.text)):
                raise _CloseWith(1008, "DATA-0001: too many characters per minute")
            self.buffer.append(parsed.text)
        elif isinstance(parsed, protocol.Flush):
            if self.flush_window is not None and not self.flush_window.add(1):
                # What the live service sends (not the documented description/code shape).
                self._send_json({
                    "type": "Warning",
                    "warn_code": protocol.EXCESSIVE_FLUSH,
                    "warn_msg": "Rate limit exceeded for flushes. Please try again later.",
                })
                return False
            self.jobs.put(_Job(self.generation, "".join(self.buffer), sequence_id=self.next_flush_id))
            self.next_flush_id += 1
            self.buffer = []
        elif isinstance(parsed, protocol.Clear):
            self.buffer = []
            self.generation += 1  # the worker drops older jobs and stops the one in progress
            self.jobs.put(_Job(self.generation, cleared_id=self.next_clear_id))
            self.next_clear_id += 1
        elif isinstance(parsed, protocol.Close):
            return True
        return False

    def _send_json(self, payload: dict[str, Any]) -> None:
        self.conn.send(json.dumps(payload))

    def _stop_work(self) -> None:
        self.closing = True
        self.generation += 1
        self.jobs.put(None)
        if self.worker.is_alive():
            self.worker.join(timeout=5)

    # --- synthesis (worker thread) -----------------------------------------------------------

    def _stale(self, job: _Job) -> bool:
        return self.closing or job.generation != self.generation

    def _work(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                if job.cleared_id is not None:
                    self._send_json({"type": "Cleared", "sequence_id": job.cleared_id})
                elif not self._stale(job):
                    self._synthesize(job)
                    if not self._stale(job):
                        self._send_json({"type": "Flushed", "sequence_id": job.sequence_id})
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("offline synthesis failed")
            try:
                self.conn.close(1011, "NET-0000: internal server error")
            except ConnectionClosed:
                pass

    def _synthesize(self, job: _Job) -> None:
        engine = self.server.engine
        rate = self.options.rate
        resampler = Resampler(engine.sample_rate, rate) if engine.sample_rate != rate else None
        sentences = [s.text for s in split_text(job.text)] if job.text.strip() else []
        for index, sentence in enumerate(sentences):
            pcm = engine.synthesize(sentence, self.voice, self.options.speed, lambda: self._stale(job))
            if self._stale(job):
                return
            if resampler is None:
                self._send_audio(pcm, job)
                continue
            last = index == len(sentences) - 1
            # Resampling costs about 1/40 of real time: in slices, the first audio goes out at once.
            step = 2 * _RESAMPLE_SLICE
            for start in range(0, max(len(pcm), 1), step):
                if self._stale(job):
                    return
                final = last and start + step >= len(pcm)
                self._send_audio(resampler.process(pcm[start : start + step], last=final), job)

    def _send_audio(self, pcm: bytes, job: _Job) -> None:
        data = pcm if self.options.encoding == "linear16" else g711.encode(pcm, self.options.encoding)
        step = self.config.frame_bytes
        for start in range(0, len(data), step):
            if self._stale(job):
                return
            self.conn.send(data[start : start + step])


class OfflineServer:
    """The local /v1/speak server. `start()` runs it on a background thread; `stop()` ends it."""

    def __init__(self, config: ServerConfig | None = None, engine: SynthesisEngine | None = None) -> None:
        self.config = config or ServerConfig()
        if not is_loopback_host(self.config.host) and not self.config.token:
            raise ValueError("a server reachable from other machines needs a token (--token)")
        if engine is None:
            from core.offline.espeak import EspeakEngine

            engine = EspeakEngine()
        self.engine = engine
        self._catalog = load_catalog()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._pending: dict[int, tuple[SpeakOptions, EngineVoice]] = {}
        self._lock = threading.Lock()
        self.messages_received: Counter[str] = Counter()  # by type, over all connections: for diagnostics

    def count_message(self, kind: str) -> None:
        with self._lock:
            self.messages_received[kind] += 1

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server.socket.getsockname()[1]

    @property
    def url(self) -> str:
        host = self.config.host if ":" not in self.config.host else f"[{self.config.host}]"
        return f"ws://{host}:{self.port}"

    def start(self) -> "OfflineServer":
        self._server = serve(
            self._handle,
            self.config.host,
            self.config.port,
            process_request=self._process_request,
            compression=None,
            close_timeout=1,
            max_size=self.config.max_message_bytes * 4,
            server_header="Aloud offline voice",
            logger=_protocol_log,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="aloud-offline-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "OfflineServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- handshake ---------------------------------------------------------------------------

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        request_id = str(uuid.uuid4())
        try:
            options, voice = self._accept(request)
        except _Rejected as rejected:
            body = json.dumps({"err_code": rejected.err_code, "err_msg": rejected.err_msg, "request_id": request_id})
            response = conn.respond(rejected.status, body)
            response.headers["Content-Type"] = "application/json"
            response.headers["dg-error"] = rejected.err_msg
            response.headers["dg-request-id"] = request_id
            return response
        with self._lock:
            self._pending[id(conn)] = (options, voice)
        return None

    def _accept(self, request: Request) -> tuple[SpeakOptions, EngineVoice]:
        self._check_origin(request)
        parts = urlsplit(request.path)
        if parts.path.rstrip("/") != SPEAK_PATH:
            raise _Rejected(404, "NOT_FOUND", f"no endpoint at {parts.path}")
        if self.config.token is not None:
            auth = request.headers.get("Authorization", "")
            scheme, _, token = auth.partition(" ")
            if scheme not in ("Token", "Bearer") or token != self.config.token:
                raise _Rejected(401, "INVALID_AUTH", "Invalid credentials.")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            options = SpeakOptions(
                model=query.get("model", "aura-asteria-en"),
                encoding=query.get("encoding", "linear16"),
                sample_rate=int(query["sample_rate"]) if "sample_rate" in query else None,
                speed=float(query.get("speed", "1")),
                mip_opt_out=query.get("mip_opt_out", "false").lower() == "true",
            ).validate()
        except (OptionError, ValueError) as exc:
            raise _Rejected(400, "INVALID_QUERY_PARAMETER", str(exc)) from None
        voice = self._catalog.get(options.model)
        if voice is None or not self.engine.supports(voice.language):
            raise _Rejected(400, "INVALID_QUERY_PARAMETER", f"No such model: {options.model}")
        return options, EngineVoice(voice.name.lower(), voice.language, voice.gender)

    def _check_origin(self, request: Request) -> None:
        """Web pages in the user's browser must not drive this server (cross-site WebSocket hijacking). A browser
        always sends its page's Origin: one other than this server's own address (which non-browser clients such
        as websocket-client send) is refused unless allowed. On loopback, so is a Host header naming another
        machine: a page whose name was made to point here (DNS rebinding) would otherwise look same-origin."""
        host = request.headers.get("Host", "")
        if is_loopback_host(self.config.host) and not is_loopback_host(urlsplit(f"//{host}").hostname):
            raise _Rejected(403, "FORBIDDEN_HOST", f"this server answers only to a loopback address, not {protocol.shown(host)}")
        origin = request.headers.get("Origin")
        if origin is None or origin in self.config.allowed_origins:
            return
        if origin.lower() in (f"http://{host}".lower(), f"https://{host}".lower()):
            return
        raise _Rejected(403, "FORBIDDEN_ORIGIN", f"web pages may not use this server (Origin {protocol.shown(origin)}); "
                                                 "serve --allow-origin allows one")

    def _handle(self, conn: ServerConnection) -> None:
        with self._lock:
            options, voice = self._pending.pop(id(conn))
        _Stream(self, conn, options, voice).run()
