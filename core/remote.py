"""Commands for the running Aloud from another process (`aloud read-selection`, a key bound to it): what a
request is, how it travels (one JSON line each way), and where the running instance listens (a per-user local
socket: a Unix socket in the user's runtime folder, a named pipe on Windows; never a network port).
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import struct
import sys
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

INSTANCE_ENV = "ALOUD_INSTANCE"  # another address for this user's instance (tests, a second profile)
MAX_REQUEST_BYTES = 1_000_000  # `read-text` carries text: a command line holds at most 128 KB an argument
MAX_REPLY_BYTES = 4096
REQUEST_TIMEOUT = 3.0  # seconds a client has to send its whole request
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Action(Enum):
    READ_SELECTION = "read-selection"  # the primary selection where there is one, else the clipboard
    READ_CLIPBOARD = "read-clipboard"
    READ_FILE = "read"  # open a file and read it from the start
    READ_TEXT = "read-text"
    PAUSE = "pause"  # pause, or resume when paused
    STOP = "stop"
    SHOW = "show"
    QUIT = "quit"
    OPEN = "open"  # `aloud FILE` while Aloud runs: the running window opens it (and is shown)


TAKES_ARGUMENT = {Action.READ_FILE, Action.READ_TEXT, Action.OPEN}
# On Wayland the command reads the selection itself (core/wayland_clipboard.py) and carries its text.
MAY_CARRY_TEXT = {Action.READ_SELECTION, Action.READ_CLIPBOARD}


class RequestError(ValueError):
    """A request that is not one: `str()` says why, for the client's reply."""


@dataclass(frozen=True)
class Request:
    action: Action
    argument: str = ""  # the file (an absolute path), the text, or the selection's text read by the command


@dataclass(frozen=True)
class Reply:
    ok: bool
    message: str = ""  # what the running Aloud did, or why it did not


def encode_request(request: Request) -> bytes:
    data = (json.dumps({"action": request.action.value, "argument": request.argument}, ensure_ascii=False) + "\n").encode("utf-8")
    if len(data) > MAX_REQUEST_BYTES:
        raise RequestError(f"the request is larger than {MAX_REQUEST_BYTES // 1000} KB")
    return data


def decode_request(line: bytes) -> Request:
    """Parse one request line; anything but a well-formed request raises RequestError."""
    if len(line) > MAX_REQUEST_BYTES:
        raise RequestError("the request is too large")
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RequestError("the request is not a JSON line") from None
    if not isinstance(message, dict) or not isinstance(message.get("action"), str):
        raise RequestError("the request names no action")
    try:
        action = Action(message["action"])
    except ValueError:
        raise RequestError(f"unknown action {_printable(message['action'])!r}") from None
    argument = message.get("argument", "")
    if not isinstance(argument, str):
        raise RequestError("the argument is not text")
    if action in TAKES_ARGUMENT and not argument.strip():
        raise RequestError(f"{action.value} needs {'text' if action is Action.READ_TEXT else 'a file'}")
    if action in (Action.READ_FILE, Action.OPEN) and not os.path.isabs(argument):
        raise RequestError("the file must be given as an absolute path")
    return Request(action, argument if action in TAKES_ARGUMENT | MAY_CARRY_TEXT else "")


def encode_reply(reply: Reply) -> bytes:
    return (json.dumps({"ok": reply.ok, "message": reply.message[:1000]}) + "\n").encode("utf-8")


def decode_reply(line: bytes) -> Reply:
    try:
        message = json.loads(line.decode("utf-8"))
        return Reply(bool(message["ok"]), _printable(str(message.get("message", ""))))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise RequestError("the running Aloud's reply is not one") from None


def _printable(text: str) -> str:
    return _CONTROL.sub("", text)[:200]


def instance_address() -> str:
    """Where this user's running Aloud listens: a full socket path (Unix) or a pipe name (Windows)."""
    override = os.environ.get(INSTANCE_ENV)
    if override:
        return override
    if sys.platform == "win32":
        return f"aloud-{re.sub(r'[^A-Za-z0-9_.-]', '_', getpass.getuser())}"
    # The runtime folder is the user's alone (0700); /tmp is everyone's, so the socket's name carries the uid
    # and the server makes the socket the user's alone.
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = runtime if runtime and os.path.isdir(runtime) else tempfile.gettempdir()
    return str(Path(folder) / f"aloud-{os.getuid()}.sock")


class NoInstance(OSError):
    """No Aloud is listening at the address."""


def send(request: Request, address: str | None = None, timeout: float = 10.0) -> Reply:
    """Deliver `request` to the running Aloud and wait for its reply. Raises NoInstance when none runs,
    OSError (a timeout among them) when it does not answer, RequestError for a reply that is not one."""
    address = address or instance_address()
    data = encode_request(request)
    if sys.platform == "win32":
        return _send_pipe(address, data)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        try:
            client.connect(address)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NoInstance(f"no Aloud is running at {address}") from None
        client.sendall(data)
        return decode_reply(_read_line(client.recv, MAX_REPLY_BYTES))


def _send_pipe(name: str, data: bytes) -> Reply:  # pragma: no cover - Windows
    path = rf"\\.\pipe\{name}"
    try:
        pipe = open(path, "r+b", buffering=0)
    except FileNotFoundError:
        raise NoInstance(f"no Aloud is running at {path}") from None
    with pipe:
        pipe.write(data)
        return decode_reply(_read_line(pipe.read, MAX_REPLY_BYTES))


def _read_line(receive, limit: int) -> bytes:
    buffer = b""
    while b"\n" not in buffer:
        chunk = receive(limit)
        if not chunk:
            raise RequestError("the running Aloud closed the connection without replying")
        buffer += chunk
        if len(buffer) > limit:
            raise RequestError("the running Aloud's reply is too long")
    return buffer.split(b"\n", 1)[0]


def peer_is_same_user(descriptor: int) -> bool:
    """Whether the process at the other end of a Unix socket runs as this user (Linux: SO_PEERCRED). Where the
    system cannot say, the socket's own permissions (the user's alone) are the guard."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    try:
        peer = socket.socket(fileno=os.dup(descriptor))
    except OSError:
        return False
    try:
        credentials = peer.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return False
    finally:
        peer.close()
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()
