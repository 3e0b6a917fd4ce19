"""Rate limits of the protocol, counted the same way on both sides: characters and flushes per window (and,
for the client, the connection age at which a reading moves to a new connection).

The server uses `SlidingWindow` to enforce a limit; the client uses it, with a safety margin, to stay
under one, and `FlushBudget` to spread its flushes so that short sentences never trip the flush limit.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from core import protocol

Clock = Callable[[], float]


class SlidingWindow:
    """How much was used in the last `window` seconds, and how long until `amount` more fits."""

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        if limit <= 0 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._log: deque[tuple[float, int]] = deque()
        self._used = 0

    def _expire(self, now: float) -> None:
        while self._log and self._log[0][0] <= now - self.window:
            self._used -= self._log.popleft()[1]

    def used(self) -> int:
        self._expire(self._clock())
        return self._used

    def delay(self, amount: int) -> float:
        """Seconds to wait before `amount` can be added without passing the limit (0 if it fits now)."""
        if amount > self.limit:
            raise ValueError(f"{amount} can never fit in a limit of {self.limit}")
        now = self._clock()
        self._expire(now)
        excess = self._used + amount - self.limit
        if excess <= 0:
            return 0.0
        freed = 0
        for stamp, size in self._log:
            freed += size
            if freed >= excess:
                return max(0.0, stamp + self.window - now)
        return self.window  # unreachable while amount <= limit

    def add(self, amount: int) -> bool:
        """Record `amount`; False (and nothing recorded) if it would pass the limit."""
        now = self._clock()
        self._expire(now)
        if self._used + amount > self.limit:
            return False
        self._log.append((now, amount))
        self._used += amount
        return True


class FlushBudget:
    """A token bucket for Flush messages: `burst` at once, then `rate` per second.

    With burst + rate * window <= the server's limit, no sliding window can ever see too many flushes,
    and after the first few the flushes are spread out rather than spent in a burst followed by a long
    wait, which would leave the listener in silence.
    """

    def __init__(self, burst: float, rate: float, clock: Clock = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return now

    def delay(self) -> float:
        self._refill()
        return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        """Record a flush. One sent early leaves a debt that later delays pay back."""
        self._refill()
        self._tokens -= 1


@dataclass(frozen=True)
class Limits:
    """The limits a client paces itself by. `None` means the endpoint has no such limit."""

    chars_per_window: int | None = protocol.CHARS_PER_MINUTE
    flushes_per_window: int | None = protocol.FLUSHES_PER_MINUTE
    window: float = protocol.RATE_WINDOW_SECONDS
    # A reading moves to a fresh connection before this age (seconds), so the server's limit never ends it.
    max_connection_age: float | None = protocol.MAX_CONNECTION_SECONDS

    @classmethod
    def unlimited(cls) -> "Limits":
        return cls(None, None, max_connection_age=None)


# The client keeps a margin under the server's limits: the server counts on its own clock, after
# network jitter, so two sends just over a window apart here may be just under one there.
CHAR_MARGIN = 0.95
WINDOW_MARGIN = 1.02
FLUSH_BURST = 3


class Pacer:
    """The client side of the limits: when the next Speak of n characters, or the next Flush, may go."""

    def __init__(self, limits: Limits, clock: Clock = time.monotonic) -> None:
        self._chars = None
        self._flushes = None
        window = limits.window * WINDOW_MARGIN
        if limits.chars_per_window is not None:
            self._chars = SlidingWindow(int(limits.chars_per_window * CHAR_MARGIN), window, clock)
        if limits.flushes_per_window is not None:
            if limits.flushes_per_window < 4:
                raise ValueError("a flush limit below 4 per window leaves no room to pace by")
            allowed = limits.flushes_per_window - 2  # margin, as above
            burst = min(FLUSH_BURST, allowed // 2)
            self._flushes = FlushBudget(burst, (allowed - burst) / window, clock)

    @property
    def max_speak_chars(self) -> int:
        limit = protocol.MAX_SPEAK_CHARS
        return min(limit, self._chars.limit) if self._chars is not None else limit

    def speak_delay(self, chars: int) -> float:
        return self._chars.delay(chars) if self._chars is not None else 0.0

    def note_speak(self, chars: int) -> None:
        if self._chars is not None:
            self._chars.add(chars)

    def flush_delay(self) -> float:
        return self._flushes.delay() if self._flushes is not None else 0.0

    def note_flush(self) -> None:
        if self._flushes is not None:
            self._flushes.take()
