"""The window's documents: opening, saving, recent files, the reading position, and saving audio (through an
ExportWorker in its own thread). A QObject of its own, for the reason given in reading.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QProgressDialog

from core.options import OptionError
from core.documents import SUFFIXES, Document
from gui.audio_export import ExportRequest, ExportWorker
from gui.document_memory import DocumentMemory
from gui.main_window.loading import DocumentLoader
from gui.worker_thread import WorkerThread

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow


class Documents(QObject):
    request_export = Signal(object)
    request_export_cancel = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.memory = DocumentMemory()
        self.path: Path | None = None  # where Save writes: the open file when its text is all it holds
        self.source: Path | None = None  # the file the text came from (a book is read-only: Save goes to Save As)
        self.document: Document | None = None  # its structure (chapters, pages), while the text is the file's
        self.unnamed = "Untitled"  # what the title bar calls a document that is no file ("Clipboard")
        self.open_progress: QProgressDialog | None = None
        self.export_progress: QProgressDialog | None = None
        self.resume_offer: QMessageBox | None = None
        self.password_dialog: QInputDialog | None = None
        self.exporter = ExportWorker()
        self.request_export.connect(self.exporter.start)
        self.request_export_cancel.connect(self.exporter.cancel)
        self.exporter.progress.connect(self._on_export_progress)
        self.exporter.finished.connect(self._on_export_finished)
        self._thread = WorkerThread(self.exporter, "aloud-export", self)
        self.loader = DocumentLoader(window.editor, self)
        self.loader.started.connect(self._on_open_started)
        self.loader.failed.connect(self._on_open_failed)
        self.loader.opened.connect(self._on_opened)
        self.loader.progress.connect(self._on_open_progress)
        self.loader.password_needed.connect(self._ask_password)

    def _say(self, text: str) -> None:
        self.window.announce(text, self.window.closure_label)

    # --- opening and saving ------------------------------------------------------------------------

    @Slot()
    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        with self.window.returning_focus():
            patterns = " ".join(f"*{suffix}" for suffix in SUFFIXES)
            name, _ = QFileDialog.getOpenFileName(self.window, "Open", str(self._last_dir()),
                                                  f"Documents ({patterns});;All files (*)")
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path, password: str | None = None) -> None:
        """Open `path`: read and parsed in a worker thread (with a progress dialog and Cancel when that takes a
        while), then put into the editor a piece at a time (loading.py). An encrypted PDF asks for its password."""
        self._end_open_progress()
        progress = QProgressDialog(f"Opening {path.name}…", "Cancel", 0, 100, self.window)
        progress.setWindowTitle("Open")
        progress.setAccessibleName(f"Opening {path.name}")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)  # a file that opens at once shows nothing
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.loader.cancel)
        self.open_progress = progress
        self.loader.open(path, password)

    @Slot(int)
    def _on_open_progress(self, percent: int) -> None:
        if self.open_progress is not None:
            self.open_progress.setValue(min(percent, 99))

    def _end_open_progress(self) -> None:
        if self.open_progress is not None:
            self.open_progress.reset()
            self.open_progress.deleteLater()
            self.open_progress = None

    @Slot(object, str)
    def _ask_password(self, path: Path, message: str) -> None:
        """A window-modal question, not a nested event loop: the window goes on drawing and reading."""
        self._end_open_progress()
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Password")
        dialog.setLabelText(f"{path.name}: {message}. Type its password:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.setAccessibleName(f"Password for {path.name}")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.textValueSelected.connect(lambda password: self.open_path(path, password))
        dialog.rejected.connect(lambda: self._say(f"{path.name} was not opened: it needs its password."))
        dialog.finished.connect(dialog.deleteLater)
        self.password_dialog = dialog
        dialog.open()

    @Slot(object)
    def _on_open_started(self, path: Path) -> None:
        self._end_open_progress()
        self.window.reading.stop()  # the text it reads is about to go

    @Slot(object, str)
    def _on_open_failed(self, path: Path, message: str) -> None:
        self._end_open_progress()
        self._say(message or f"Opening {path.name} was cancelled; the document is as it was.")

    @Slot(object, object)
    def _on_opened(self, path: Path | None, document: Document) -> None:
        window = self.window
        window.text.adopt(document.text)
        window.editor.document().setModified(False)
        window.editor.setReadOnly(not document.editable)
        self.path = path if document.editable else None
        self.source = path
        self.unnamed = document.title if path is None else "Untitled"
        self.document = document if document.headings or document.page_starts else None
        window.contents.show_document(self.document)
        self.update_title()
        if path is None:  # text from another app: nothing on disk to remember
            return
        window.settings.last_dir = str(path.parent)
        window.settings.save()
        self.memory.add_recent(path)
        if document.warnings:
            self._say(" ".join(document.warnings))
        elif not document.editable:
            chapters = f", {len(document.headings)} in Contents (Ctrl+T)" if document.headings else ""
            self._say(f"Opened {path.name}: {document.kind}, read-only{chapters}. Save As saves its text.")
        self._offer_to_continue(path, document.text)

    def _offer_to_continue(self, path: Path, text: str) -> None:
        offset = self.memory.position(path, text)
        if not offset:
            return
        preview = text[offset : offset + 80].split("\n")[0].strip()
        box = QMessageBox(QMessageBox.Icon.Question, "Continue reading?",
                          f"Last time you stopped at:\n\n“{preview}…”\n\nContinue from there?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda result: self._continue_answered(result, offset))
        self.resume_offer = box
        box.open()

    def _continue_answered(self, result: int, offset: int) -> None:
        self.resume_offer = None
        if result == QMessageBox.StandardButton.Yes and offset < len(self.window.text.text()):
            self.window.reading.move_and_speak(offset)

    def remember_position(self, heard: tuple[int, int] | None, finished: bool) -> None:
        """Where reading stopped in this document (the start of the sentence heard), or the top if finished."""
        if self.source is None:
            return
        offset = 0 if finished or heard is None else heard[0]
        self.memory.set_position(self.source, self.window.text.text(), offset)

    def fill_recent_menu(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        paths = self.memory.recent()
        for number, path in enumerate(paths, 1):
            action = menu.addAction(f"&{number % 10} {path.name}  ({path.parent})")
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if not paths:
            menu.addAction("(none yet)").setEnabled(False)

    def open_recent(self, path: Path) -> None:
        if not path.exists():
            self.memory.forget_recent(path)
            self._say(f"{path.name} is no longer there; it was taken off the recent list.")
            return
        if self.confirm_discard():
            self.open_path(path)

    def _last_dir(self) -> Path:
        return Path(self.window.settings.last_dir or Path.home())

    @Slot()
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    @Slot()
    def save_as(self) -> bool:
        with self.window.returning_focus():
            name, _ = QFileDialog.getSaveFileName(self.window, "Save As", str(self._last_dir()),
                                                  "Text (*.txt);;Markdown (*.md)")
        return bool(name) and self._write(Path(name))

    def _write(self, path: Path) -> bool:
        editor = self.window.editor
        try:
            path.write_text(self.window.text.text(), encoding="utf-8")
        except OSError as exc:
            self._say(f"Cannot save {path.name}: {exc.strerror or exc}.")
            return False
        self.memory.add_recent(path)
        self.path = self.source = path
        if editor.isReadOnly():  # a book's text saved as text: that text is the document now, and editable
            editor.setReadOnly(False)
            self.document = None
            self.window.contents.show_document(None)
        editor.document().setModified(False)
        self.update_title()
        self.window.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def update_title(self) -> None:
        name = self.source.name if self.source else self.unnamed
        modified = "*" if self.window.editor.document().isModified() else ""
        read_only = " (read-only)" if self.window.editor.isReadOnly() and self.path is None and self.source else ""
        self.window.setWindowTitle(f"{modified}{name}{read_only} – Aloud")

    def confirm_discard(self) -> bool:
        editor = self.window.editor
        if not editor.document().isModified() or editor.document().isEmpty():
            return True
        with self.window.returning_focus():
            answer = QMessageBox.question(
                self.window, "Unsaved changes", "The document has unsaved changes. Save them first?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # --- saving the spoken audio -------------------------------------------------------------------

    @Slot()
    def save_audio_dialog(self) -> None:
        with self.window.returning_focus():
            name, _ = QFileDialog.getSaveFileName(self.window, "Save Audio", str(self._last_dir() / "speech.wav"),
                                                  "WAV audio (*.wav)")
        if name:
            self.save_audio(Path(name if name.lower().endswith(".wav") else name + ".wav"))

    def save_audio(self, path: Path) -> bool:
        """Save the audio of the selection, or of the whole document, to `path`, with progress and Cancel."""
        window = self.window
        text = window.text.text()
        start, end = window.text.selection() or (0, len(text))
        if not window.text.any_visible(start, end):
            self._say("Nothing to save: the document is empty.")
            return False
        if self.export_progress is not None:
            self._say("Audio is already being saved.")
            return False
        try:
            request = window.reading.playback_request(start, end)
        except OptionError as exc:
            self._say(f"Cannot save audio: {exc}.")
            return False
        progress = QProgressDialog(f"Saving the audio to {path.name}…", "Cancel", 0, end - start, window)
        progress.setWindowTitle("Save Audio")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAccessibleName("Saving audio")
        progress.canceled.connect(self.request_export_cancel.emit)
        self.export_progress = progress
        self.request_export.emit(ExportRequest(request, path))
        return True

    @Slot(int, int)
    def _on_export_progress(self, done: int, total: int) -> None:
        if self.export_progress is not None:
            self.export_progress.setMaximum(total)
            self.export_progress.setValue(min(done, total - 1))  # the dialog closes itself at the maximum

    @Slot(str, bool)
    def _on_export_finished(self, message: str, ok: bool) -> None:
        if self.export_progress is not None:
            self.export_progress.reset()
            self.export_progress.deleteLater()
            self.export_progress = None
        self._say(message)

    def shutdown(self) -> None:
        """Cancel a save in progress and an open, and join their threads."""
        self._end_open_progress()
        self._thread.shutdown()
        self.loader.shutdown()
