"""Speak options (the streaming query parameters), their validation, and the connection URL."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

DEEPGRAM_BASE_URL = "wss://api.deepgram.com"
SPEAK_PATH = "/v1/speak"
DEFAULT_MODEL = "aura-2-thalia-en"

ENCODINGS = ("linear16", "mulaw", "alaw")
SAMPLE_RATES = {
    "linear16": (8000, 16000, 24000, 32000, 44100, 48000),
    "mulaw": (8000, 16000),
    "alaw": (8000, 16000),
}
DEFAULT_SAMPLE_RATE = {"linear16": 24000, "mulaw": 8000, "alaw": 8000}
SPEED_RANGE = (0.7, 1.5)  # Aura-2's `speed`
OFFLINE_SPEED_RANGE = (0.5, 4.0)  # the offline voice's (core/speed.py reaches 0.5-4 on every voice)

_MODEL_RE = re.compile(r"^aura-(?:2-[a-z]+-[a-z]{2}|[a-z]+-en)$")


class OptionError(ValueError):
    """A speak option has a value the protocol does not allow; the message names it."""


def is_aura2(model: str) -> bool:
    return model.startswith("aura-2-")


@dataclass(frozen=True)
class SpeakOptions:
    model: str = DEFAULT_MODEL
    encoding: str = "linear16"
    sample_rate: int | None = None  # None: the encoding's default
    speed: float = 1.0
    mip_opt_out: bool = False

    @property
    def rate(self) -> int:
        return self.sample_rate if self.sample_rate is not None else DEFAULT_SAMPLE_RATE[self.encoding]

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.encoding == "linear16" else 1

    def validate(self, offline: bool = False) -> "SpeakOptions":
        """offline: the rules of the embedded offline voice, whose `speed` is eSpeak's rate: 0.5-4 for any voice."""
        if not _MODEL_RE.match(self.model):
            raise OptionError(
                f"model {self.model!r} is not an Aura voice name "
                "(expected aura-2-<voice>-<language> or aura-<voice>-en)"
            )
        if self.encoding not in ENCODINGS:
            raise OptionError(
                f"encoding {self.encoding!r} is not available for streaming "
                f"(choose one of {', '.join(ENCODINGS)})"
            )
        allowed = SAMPLE_RATES[self.encoding]
        if self.sample_rate is not None and self.sample_rate not in allowed:
            raise OptionError(
                f"sample rate {self.sample_rate} is not available for {self.encoding} "
                f"(choose one of {', '.join(map(str, allowed))})"
            )
        low, high = OFFLINE_SPEED_RANGE if offline else SPEED_RANGE
        if not (low <= self.speed <= high):
            raise OptionError(f"speed {self.speed:g} is outside {low:g}-{high:g}")
        if self.speed != 1.0 and not is_aura2(self.model) and not offline:
            raise OptionError(
                f"speed {self.speed:g} is documented only for Aura-2 voices, not {self.model!r}"
            )
        return self

    def query(self) -> dict[str, str]:
        params = {"model": self.model, "encoding": self.encoding, "sample_rate": str(self.rate)}
        if self.speed != 1.0:
            params["speed"] = f"{self.speed:g}"
        if self.mip_opt_out:
            params["mip_opt_out"] = "true"
        return params


def normalize_base_url(base_url: str) -> str:
    """Accept ws/wss/http/https base URLs (with or without /v1/speak) and return a ws(s) base."""
    text = base_url.strip()
    if "://" not in text:
        raise OptionError(f"endpoint {base_url!r} needs a scheme, e.g. wss://host or ws://host:port")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unclosed [ in an IPv6 address
        raise OptionError(f"endpoint {base_url!r} is not a valid URL ({exc})") from None
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme.lower(), parts.scheme.lower())
    if scheme not in ("ws", "wss"):
        raise OptionError(f"endpoint {base_url!r} must use ws://, wss://, http:// or https://")
    if not parts.hostname:
        raise OptionError(f"endpoint {base_url!r} has no host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise OptionError(f"endpoint {base_url!r} has an invalid port") from None
    path = parts.path.rstrip("/")
    if path.endswith(SPEAK_PATH):
        path = path[: -len(SPEAK_PATH)]
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def speak_url(base_url: str, options: SpeakOptions, path: str = SPEAK_PATH, *, offline: bool = False) -> str:
    """offline: the URL of the embedded offline voice, which takes the speeds core/speed.py gives it."""
    base = normalize_base_url(base_url)
    return f"{base}{path}?{urlencode(options.validate(offline=offline).query())}"


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def may_send_key(url: str, allow_insecure: bool = False) -> bool:
    """The key goes only over TLS or to this machine, unless the user explicitly allowed otherwise."""
    parts = urlsplit(url)
    return parts.scheme == "wss" or is_loopback_host(parts.hostname) or allow_insecure
