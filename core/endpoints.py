"""Which server a reading goes to: Deepgram with a key, an explicit URL, or the embedded offline voice."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from core.offline.server import OfflineServer, ServerConfig
from core.options import DEEPGRAM_BASE_URL, normalize_base_url
from core.pacing import Limits

log = logging.getLogger(__name__)

API_KEY_ENV = "DEEPGRAM_API_KEY"


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    api_key: str | None
    limits: Limits
    label: str  # what the user is told they are listening to
    offline: bool = False

    def __repr__(self) -> str:  # never show the key, even in a traceback or a debug log
        key = "set" if self.api_key else "none"
        return f"Endpoint(base_url={self.base_url!r}, api_key={key}, label={self.label!r})"


_embedded: OfflineServer | None = None
_embedded_lock = threading.Lock()


def embedded_server() -> OfflineServer:
    """The in-process offline voice on an ephemeral loopback port, started on first use."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            # The app's own server need not hold its own client to Deepgram's rate limits.
            config = ServerConfig(chars_per_minute=None, flushes_per_minute=None)
            _embedded = OfflineServer(config).start()
            log.info("offline voice listening on %s", _embedded.url)
        return _embedded


def stop_embedded_server() -> None:
    global _embedded
    with _embedded_lock:
        if _embedded is not None:
            _embedded.stop()
            _embedded = None


def offline_endpoint() -> Endpoint:
    return Endpoint(embedded_server().url, None, Limits.unlimited(), "offline voice (eSpeak NG)", offline=True)


def resolve_endpoint(url: str | None = None, api_key: str | None = None, offline: bool = False) -> Endpoint:
    """An explicit URL wins; then Deepgram when a key is known (argument or environment); else offline."""
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV) or None
    if offline:
        return offline_endpoint()
    if url:
        base = normalize_base_url(url)
        return Endpoint(base, api_key, Limits(), base)
    if api_key:
        return Endpoint(DEEPGRAM_BASE_URL, api_key, Limits(), "Deepgram")
    return offline_endpoint()
