"""The selection and the clipboard read from outside Aloud on Wayland, where only the app with the keyboard
focus may read them: when a key bound to `aloud read-clipboard` is pressed, that is the other app, so the
command reads them itself with wl-paste (wl-clipboard), which the compositor lets read without focus.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import time

PASTE_TIMEOUT = 3.0  # seconds: the app that owns the selection sends it; a hung owner must not hang the key
_NOTHING_COPIED = ("No selection", "No suitable type")  # what wl-paste says, exit status 1
TEXT_TYPES = ("text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "STRING", "TEXT")


class ClipboardError(OSError):
    """The selection could not be read (its owner did not answer, or wl-paste failed)."""


class _NoPrimarySelection(ClipboardError):
    """The compositor has no primary selection: the clipboard is what there is."""


def on_wayland(environ: dict | None = None) -> bool:
    """Whether this process runs in a Wayland session (where an X11 app's clipboard rules do not hold)."""
    environ = os.environ if environ is None else environ
    return bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE") == "wayland"


def available() -> bool:
    return shutil.which("wl-paste") is not None


def read(primary: bool, limit: int) -> str:
    """The text of the primary selection (`primary`; the clipboard where the compositor has none) or the
    clipboard; "" when it holds no text. At most `limit` characters plus one, so the caller can tell that there
    was more. Raises ClipboardError."""
    if primary:
        try:
            return _read(["--primary"], limit)
        except _NoPrimarySelection:
            pass
    return _read([], limit)


def _read(which: list[str], limit: int) -> str:
    offered = _paste([*which, "--list-types"], 64 * 1024).split("\n")
    kind = next((t for t in TEXT_TYPES if t in offered), None)
    if kind is None:
        return ""  # empty, or an image or files: nothing to read
    data = _paste([*which, "--no-newline", "--type", kind], 4 * (limit + 1))
    return data[:limit + 1]


def _paste(arguments: list[str], max_bytes: int) -> str:
    try:
        process = subprocess.Popen(["wl-paste", *arguments], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
    except OSError as exc:
        raise ClipboardError(f"cannot run wl-paste ({exc.strerror})") from None
    try:
        # Reading only as much as wanted: a hostile owner can offer gigabytes.
        data, error = _bounded_output(process, max_bytes)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    if process.returncode != 0 and not data:
        said = (error.decode("utf-8", "replace").strip().splitlines() or [f"exit status {process.returncode}"])[-1]
        if any(words in said for words in _NOTHING_COPIED):
            return ""
        if "primary selection" in said.lower() and "support" in said.lower():
            raise _NoPrimarySelection(said)
        raise ClipboardError(f"wl-paste failed ({said[:120]})")
    return data.decode("utf-8", "replace")


def _bounded_output(process: subprocess.Popen, max_bytes: int) -> tuple[bytes, bytes]:
    deadline = time.monotonic() + PASTE_TIMEOUT
    chunks, size, error = [], 0, b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        open_streams = 2
        while open_streams and size <= max_bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ClipboardError(f"the app that holds the selection did not send it within {PASTE_TIMEOUT:.0f} s")
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                elif key.fileobj is process.stdout:
                    chunks.append(chunk)
                    size += len(chunk)
                else:
                    error = (error + chunk)[-4096:]
    if size <= max_bytes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise ClipboardError("wl-paste did not end") from None
    return b"".join(chunks)[:max_bytes], error
