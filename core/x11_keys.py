"""A true global shortcut on X11: one key combination grabbed on the root window (python-xlib), whichever app
has the focus, reported from a thread of its own. Wayland has no such grab (its desktop portal is the way
there); Windows and macOS bind `aloud read-selection` in their own settings.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_MODIFIERS = {"ctrl": "ControlMask", "control": "ControlMask", "alt": "Mod1Mask", "shift": "ShiftMask",
              "meta": "Mod4Mask", "super": "Mod4Mask", "win": "Mod4Mask"}


class ShortcutError(ValueError):
    """The combination cannot be grabbed: `str()` says why, for the user."""


def available() -> bool:
    """Whether this session is X11 (or XWayland is not what the user types into)."""
    return bool(os.environ.get("DISPLAY")) and os.environ.get("XDG_SESSION_TYPE", "x11") != "wayland"


class X11KeyGrab:
    """Grab `keys` ("Ctrl+Alt+R") and call `pressed` on each press, from the grab's own thread."""

    def __init__(self, keys: str, pressed: Callable[[], None]) -> None:
        self.keys = keys
        self._pressed = pressed
        self._display = None
        self._grabs: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Grab the keys. Raises ShortcutError (not X11, an unknown key, or another app has the combination)."""
        try:
            from Xlib import X, XK, display, error
        except ImportError:
            raise ShortcutError("python-xlib is not installed") from None
        parts = [p.strip() for p in self.keys.split("+") if p.strip()]
        if not parts:
            raise ShortcutError("no key was given")
        mask = 0
        for part in parts[:-1]:
            if part.lower() not in _MODIFIERS:
                raise ShortcutError(f"{part!r} is not Ctrl, Alt, Shift or Super")
            mask |= getattr(X, _MODIFIERS[part.lower()])
        try:
            self._display = display.Display()
        except (error.DisplayError, error.ConnectionClosedError, OSError) as exc:
            raise ShortcutError(f"cannot reach the X server ({exc})") from None
        name = parts[-1]
        keysym = XK.string_to_keysym(name) or XK.string_to_keysym(name.lower()) or XK.string_to_keysym(name.upper())
        keycode = self._display.keysym_to_keycode(keysym) if keysym else 0
        if not keycode:
            self._display.close()
            raise ShortcutError(f"{parts[-1]!r} is not a key this keyboard has")
        catcher = error.CatchError(error.BadAccess)
        root = self._display.screen().root
        # The grab must not depend on Num Lock or Caps Lock being on.
        for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):
            root.grab_key(keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
            self._grabs.append((keycode, mask | extra))
        self._display.sync()
        if catcher.get_error():
            self.stop()
            raise ShortcutError(f"{self.keys} is taken by another app")
        self._thread = threading.Thread(target=self._listen, name="aloud-x11-keys", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        from Xlib import X

        display = self._display
        while not self._stop.is_set():
            ready, _, _ = select.select([display.fileno()], [], [], 0.2)  # so that stop() is heard
            if not ready:
                continue
            while display.pending_events():
                event = display.next_event()
                if event.type == X.KeyPress:
                    try:
                        self._pressed()
                    except Exception:  # the listener must outlive a failing callback
                        log.exception("the global shortcut's action failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
        if self._display is not None:
            root = self._display.screen().root
            for keycode, mask in self._grabs:
                root.ungrab_key(keycode, mask)
            self._display.sync()
            self._display.close()
            self._display = None
            self._grabs = []
