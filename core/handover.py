"""Where each connection's messages go, and how a long reading moves to a fresh connection before the server's
age limit ends it: the next connection is opened and sent the next sentence while the old one's audio still
arrives; what the new one says is held back until the old one's audio has all come, and the old one is closed
once the new one has answered. The join has no gap, and nothing is heard twice.
"""

from __future__ import annotations

import enum
import threading
from collections import deque
from dataclasses import dataclass
from typing import Callable

from core import protocol
from core.pcm import WholeSamples
from core.session import Closure, ClosureKind, Session

# What a new connection may say before it is let through: one span's audio, which the sender keeps to a
# sentence or two. More than this is a broken server, and the handover is treated as a failed connection.
MAX_HELD_BYTES = 32 * 1024 * 1024
# The handover starts this long before the age limit (at most a minute, and a quarter of the limit when the
# limit is short, as in the tests): time for the old connection to send the audio it owes.
MAX_HANDOVER_SECONDS = 60.0


def rollover_age(max_age: float) -> float:
    """The connection age at which a reading starts moving to a new connection."""
    return max_age - min(MAX_HANDOVER_SECONDS, max_age / 4)


class RouteState(enum.Enum):
    HOLD = "hold"  # kept, in order, until let through
    PASS = "pass"  # handed on at once
    SHUT = "shut"  # dropped: the connection was retired or abandoned


class Route:
    """Where one connection's audio (in whole samples) and events go. Thread-safe: the connection's receive
    thread delivers, and any thread may let the held messages through (in order, before any later one) or shut
    the route."""

    def __init__(self, on_audio: Callable[[bytes], None], on_event: Callable[[protocol.ServerEvent], None],
                 state: RouteState = RouteState.PASS, on_answer: Callable[[], None] | None = None,
                 sample_bytes: int = 2) -> None:
        self._whole_samples = WholeSamples(sample_bytes)
        self._on_audio = on_audio
        self._on_event = on_event
        self._on_answer = on_answer  # called once, on the connection's first audio (outside the route's lock)
        self._state = state
        self._lock = threading.RLock()
        self._held: deque[bytes | protocol.ServerEvent] = deque()
        self._held_bytes = 0
        self.answered = False
        self.overflowed = False

    def audio(self, data: bytes) -> None:
        with self._lock:
            first = not self.answered
            self.answered = True
            data = self._whole_samples.take(data)
            if data:
                self._deliver(data)
        if first and self._on_answer is not None:
            self._on_answer()

    def event(self, event: protocol.ServerEvent) -> None:
        with self._lock:
            self._deliver(event)

    def _deliver(self, message: bytes | protocol.ServerEvent) -> None:
        if self._state is RouteState.PASS:
            self._pass(message)
        elif self._state is RouteState.HOLD:
            if isinstance(message, bytes):
                self._held_bytes += len(message)
                if self._held_bytes > MAX_HELD_BYTES:
                    self.overflowed = True
                    self.shut()
                    return
            self._held.append(message)

    def _pass(self, message: bytes | protocol.ServerEvent) -> None:
        if isinstance(message, bytes):
            self._on_audio(message)
        else:
            self._on_event(message)

    def open(self) -> None:
        """Let the held messages through, then pass everything at once."""
        with self._lock:
            if self._state is not RouteState.HOLD:
                return
            while self._held:
                self._pass(self._held.popleft())
            self._held_bytes = 0
            self._state = RouteState.PASS

    def shut(self) -> None:
        """Drop everything from now on (what is held too). Once this returns, nothing more is delivered."""
        with self._lock:
            self._state = RouteState.SHUT
            self._held.clear()
            self._held_bytes = 0


@dataclass
class Handover:
    """A reading moving from `old` to a new connection, whose messages come through `new_route`. Its decisions
    are made under the reader's lock (`advance`) and carried out outside it, as the routes deliver to the reader."""

    old: Session
    old_route: Route
    new_route: Route
    owed_spans: int  # the old connection owes the audio of the spans before this one
    connected: bool = False  # the new connection is open
    released: bool = False  # the old connection's audio all came: the new one's is let through

    def advance(self, spans_done: int) -> tuple[bool, bool]:
        """(Let the new connection's messages through now, the handover is over) with `spans_done` spans' audio
        all arrived. Once the old connection owes nothing it has given way; once the new one has answered too,
        the old one is closed."""
        release = self.connected and not self.released and spans_done >= self.owed_spans
        if release:
            self.released = True
        return release, self.released and self.new_route.answered

    def carry_out(self, release: bool, over: bool) -> None:
        if release:
            self.old_route.shut()
            self.new_route.open()
        if over:
            self.old.close()

    def failure(self) -> Closure | None:
        """Why the handover failed, if it did: the old connection ended before its audio all came, or the new
        one said far more than it was asked."""
        if self.new_route.overflowed:
            return Closure(ClosureKind.BROKEN, message="the new connection sent more audio than its text makes")
        closure = self.old.closure
        if closure is not None and not self.released:
            return closure
        return None

    def end(self) -> Closure | None:
        """The reading's connection ended during the handover: nothing more comes through either connection.
        Returns why the handover failed, if it did (then that is why the reading's connection ended)."""
        failure = self.failure()
        self.old_route.shut()
        self.new_route.shut()
        if self.released:
            self.old.close()
        else:
            self.old.abort()
            self.old.wait(2)
        return failure
