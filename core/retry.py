"""Which failures a reading survives by reconnecting, and how long it waits between tries: one table for every
face (the window, the command line, Save Audio)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, TypeVar

from core.handshake import ConnectError
from core.session import Closure, ClosureKind

# Close codes (after the handshake), and whether reconnecting can help.
RETRYABLE_CLOSE_CODES = {
    1001: "the server is going away (a restart or a deploy): another server takes the new connection",
    1006: "the connection ended abnormally: a network failure",
    1011: "an internal error, an idle timeout (NET-0001) or the 60-minute limit (NET-0003): a new connection "
          "starts afresh",
    1012: "the service is restarting",
    1013: "the service is busy: try again later",
    1014: "a gateway had a bad answer from the server behind it",
}
FINAL_CLOSE_CODES = {
    1002: "the client broke the protocol: sending the same again would break it again",
    1003: "the server does not accept a kind of frame the client sent (MESSAGE-0000)",
    1007: "the server found a message that is not valid UTF-8: it would be sent again",
    1008: "the server refused a message (DATA-0000 invalid, DATA-0001 too fast): the same text would be refused",
    1009: "a message was too large (BIG-0000, BIG-0001): the same message would be too large again",
}
# Handshake failures, by ConnectError.kind.
RETRYABLE_CONNECT_KINDS = {
    "dns": "the name did not resolve: the network may be coming back (a laptop waking, Wi-Fi joining)",
    "refused": "nothing listens there now: a server restarting",
    "timeout": "no answer: the network may be coming back",
    "network": "the connection failed on its way: the network may be coming back",
    "server": "HTTP 5xx: the service had a problem",
    "rate_limited": "HTTP 429: too many requests at once; wait as long as Retry-After says",
}
FINAL_CONNECT_KINDS = {
    "auth": "HTTP 401/402: the key was refused or the account has no credit",
    "forbidden": "HTTP 403: this key may not use text-to-speech",
    "bad_request": "HTTP 400/404: a setting or the address is wrong",
    "http": "another HTTP status: not something waiting would change",
    "redirect": "the server pointed elsewhere: Aloud does not follow redirects",
    "tls": "the secure connection failed: retrying would not make an untrusted certificate trusted",
    "unavailable": "the offline voice could not start",
    "cancelled": "the user stopped the reading",
}


def closure_is_retryable(closure: Closure) -> bool:
    """Whether a connection that ended this way, before the reading was done, is worth opening again."""
    if closure.kind in (ClosureKind.DROPPED, ClosureKind.TIMEOUT):
        return True  # the network went, or the server fell silent
    if closure.kind is ClosureKind.SERVER_ERROR:
        return closure.code in RETRYABLE_CLOSE_CODES
    if closure.kind is ClosureKind.NORMAL:
        return True  # a 1000 before the reading was done and before Aloud asked to close: start again
    return False  # BROKEN (a hostile or broken server), UNCONFIRMED (Aloud was closing)


# Of those, the ones worth waiting for when a reading has not started yet: the server answered that it is busy or
# failing. A server that cannot be reached at all is said at once (Deepgram's readings go to the offline voice
# instead): the user is waiting for the first words, and a wrong address or a stopped server is the likely cause.
RETRYABLE_AT_START = {"server", "rate_limited"}


def error_is_retryable(error: ConnectError, started: bool = True) -> bool:
    """Whether a failed handshake is worth another try; `started`: the reading had a connection before."""
    return error.kind in (RETRYABLE_CONNECT_KINDS if started else RETRYABLE_AT_START)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: the first try within `first` seconds, each wait up to twice the last, at
    most `cap`, and no try that would start after `budget` seconds of trying."""

    first: float = 0.5
    cap: float = 8.0
    budget: float = 120.0  # seconds from the failure; said to the user

    def delay(self, attempt: int, retry_after: float | None = None, rand: Callable[[], float] = random.random) -> float:
        """How long to wait before try number `attempt` (1, 2, ...). Retry-After, when the server sent one, wins."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.cap, self.first * 2 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * rand()) if attempt > 1 else self.first * rand()


@dataclass(frozen=True)
class Reconnecting:
    """The connection failed; the reading will try again after `delay` seconds."""

    attempt: int
    reason: str  # what failed, as said to the user
    delay: float
    budget_left: float

    def __str__(self) -> str:
        reason = self.reason if self.reason.endswith(".") else self.reason + "."
        return f"Reconnecting (attempt {self.attempt})... {reason} Trying for up to {self.budget_left:.0f} s more."


@dataclass(frozen=True)
class Reconnected:
    """A new connection took over the reading, `seconds` after the old one failed."""

    seconds: float
    attempts: int

    def __str__(self) -> str:
        return f"Reconnected after {self.seconds:.1f} s"


ConnectionEvent = Reconnecting | Reconnected
T = TypeVar("T")


class GaveUp(Exception):
    """Reconnecting failed for good: the last closure or connection error is the reading's result."""

    def __init__(self, last: Closure | ConnectError) -> None:
        super().__init__(str(last))
        self.closure = last if isinstance(last, Closure) else None
        self.error = last if isinstance(last, ConnectError) else None


class Reconnector:
    """One reading's reconnects: the tries after each failure, spaced by the policy, and what the user is told.

    A failure that comes before the reading made any progress on the new connection continues the same outage
    (its clock and its attempts), so that a fault that recurs at once cannot retry for ever."""

    def __init__(self, policy: RetryPolicy, tell: Callable[[ConnectionEvent], None],
                 clock: Callable[[], float]) -> None:
        self.policy = policy
        self._tell = tell
        self._clock = clock
        self.reconnects = 0  # new connections that took the reading over
        self._outage_started: float | None = None
        self._attempts = 0
        self._progress_at_reconnect = -1

    def reconnect(
        self,
        failure: Closure | ConnectError,
        open_session: Callable[[], T | None],
        wait: Callable[[float], bool],
        progress: int,
        started: bool,
    ) -> T | None:
        """Open a new connection after `failure` with `open_session` (which raises ConnectError), waiting with
        `wait(seconds)` (False: stopped) between tries. `progress`: how far the reading has got (spans done);
        `started`: the reading had a connection before. None when stopped; raises GaveUp when a failure is
        final or the budget is spent."""
        if progress > self._progress_at_reconnect or self._outage_started is None:
            self._outage_started, self._attempts = self._clock(), 0
        began = self._outage_started
        last = failure
        while True:
            self._attempts += 1
            delay = self.policy.delay(self._attempts, getattr(last, "retry_after", None))
            spent = self._clock() - began
            if spent + delay > self.policy.budget:
                raise GaveUp(last)
            self._tell(Reconnecting(self._attempts, str(last), delay, self.policy.budget - spent))
            if not wait(delay):
                return None
            try:
                session = open_session()
            except ConnectError as exc:
                if exc.kind == "cancelled":
                    return None
                if not error_is_retryable(exc, started):
                    raise GaveUp(exc) from None
                last = exc
                continue
            if session is not None:
                self.reconnects += 1
                self._progress_at_reconnect = progress
                self._tell(Reconnected(self._clock() - began, self._attempts))
            return session
