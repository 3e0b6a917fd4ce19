"""What the offline server allows: its address, key, limits and bounds (no import of the server itself, so the
command line can show the defaults without loading it)."""

from __future__ import annotations

from dataclasses import dataclass

from core import protocol
from core.offline.faults import Faults


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    token: str | None = None  # required token; None accepts any (loopback only)
    chars_per_minute: int | None = protocol.CHARS_PER_MINUTE  # None: no limit
    flushes_per_minute: int | None = protocol.FLUSHES_PER_MINUTE
    rate_window: float = protocol.RATE_WINDOW_SECONDS
    # NET-0001 after this long with nothing from the client. A reader playing what it was sent is silent for up
    # to a couple of minutes; a pause longer than this ends the connection, as Deepgram's does.
    idle_timeout: float | None = 600.0
    frame_bytes: int = 8192  # audio is sent in binary frames of at most this size
    max_message_bytes: int = 64 * 1024  # BIG-0000 beyond this
    allowed_origins: tuple[str, ...] = ()  # web pages (by their Origin) that may use the server
    max_connections: int = 32  # at once, handshakes included; beyond it, HTTP 503
    handshake_timeout: float = 5.0  # a connection that has not finished its handshake by then is dropped
    # Text received but not yet spoken, per connection (with or without the per-minute limits): 50,000
    # characters is about an hour of speech; a reader sends a few thousand ahead.
    max_pending_chars: int = 50_000
    faults: Faults = Faults()  # made on purpose (serve --fault): none by default

    @classmethod
    def embedded(cls) -> "ServerConfig":
        """The app's own offline voice: its client paces itself by playback, so it need not be held to Deepgram's
        per-minute limits. Every other bound stays (a reading paused past the idle timeout reconnects when it
        goes on)."""
        return cls(chars_per_minute=None, flushes_per_minute=None)
