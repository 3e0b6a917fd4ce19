"""The /v1/speak wire protocol: typed client messages, server events, and what close codes mean.

Parsing happens here, at the edge; everything past this module works with the dataclasses.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Union

# Limits from the protocol (shared/protocol.md).
MAX_SPEAK_CHARS = 2000
CHARS_PER_MINUTE = 2400
FLUSHES_PER_MINUTE = 20
RATE_WINDOW_SECONDS = 60.0
MAX_CONNECTION_SECONDS = 3600.0  # then the server closes with 1011 NET-0003

NORMAL_CLOSURE = 1000
EXCESSIVE_FLUSH = "EXCESSIVE_FLUSH"  # the Warning code for a Flush the server ignored


# --- client -> server -------------------------------------------------------------------------

@dataclass(frozen=True)
class Speak:
    text: str

    def to_json(self) -> str:
        return json.dumps({"type": "Speak", "text": self.text})


@dataclass(frozen=True)
class Flush:
    def to_json(self) -> str:
        return '{"type": "Flush"}'


@dataclass(frozen=True)
class Clear:
    def to_json(self) -> str:
        return '{"type": "Clear"}'


@dataclass(frozen=True)
class Close:
    def to_json(self) -> str:
        return '{"type": "Close"}'


ClientMessage = Union[Speak, Flush, Clear, Close]


# --- server -> client -------------------------------------------------------------------------

@dataclass(frozen=True)
class Metadata:
    request_id: str
    model_name: str = ""
    model_version: str = ""
    model_uuid: str = ""


@dataclass(frozen=True)
class Flushed:
    sequence_id: int


@dataclass(frozen=True)
class Cleared:
    sequence_id: int


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the protocol's own name for it
    description: str
    code: str = ""


@dataclass(frozen=True)
class Error:
    """A text frame the client could not make sense of (bad JSON, missing or mistyped field)."""

    description: str
    raw: str = ""


@dataclass(frozen=True)
class Unknown:
    """A well-formed message of a type this client does not know yet; tolerated, never fatal."""

    type: str
    payload: dict[str, Any] = field(default_factory=dict)


ServerEvent = Union[Metadata, Flushed, Cleared, Warning, Error, Unknown]

_RAW_PREVIEW = 200


def shown(text: str, limit: int = _RAW_PREVIEW) -> str:
    """What a server said, fit to show: control and format characters (line breaks, escape sequences,
    bidirectional overrides) dropped, and at most `limit` characters."""
    cut = len(text) > 4 * limit
    text = text[: 4 * limit]  # what follows would be cut anyway: a huge message costs no more than a short one
    if not text.isprintable():
        text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    return text[:limit] + "…" if cut or len(text) > limit else text


def _str_field(payload: dict[str, Any], name: str, default: str | None = None) -> str:
    value = payload.get(name, default)
    if not isinstance(value, str):
        raise ValueError(f"field {name!r} should be a string, got {type(value).__name__}")
    return shown(value)


def _int_field(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    # bool is an int subclass in Python; the protocol never sends one here.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"field {name!r} should be an integer, got {type(value).__name__}")
    return value


def parse_server_text(raw: str) -> ServerEvent:
    """Turn one server text frame into an event. Never raises."""
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return Error(f"server sent invalid JSON: {exc}", shown(raw))
    if not isinstance(payload, dict):
        return Error("server sent JSON that is not an object", shown(raw))
    kind = payload.get("type")
    if not isinstance(kind, str):
        return Error("server message has no 'type'", shown(raw))
    try:
        if kind == "Metadata":
            return Metadata(
                request_id=_str_field(payload, "request_id"),
                model_name=_str_field(payload, "model_name", ""),
                model_version=_str_field(payload, "model_version", ""),
                model_uuid=_str_field(payload, "model_uuid", ""),
            )
        if kind == "Flushed":
            return Flushed(_int_field(payload, "sequence_id"))
        if kind == "Cleared":
            return Cleared(_int_field(payload, "sequence_id"))
        if kind == "Warning":
            # The spec says description/code; the live server has sent warn_msg/warn_code.
            description = payload.get("description", payload.get("warn_msg"))
            code = payload.get("code", payload.get("warn_code", ""))
            if not isinstance(description, str):
                description = "" if description is None else str(description)
            if not isinstance(code, str):
                code = str(code)
            return Warning(shown(description) or "(no description)", shown(code, 60))
    except ValueError as exc:
        return Error(f"malformed {shown(kind, 60)} message: {exc}", shown(raw))
    return Unknown(kind, payload)


def parse_client_text(raw: str) -> ClientMessage:
    """Parse a client text frame (the server side's edge). Raises ValueError with a reason."""
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise ValueError("message is not a JSON object")
    kind = payload.get("type")
    if kind == "Speak":
        text = payload.get("text")
        if not isinstance(text, str):
            raise ValueError("Speak needs a string 'text'")
        return Speak(text)
    if kind == "Flush":
        return Flush()
    if kind == "Clear":
        return Clear()
    if kind == "Close":
        return Close()
    raise ValueError(f"unknown message type {kind!r}")


# --- closing ------------------------------------------------------------------------------------

CLOSE_CODE_NAMES = {
    1000: "Normal Closure",
    1001: "Going Away",
    1002: "Protocol Error",
    1003: "Unsupported Data",
    1006: "Abnormal Closure",
    1007: "Invalid Payload",
    1008: "Policy Violation",
    1009: "Message Too Big",
    1011: "Internal Error",
    1012: "Service Restart",
    1013: "Try Again Later",
}

# Deepgram's codes, from its TTS troubleshooting page, as sentences a listener can act on.
DEEPGRAM_CODE_SENTENCES = {
    "MESSAGE-0000": "The server refused a frame type it does not accept.",
    "DATA-0000": "The server could not understand a message it was sent.",
    "DATA-0001": "Text was sent faster than the service allows (2400 characters a minute).",
    "BIG-0000": "A message was too large for the server.",
    "BIG-0001": "A piece of text was longer than 2000 characters.",
    "NET-0000": "The speech service had an internal error. Try again.",
    "NET-0001": "The connection was idle for too long and the server closed it.",
    "NET-0002": "The speech service failed to send audio. Try again.",
    "NET-0003": "The connection reached its 60-minute limit; reading can continue on a new one.",
}

CLOSE_CODE_SENTENCES = {
    1000: "The session ended normally.",
    1001: "The server is going away.",
    1003: "The server refused a frame type it does not accept.",
    1008: "The server refused a message.",
    1009: "A message was too large for the server.",
    1011: "The speech service had an error. Try again.",
    1012: "The speech service is restarting. Try again shortly.",
    1013: "The speech service is busy. Try again later.",
}


def deepgram_code_in(reason: str) -> str:
    """Deepgram puts its error code (e.g. DATA-0001) somewhere in the close reason."""
    for code in DEEPGRAM_CODE_SENTENCES:
        if code in reason:
            return code
    return ""


def describe_close(code: int | None, reason: str) -> str:
    """A short sentence for a close frame, for the status bar and the command line."""
    if code is None:
        return "The connection was lost without a close frame (network failure)."
    dg = deepgram_code_in(reason)
    if dg:
        return DEEPGRAM_CODE_SENTENCES[dg]
    return CLOSE_CODE_SENTENCES.get(code, "The server closed the connection.")
