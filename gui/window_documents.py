"""The window's documents: opening, saving, recent files, the reading position, and saving audio.

A mixin of MainWindow (gui/main_window.py), which it expects to have the editor, settings, memory, the
export worker's signals and `_announce`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from core.options import OptionError
from gui.audio_export import ExportRequest


class DocumentsMixin:
    @Slot()
    def save_audio_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save Audio", str(self._last_dir() / "speech.wav"),
                                              "WAV audio (*.wav)")
        if name:
            self.save_audio(Path(name if name.lower().endswith(".wav") else name + ".wav"))

    def save_audio(self, path: Path) -> bool:
        """Save the audio of the selection, or of the whole document, to `path`, with progress and Cancel."""
        cursor = self.editor.textCursor()
        text = self.editor.toPlainText()
        start, end = (cursor.selectionStart(), cursor.selectionEnd()) if cursor.hasSelection() else (0, len(text))
        if not text[start:end].strip():
            self._announce("Nothing to save: the document is empty.", self.closure_label)
            return False
        if self.export_progress is not None:
            self._announce("Audio is already being saved.", self.closure_label)
            return False
        try:
            options, endpoint = self._options(), self.endpoint()
        except OptionError as exc:
            self._announce(f"Cannot save audio: {exc}.", self.closure_label)
            return False
        progress = QProgressDialog(f"Saving the audio to {path.name}…", "Cancel", 0, end - start, self)
        progress.setWindowTitle("Save Audio")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAccessibleName("Saving audio")
        progress.canceled.connect(self.request_export_cancel.emit)
        self.export_progress = progress
        insecure = self.settings.allow_insecure_key and not self.url_override
        self.request_export.emit(ExportRequest(text, start, end, options, endpoint, path, insecure))
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
        self._announce(message, self.closure_label)

    def _update_title(self) -> None:
        name = self.document_path.name if self.document_path else "Untitled"
        modified = "*" if self.editor.document().isModified() else ""
        self.setWindowTitle(f"{modified}{name} – Aloud")

    def _confirm_discard(self) -> bool:
        if not self.editor.document().isModified() or not self.editor.toPlainText():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "The document has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    @Slot()
    def open_dialog(self) -> None:
        if not self._confirm_discard():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Open", str(self._last_dir()),
                                              "Text (*.txt *.md *.markdown);;All files (*)")
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> bool:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self._announce(f"Cannot open {path.name}: {exc.strerror or exc}.", self.closure_label)
            return False
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            self._announce(f"{path.name} is not valid UTF-8: unreadable bytes are shown as �.", self.closure_label)
        self.stop()
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        self.document_path = path
        self.settings.last_dir = str(path.parent)
        self.settings.save()
        self.memory.add_recent(path)
        self._update_title()
        self._offer_to_continue(path, text)
        return True

    def _offer_to_continue(self, path: Path, text: str) -> None:
        offset = self.memory.position(path, text)
        if not offset:
            return
        preview = text[offset : offset + 80].split("\n")[0].strip()
        box = QMessageBox(QMessageBox.Icon.Question, "Continue reading?",
                          f"Last time you stopped at:\n\n“{preview}…”\n\nContinue from there?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda result: self._continue_answered(result, offset))
        self.resume_offer = box
        box.open()

    def _continue_answered(self, result: int, offset: int) -> None:
        self.resume_offer = None
        if result == QMessageBox.StandardButton.Yes and offset < len(self.editor.toPlainText()):
            self._move_and_speak(offset)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.memory.recent()
        for number, path in enumerate(paths, 1):
            action = self.recent_menu.addAction(f"&{number % 10} {path.name}  ({path.parent})")
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if not paths:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def open_recent(self, path: Path) -> None:
        if not path.exists():
            self.memory.forget_recent(path)
            self._announce(f"{path.name} is no longer there; it was taken off the recent list.", self.closure_label)
            return
        if self._confirm_discard():
            self.open_path(path)

    def _last_dir(self) -> Path:
        return Path(self.settings.last_dir or Path.home())

    @Slot()
    def save(self) -> bool:
        if self.document_path is None:
            return self.save_as()
        return self._write(self.document_path)

    @Slot()
    def save_as(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(self, "Save As", str(self._last_dir()), "Text (*.txt);;Markdown (*.md)")
        return bool(name) and self._write(Path(name))

    def _write(self, path: Path) -> bool:
        try:
            path.write_text(self.editor.toPlainText(), encoding="utf-8")
        except OSError as exc:
            self._announce(f"Cannot save {path.name}: {exc.strerror or exc}.", self.closure_label)
            return False
        self.memory.add_recent(path)
        self.document_path = path
        self.editor.document().setModified(False)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True
