"""How a chosen listening speed (0.5x-4x) is reached for each voice, decided here for every face: the voice's
own speed first (Aura-2's `speed`, 0.7-1.5; the offline voice's eSpeak rate, all of it), then a pitch-kept
speed change on this computer for the rest (core/audio/speed_chain.py); and when pauses shrink more than speech.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.options import SPEED_RANGE, OptionError, is_aura2

MIN_SPEED, MAX_SPEED = 0.5, 4.0
STEP = 0.1  # what Faster and Slower change it by
SMART_ABOVE = 1.5  # "shorter pauses" applies above this speed


@dataclass(frozen=True)
class SpeedPlan:
    speed: float  # what the user chose
    server: float  # the voice's own speed: the `speed` query parameter (1.0: none is sent)
    smart_pauses: bool  # pauses are shortened more than speech

    @property
    def client(self) -> float:
        """The speed change made here, on the audio received."""
        return self.speed / self.server

    def changed_to(self, speed: float, smart: bool) -> SpeedPlan:
        """The plan for a new speed during a reading: the server keeps the speed it was asked for (a new one
        would need a new connection), and this computer makes up the difference at once."""
        check(speed)
        return SpeedPlan(speed, self.server, smart and speed > SMART_ABOVE)


def check(speed: float) -> float:
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise OptionError(f"speed {speed:g} is outside {MIN_SPEED:g}-{MAX_SPEED:g}")
    return speed


def plan(speed: float, model: str, offline: bool, smart: bool = True) -> SpeedPlan:
    """offline: the embedded voice, whose eSpeak rate reaches every speed itself (and sounds better so than
    stretched). Aura-2 voices take what they can (0.7-1.5), Aura-1 voices none."""
    speed = round(check(speed), 2)
    if offline:
        server = speed
    elif is_aura2(model):
        low, high = SPEED_RANGE
        server = round(min(high, max(low, speed)), 2)
    else:
        server = 1.0
    return SpeedPlan(speed, server, smart and speed > SMART_ABOVE)


def describe(speed: float) -> str:
    """How the speed is said: in the status bar and the spin box's accessible text."""
    return f"{speed:.1f}×" if round(speed, 1) == round(speed, 2) else f"{speed:.2f}×"


def self_check() -> tuple[bool, str]:
    """For `--self-test`: what listening faster than a voice's own speed needs, Sonic in the eSpeak NG library
    shipped, changes 1 s of a tone at 2x to half a second."""
    import math
    import struct

    from core.audio.sonic import SonicError
    from core.audio.speed_chain import SpeedChain

    rate = 24000
    tone = struct.pack(f"<{rate}h", *(int(8000 * math.sin(2 * math.pi * 150 * i / rate)) for i in range(rate)))
    try:
        chain = SpeedChain(rate, 2.0)
        out = len(chain.feed(tone) + chain.finish()) // 2
    except SonicError as exc:
        return False, f"speed change: {exc}"
    return abs(out - rate / 2) < rate * 0.02, f"speed change (Sonic): 1 s at 2x lasts {out / rate:.2f} s"
