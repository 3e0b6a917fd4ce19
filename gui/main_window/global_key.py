"""The optional global shortcut (Settings, off by default): a key that reads the selection in any app, where
the platform lets an app grab a key for itself (X11: core/x11_keys.py). Elsewhere the desktop's own key
settings run `aloud read-selection`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from core import x11_keys
from core.remote import Action

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow


def supported() -> bool:
    return QGuiApplication.platformName() == "xcb" and x11_keys.available()


class GlobalKey(QObject):
    pressed = Signal()  # emitted from the grab's thread; delivered in the GUI thread (a queued connection)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._grab: x11_keys.X11KeyGrab | None = None
        self.pressed.connect(lambda: window.remote.act(Action.READ_SELECTION))

    @property
    def active(self) -> str:
        """The keys grabbed now ("" when none)."""
        return self._grab.keys if self._grab is not None else ""

    def apply(self, keys: str) -> None:
        """Grab `keys` ("" lets go), saying in the status bar when that cannot be done."""
        if keys == self.active:
            return
        self.release()
        if not keys:
            return
        if not supported():
            self.window.announce("A global key needs an X11 session: bind `aloud read-selection` in the desktop's "
                                 "keyboard settings instead (Help > Read From Any App).", self.window.closure_label)
            return
        grab = x11_keys.X11KeyGrab(keys, self.pressed.emit)
        try:
            grab.start()
        except x11_keys.ShortcutError as exc:
            self.window.announce(f"The global key was not set: {exc}.", self.window.closure_label)
            return
        self._grab = grab

    def release(self) -> None:
        if self._grab is not None:
            self._grab.stop()
            self._grab = None
