"""Watch the clipboard: each new text copied in any app is read at once (a copy while reading replaces the
reading), as Balabolka and ReadAnything do. Copies of non-text, and Aloud's own copies, are not read.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QPlainTextEdit

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow

OWN_COPY_SECONDS = 1.0  # a clipboard change this soon after the editor copied is that copy
SETTLE_MS = 150  # an app may set the clipboard several times for one copy (one format after another)
SAME_COPY_SECONDS = 1.5  # the same text again this soon is the same copy, announced twice


class DocumentEditor(QPlainTextEdit):
    """The window's editor, noting when it copies (by key, context menu or call), so that watching the clipboard
    knows that copy is Aloud's own. (Qt calls its own createMimeDataFromSelection, not a Python override.)"""

    copied_at = -1e9

    def _copying(self) -> None:
        self.copied_at = time.monotonic()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.matches(QKeySequence.StandardKey.Copy) or event.matches(QKeySequence.StandardKey.Cut):
            self._copying()
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt's name
        menu = self.createStandardContextMenu(event.pos())
        for action in menu.actions():
            if action.objectName() in ("edit-copy", "edit-cut"):
                action.triggered.connect(self._copying, Qt.ConnectionType.DirectConnection)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def copy(self) -> None:
        self._copying()
        super().copy()

    def cut(self) -> None:
        self._copying()
        super().cut()


class ClipboardWatch(QObject):
    """Off until turned on (the tray's and the Playback menu's Watch Clipboard)."""

    toggled = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.enabled = False
        self._last: tuple[str, float] = ("", 0.0)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._read_copy)
        QGuiApplication.clipboard().dataChanged.connect(self._changed)

    def set_enabled(self, enabled: bool) -> None:
        if enabled == self.enabled:
            return
        self.enabled = enabled
        # What is on the clipboard already is not a new copy.
        self._last = (QGuiApplication.clipboard().text(QClipboard.Mode.Clipboard), time.monotonic()) \
            if enabled else ("", 0.0)
        self.toggled.emit(enabled)
        self.window.announce("Watching the clipboard: each text copied is read." if enabled
                             else "No longer watching the clipboard.", self.window.closure_label)

    def _changed(self) -> None:
        if self.enabled:
            self._settle.start()

    def _read_copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        data = clipboard.mimeData(QClipboard.Mode.Clipboard)
        own = clipboard.ownsClipboard() or time.monotonic() - self.window.editor.copied_at < OWN_COPY_SECONDS
        if data is None or not data.hasText() or own:
            return
        text = data.text()
        now = time.monotonic()
        if not text.strip() or (text == self._last[0] and now - self._last[1] < SAME_COPY_SECONDS):
            return
        self._last = (text, now)
        self.window.remote.read_text(text, "clipboard")
