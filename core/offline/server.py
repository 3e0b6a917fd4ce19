"""The offline voice: a /v1/speak WebSocket server on this machine that behaves like Deepgram's.

It speaks the protocol of shared/protocol.md (Metadata, audio, Flushed, Cleared, warnings and the
documented error closes), so the app, other Deepgram clients and the tests all use the real protocol.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from core import protocol
from core.offline.admission import ConnectionLimit
from core.offline.config import ServerConfig
from core.offline.engine import EngineVoice, SynthesisEngine
from core.offline.stream import EngineTurns, Stream

__all__ = ["OfflineServer", "ServerConfig"]
from core.options import SPEAK_PATH, OptionError, SpeakOptions, is_loopback_host
from core.voices import load_catalog

log = logging.getLogger(__name__)
# websockets logs every request header at DEBUG, Authorization included: never let that through.
_protocol_log = logging.getLogger(f"{__name__}.websockets")
_protocol_log.addFilter(lambda record: record.levelno > logging.DEBUG)


class _Rejected(Exception):
    def __init__(self, status: int, err_code: str, err_msg: str, retry_after: float | None = None) -> None:
        super().__init__(err_msg)
        self.status, self.err_code, self.err_msg, self.retry_after = status, err_code, err_msg, retry_after


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
        self.engine_turns = EngineTurns()
        self._handshakes = 0  # for --fault refuse
        self.connections: ConnectionLimit | None = None
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
            open_timeout=self.config.handshake_timeout,
            ping_interval=None,  # a thread per connection; the idle timeout ends connections that went away
            close_timeout=1,
            max_size=self.config.max_message_bytes * 4,
            server_header="Aloud offline voice",
            logger=_protocol_log,
        )
        self.connections = ConnectionLimit(self._server, self.config.max_connections)
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
            self._refuse_on_purpose()
        except _Rejected as rejected:
            body = json.dumps({"err_code": rejected.err_code, "err_msg": rejected.err_msg, "request_id": request_id})
            response = conn.respond(rejected.status, body)
            response.headers["Content-Type"] = "application/json"
            response.headers["dg-error"] = rejected.err_msg
            response.headers["dg-request-id"] = request_id
            if rejected.retry_after is not None:
                response.headers["Retry-After"] = f"{rejected.retry_after:g}"
            return response
        with self._lock:
            self._pending[id(conn)] = (options, voice)
        return None

    def _refuse_on_purpose(self) -> None:
        faults = self.config.faults
        if faults.refuse_status is None:
            return
        with self._lock:
            self._handshakes += 1
            refuse = faults.refuse_times == 0 or self._handshakes <= faults.refuse_times
        if refuse:
            raise _Rejected(faults.refuse_status, "FAULT", f"refused on purpose (--fault refuse={faults.refuse_status})",
                            faults.refuse_retry_after)

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
            ).validate(offline=True)
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
        Stream(self, conn, options, voice).run()
