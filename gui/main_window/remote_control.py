"""What the window does with a command from another process (`aloud read-selection`, `read-text`, `pause`,
...): it reads the selection, the clipboard or the text given as a "Clipboard" document in the editor (so
highlighting, pause and navigation work on it), or pauses, stops or shows itself. A QObject of its own, for
the reason given in reading.py.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QCheckBox, QMessageBox

from core import wayland_clipboard
from core.documents import MAX_CHARS, Document
from core.playback import PlaybackState
from core.remote import Action, Reply, Request

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow


class RemoteControl(QObject):
    _read_elsewhere = Signal(object, str)  # (Request, or the error said), from the thread that ran wl-paste

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._read_elsewhere.connect(self._selection_read)
        self._read_when_opened: object = None  # the path (or None for text) whose reading waits for it to open
        self._waiting = False
        window.documents.loader.opened.connect(self._opened)
        window.documents.loader.failed.connect(lambda *_: setattr(self, "_waiting", False))

    def handle(self, request: Request) -> Reply:
        """Act on `request` and say what was done. Anything that may ask the user (unsaved changes) runs after
        the reply, from the event loop: the command's process is not kept waiting on a person."""
        action, window = request.action, self.window
        if action is Action.STOP:
            window.reading.stop()
            return Reply(True, "Stopped.")
        if action is Action.PAUSE:
            state = window.reading.state
            if not state.running:
                return Reply(False, "Nothing is being read.")
            window.reading.toggle_pause()
            return Reply(True, "Resumed." if state is PlaybackState.PAUSED else "Paused.")
        if action is Action.SHOW:
            self.show_window()
            return Reply(True, "Shown.")
        if action is Action.QUIT:
            QTimer.singleShot(0, window.quit)
            return Reply(True, "Quitting.")
        if action in (Action.READ_FILE, Action.OPEN):
            path = Path(request.argument)
            if not path.is_file():
                return Reply(False, f"{path} is not a file.")
            QTimer.singleShot(0, self, lambda: self._open(path, read=action is Action.READ_FILE))
            return Reply(True, f"Opening {path.name}.")
        text, origin = self._text_for(request)
        if not text.strip():
            return Reply(False, f"The {origin} holds no text.")
        QTimer.singleShot(0, self, lambda: self.read_text(text[:MAX_CHARS], origin))
        return Reply(True, f"Reading {len(text):,} characters from the {origin}.")

    def act(self, action: Action) -> None:
        """A command given in this process (the tray's menu, the global key): a failure is said in the status
        bar, and by the tray when the window is hidden."""
        if action in (Action.READ_SELECTION, Action.READ_CLIPBOARD) and self._only_focus_reads_selection():
            threading.Thread(target=self._read_selection, args=(action,), name="wl-paste", daemon=True).start()
            return
        self._said(self.handle(Request(action)))

    def _said(self, reply: Reply) -> None:
        if not reply.ok:
            self.window.announce(reply.message, self.window.closure_label)
            self.window.tray.tell(reply.message)

    @staticmethod
    def _only_focus_reads_selection() -> bool:
        """On Wayland Qt hears of a copy only while Aloud has the keyboard, which a tray menu or a global key
        does not give it: the selection is read from the compositor (with wl-paste), off the GUI thread."""
        return QGuiApplication.platformName() == "wayland" and wayland_clipboard.available()

    def _read_selection(self, action: Action) -> None:
        origin = "selection" if action is Action.READ_SELECTION else "clipboard"
        try:
            text = wayland_clipboard.read(primary=action is Action.READ_SELECTION, limit=MAX_CHARS)
        except wayland_clipboard.ClipboardError as exc:
            self._read_elsewhere.emit(None, f"Cannot read the {origin}: {exc}")
            return
        if not text.strip():
            self._read_elsewhere.emit(None, f"The {origin} holds no text.")
        else:
            self._read_elsewhere.emit(Request(action, text), "")

    @Slot(object, str)
    def _selection_read(self, request: Request | None, error: str) -> None:
        self._said(self.handle(request) if request is not None else Reply(False, error))

    def _text_for(self, request: Request) -> tuple[str, str]:
        if request.action is Action.READ_TEXT:
            return request.argument, "text given"
        selection = request.action is Action.READ_SELECTION
        if request.argument:  # read by the command (Wayland: only the focused app may read the selection)
            return request.argument, "selection" if selection else "clipboard"
        clipboard = QGuiApplication.clipboard()
        if selection and clipboard.supportsSelection():
            return clipboard.text(QClipboard.Mode.Selection), "selection"
        return clipboard.text(QClipboard.Mode.Clipboard), "clipboard"

    def show_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def _open(self, path: Path, read: bool) -> None:
        if not self.window.isVisible():
            self.show_window()
        if not self.window.documents.confirm_discard():
            return
        self._remember_place()
        self._read_when_opened, self._waiting = path, read
        self.window.documents.open_path(path)

    def read_text(self, text: str, origin: str) -> None:
        """Read `text` (from the clipboard, the selection, or given) as a document of its own."""
        if not self._may_replace(origin):
            self.window.announce(f"Kept the document: the {origin} was not read.", self.window.closure_label)
            return
        self._remember_place()
        self.window.reading.stop()
        self._read_when_opened, self._waiting = None, True
        name = "Clipboard" if origin in ("clipboard", "selection") else "Text from another app"
        self.window.documents.loader.show(Document(text, name, "Text", editable=True))

    def _remember_place(self) -> None:
        documents = self.window.documents
        if documents.source is not None:
            documents.remember_position(self.window.highlight.range, finished=False)

    def _may_replace(self, origin: str) -> bool:
        """An open file's text is replaced only when the user agrees (once, or for good with "Don't ask
        again"); unsaved changes always ask. Text from no file is replaced without asking."""
        window, documents = self.window, self.window.documents
        editor = window.editor.document()
        if editor.isModified() and not editor.isEmpty():
            self.show_window()
            return documents.confirm_discard()
        if documents.source is None or window.settings.replace_file_without_asking:
            return True
        self.show_window()
        name = documents.source.name
        box = QMessageBox(QMessageBox.Icon.Question, "Read in place of the document?",
                          f"Read the {origin} in place of {name}?\n\n{name} stays as it is on disk: File > Open "
                          "Recent opens it again, where you stopped.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, window)
        never_ask = QCheckBox("Don't ask again", box)  # the box's own: Python must not delete it
        box.setCheckBox(never_ask)
        with window.returning_focus():
            agreed = box.exec() == QMessageBox.StandardButton.Yes
        never = never_ask.isChecked()
        box.deleteLater()
        if agreed and never:
            window.settings.replace_file_without_asking = True
            window.settings.save()
        return agreed

    @Slot(object, object)
    def _opened(self, path: Path | None, document: Document) -> None:
        if not self._waiting or path != self._read_when_opened:
            return
        self._waiting = False
        self.window.reading.speak_range(0, len(self.window.text.text()))
