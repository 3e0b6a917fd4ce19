"""Faults the offline server can be told to make (`serve --fault ...`), off by default: for the tests, and for
anyone who wants to hear a reading survive a dropped connection, a server error or the connection age limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

FAULT_HELP = """\
drop-after-bytes=N      cut each connection (no close frame) after N bytes of audio
stall-after-bytes=N     send nothing more on a connection after N bytes of audio (it stays open)
close=CODE:REASON@Ts    close each connection with CODE and REASON T seconds after it opened
                        (e.g. close=1011:NET-0001@5s)
max-age=Ts              close each connection T seconds after it opened with 1011 NET-0003, as Deepgram
                        does at 60 minutes
refuse=STATUS[:retry-after=S][:times=N]
                        answer the first N handshakes (default 1; 0: all) with HTTP STATUS
                        (e.g. refuse=429:retry-after=1)
garbage                 after each Flushed, send a frame that is not JSON and a message of an unknown type"""


class FaultError(ValueError):
    pass


@dataclass(frozen=True)
class Faults:
    drop_after_bytes: int | None = None
    stall_after_bytes: int | None = None
    close_code: int | None = None
    close_reason: str = ""
    close_after: float | None = None  # seconds from the connection's opening
    refuse_status: int | None = None
    refuse_retry_after: float | None = None
    refuse_times: int = 1  # 0: every handshake
    garbage: bool = False

    @property
    def any(self) -> bool:
        return self != Faults()


_SECONDS = r"(\d+(?:\.\d+)?)s?"


def parse_faults(specs: list[str] | tuple[str, ...]) -> Faults:
    """Faults from `--fault` values. Raises FaultError naming the one it cannot read."""
    faults = Faults()
    for spec in specs:
        name, _, value = spec.strip().partition("=")
        try:
            faults = _add(faults, name, value)
        except (ValueError, AttributeError):
            raise FaultError(f"cannot read --fault {spec!r}: `serve --help` lists the forms") from None
    return faults


def _add(faults: Faults, name: str, value: str) -> Faults:
    if name == "drop-after-bytes":
        return replace(faults, drop_after_bytes=_count(value))
    if name == "stall-after-bytes":
        return replace(faults, stall_after_bytes=_count(value))
    if name == "close":
        match = re.fullmatch(r"(\d{4}):([^@]*)@" + _SECONDS, value)
        code = int(match.group(1))
        if not 1000 <= code <= 4999:
            raise ValueError(value)
        return replace(faults, close_code=code, close_reason=match.group(2)[:120], close_after=float(match.group(3)))
    if name == "max-age":
        seconds = float(re.fullmatch(_SECONDS, value).group(1))
        return replace(faults, close_code=1011, close_reason="NET-0003: the connection reached its maximum age",
                       close_after=seconds)
    if name == "refuse":
        status, *options = value.split(":")
        code = int(status)
        if not 400 <= code <= 599:
            raise ValueError(value)
        faults = replace(faults, refuse_status=code)
        for option in options:
            key, _, number = option.partition("=")
            if key == "retry-after":
                faults = replace(faults, refuse_retry_after=float(re.fullmatch(_SECONDS, number).group(1)))
            elif key == "times":
                faults = replace(faults, refuse_times=_count(number, minimum=0))
            else:
                raise ValueError(option)
        return faults
    if name == "garbage" and not value:
        return replace(faults, garbage=True)
    raise ValueError(name)


def _count(value: str, minimum: int = 1) -> int:
    number = int(value)
    if number < minimum:
        raise ValueError(value)
    return number
