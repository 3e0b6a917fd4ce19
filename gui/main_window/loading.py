"""Opening a document without freezing the window: the file is read and parsed in a worker thread (with its
progress, and cancellable), and its text goes into the editor a piece per event-loop turn (a book is many
pieces), read-only until all is in.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from core.documents import Cancelled, Document, DocumentError, NeedsPassword, open_document
from gui.worker_thread import WorkerThread

# About 4 ms of Qt's work a piece (measured: 11-20 ms for 256 KB): 5 MB goes in over 80 turns of the event loop.
PIECE_CHARS = 64 * 1024


class FileReader(QObject):
    """Reads and parses documents, in its own thread."""

    read_done = Signal(int, object, object)  # ticket, path, Document
    read_failed = Signal(int, object, str)  # ticket, path, a sentence saying why ("" when cancelled)
    progress = Signal(int, int)  # ticket, percent
    password_needed = Signal(int, object, str)  # ticket, path, why ("it is protected by a password")

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = threading.Event()  # set from the GUI thread: the read under way stops

    @Slot(int, object, object)
    def read(self, ticket: int, path: Path, password: str | None) -> None:
        self.cancelled.clear()
        shown = [-1]

        def progress(fraction: float) -> bool:
            percent = int(fraction * 100)
            if percent != shown[0]:
                shown[0] = percent
                self.progress.emit(ticket, percent)
            return not self.cancelled.is_set()

        try:
            document = open_document(path, progress=progress, password=password)
        except OSError as exc:
            self.read_failed.emit(ticket, path, f"Cannot open {path.name}: {exc.strerror or exc}.")
        except Cancelled:
            self.read_failed.emit(ticket, path, "")
        except NeedsPassword as exc:
            self.password_needed.emit(ticket, path, str(exc))
        except DocumentError as exc:
            self.read_failed.emit(ticket, path, f"Cannot open {path.name}: {exc}.")
        else:
            self.read_done.emit(ticket, path, document)

    @Slot()
    def shutdown(self) -> None:
        """A read in progress is cancelled, and its result dropped."""
        self.cancelled.set()


class DocumentLoader(QObject):
    """Opens one file at a time into the editor; opening another drops what was under way."""

    started = Signal(object)  # path (None: text from no file): its text is about to replace the document
    opened = Signal(object, object)  # path or None, Document: the editor holds all of its text
    failed = Signal(object, str)  # path, a sentence saying why ("" when cancelled); the document is unchanged
    progress = Signal(int)  # percent of the file read
    password_needed = Signal(object, str)  # path, why: open it again with its password
    _request_read = Signal(int, object, object)

    def __init__(self, editor: QPlainTextEdit, parent: QObject) -> None:
        super().__init__(parent)
        self._editor = editor
        self._read_ticket = 0  # the file asked for last
        self._read_path: Path | None = None
        self._reading = False
        self._insert_ticket = 0  # the file going into the editor
        self._pending: tuple[Path, Document, int] | None = None  # what is going in, and how far it is
        reader = FileReader()
        self._reader = reader
        self._request_read.connect(reader.read)
        reader.read_done.connect(self._read_done)
        reader.read_failed.connect(self._read_failed)
        reader.password_needed.connect(self._password_needed)
        reader.progress.connect(lambda ticket, percent: ticket == self._read_ticket and self.progress.emit(percent))
        self._thread = WorkerThread(reader, "aloud-open", self)

    @property
    def loading(self) -> bool:
        """A file is being read, or its text is going into the editor."""
        return self._reading or self._pending is not None

    def open(self, path: Path, password: str | None = None) -> None:
        """Read `path`; its text replaces the document only once it has been read (`started`, then `opened`),
        and a file that cannot be read leaves the document as it was (`failed`, or `password_needed`)."""
        if self._reading:
            self._reader.cancelled.set()  # the file asked for before is not wanted now
        self._read_ticket += 1
        self._read_path = path
        self._reading = True
        self._request_read.emit(self._read_ticket, path, password)

    def show(self, document: Document) -> None:
        """Put text that comes from no file (the clipboard, another app) into the editor as a file's goes:
        `started` and `opened` come with no path."""
        if self._reading:
            self.cancel()
        self._read_done(self._read_ticket, None, document)

    def cancel(self) -> None:
        """Stop reading the file asked for last (the document stays as it was), at once: `failed` comes now,
        and whatever the worker still makes of the file is dropped when it comes."""
        if not self._reading:
            return
        self._reader.cancelled.set()
        self._read_ticket += 1
        self._reading = False
        self.failed.emit(self._read_path, "")

    def shutdown(self) -> None:
        self._reader.cancelled.set()
        self._read_ticket += 1
        self._insert_ticket += 1
        self._finish_pieces()
        self._thread.shutdown()

    @Slot(int, object, str)
    def _read_failed(self, ticket: int, path: Path, message: str) -> None:
        if ticket == self._read_ticket:
            self._reading = False
            self.failed.emit(path, message)

    @Slot(int, object, str)
    def _password_needed(self, ticket: int, path: Path, message: str) -> None:
        if ticket == self._read_ticket:
            self._reading = False
            self.password_needed.emit(path, message)

    @Slot(int, object, object)
    def _read_done(self, ticket: int, path: Path, document: Document) -> None:
        if ticket != self._read_ticket:
            return  # another file was asked for since
        self._reading = False
        self._finish_pieces()  # of a file opened before, still going in: this one replaces it
        self._insert_ticket += 1
        ticket = self._insert_ticket
        self.started.emit(path)
        editor = self._editor
        editor.document().setUndoRedoEnabled(False)  # loading is not an edit to undo
        editor.setReadOnly(True)
        end = _piece_end(document.text, 0)
        editor.setPlainText(document.text[:end])
        self._pending = (path, document, end)
        self._next_piece(ticket)

    def _next_piece(self, ticket: int) -> None:
        if ticket != self._insert_ticket or self._pending is None:
            return
        path, document, done = self._pending
        text = document.text
        if done < len(text):
            end = _piece_end(text, done)
            cursor = QTextCursor(self._editor.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text[done:end])
            self._pending = (path, document, end)
            QTimer.singleShot(0, self, lambda: self._next_piece(ticket))
            return
        self._finish_pieces()
        self.opened.emit(path, document)

    def _finish_pieces(self) -> None:
        if self._pending is not None:
            self._pending = None
            self._editor.setReadOnly(False)
            self._editor.document().setUndoRedoEnabled(True)


def _piece_end(text: str, start: int) -> int:
    """Where the piece from `start` ends: at a line end if there is one, never inside a \\r\\n."""
    end = start + PIECE_CHARS
    if end >= len(text):
        return len(text)
    newline = text.rfind("\n", start, end)
    if newline > start:
        return newline + 1
    return end - 1 if text[end - 1] == "\r" else end
