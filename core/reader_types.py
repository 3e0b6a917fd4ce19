"""What a reading is given and what it reports: its configuration, its listener, and its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from core import protocol
from core.handshake import ConnectError
from core.pacing import Limits
from core.retry import ConnectionEvent, RetryPolicy, closure_is_retryable
from core.session import Closure
from core.tracking import Span


@dataclass(frozen=True)
class ReadResult:
    closure: Closure | None = None
    error: ConnectError | None = None
    stopped: bool = False  # the user asked to stop
    complete: bool = False  # every character's audio arrived
    first_audio_seconds: float | None = None  # from starting to connect to the first audio byte
    close_seconds: float | None = None  # from sending Close to the end of the connection
    audio_bytes: int = 0
    chars_sent: int = 0
    reconnects: int = 0  # new connections that took the reading over after a failure
    rollovers: int = 0  # new connections that took it over before the old one's age limit (never heard)

    @property
    def ok(self) -> bool:
        """It ended well: closed normally, or all its audio arrived before the server ended the connection for a
        reason that would have been retried (its age limit reached just as the reading ended)."""
        if self.error is not None or self.closure is None:
            return False
        return self.closure.ok or (self.complete and closure_is_retryable(self.closure))

    def __str__(self) -> str:
        if self.error is not None:
            text = str(self.error)
        else:
            text = str(self.closure) if self.closure is not None else "Stopped before the connection was open."
        if self.reconnects:
            text += f" ({self.reconnects} reconnect{'s' if self.reconnects > 1 else ''})"
        return text


class ReaderListener:
    """Override what you need. Calls come from the reader's threads, never the caller's."""

    def on_connected(self) -> None: ...

    def on_metadata(self, metadata: protocol.Metadata) -> None: ...

    def on_audio(self, data: bytes) -> None: ...

    def on_span_done(self, span: Span) -> None:
        """All the audio of text[span.start:span.end] has arrived."""

    def on_warning(self, message: str) -> None: ...

    def on_connection(self, event: ConnectionEvent) -> None:
        """The connection failed and the reading is reconnecting, or a new connection took it over."""

    def on_finished(self, result: ReadResult) -> None: ...


@dataclass
class ReaderConfig:
    # Or how to get it: called on the reading's own thread, as the offline voice may have to start first
    # (raising OSError when it cannot, which ends the reading with that said).
    url: str | Callable[[], str]
    api_key: str | None = None
    allow_insecure_key: bool = False
    limits: Limits = field(default_factory=Limits)
    connect_timeout: float = 10.0
    reply_timeout: float = 20.0
    close_timeout: float = 2.0
    # With a player: send text at most this many characters ahead of what has been heard (about 100 s of
    # speech), so a stop wastes little synthesis and a long document never sits in memory as audio.
    lookahead_chars: int = 1500
    # Without one (saving audio): at most this many characters sent beyond those whose audio has arrived, so
    # that a book is not poured into the server's buffer (and held here as text waiting for its audio).
    send_ahead_chars: int = 6000
    # Where to read instead when `url` cannot be reached at all (no network): the offline voice, never sent
    # the key. None: the failure ends the reading.
    fallback_url: str | Callable[[], str] | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sample_bytes: int = 2  # the size of one sample of the audio asked for: audio is passed on in whole samples


Where = tuple["str | Callable[[], str]", "str | None"]  # a URL (or how to get it) and the key to send there


class SessionEvents:
    """A session's listener that hands each callback to a function: the reader's own stay off its public face."""

    def __init__(self, on_audio: Callable[[bytes], None], on_event: Callable[[protocol.ServerEvent], None],
                 on_closed: Callable[[Closure], None]) -> None:
        self.on_audio, self.on_event, self.on_closed = on_audio, on_event, on_closed
