"""Opening a document without freezing the window: the file is read and decoded in a worker thread, and its
text goes into the editor a piece per event-loop turn (a book is many pieces), read-only until all is in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from core.textfile import DEFAULT_MAX_INPUT_MB, DecodedText, NotText, TooLarge, read_text_file
from gui.worker_thread import WorkerThread

# About 4 ms of Qt's work a piece (measured: 11-20 ms for 256 KB): 5 MB goes in over 80 turns of the event loop.
PIECE_CHARS = 64 * 1024


class FileReader(QObject):
    """Reads and decodes files, in its own thread."""

    read_done = Signal(int, object, object)  # ticket, path, DecodedText
    read_failed = Signal(int, object, str)  # ticket, path, a sentence saying why

    @Slot(int, object)
    def read(self, ticket: int, path: Path) -> None:
        try:
            decoded = read_text_file(path)
        except OSError as exc:
            self.read_failed.emit(ticket, path, f"Cannot open {path.name}: {exc.strerror or exc}.")
        except NotText as exc:
            self.read_failed.emit(ticket, path, f"Cannot open {path.name}: it is not a text file ({exc}).")
        except TooLarge:
            self.read_failed.emit(ticket, path, f"Cannot open {path.name}: it is larger than {DEFAULT_MAX_INPUT_MB} MB.")
        else:
            self.read_done.emit(ticket, path, decoded)

    @Slot()
    def shutdown(self) -> None:
        """Nothing to end: a read in progress finishes, and its result is dropped."""


class DocumentLoader(QObject):
    """Opens one file at a time into the editor; opening another drops what was under way."""

    started = Signal(object)  # path: its text is about to replace the document
    opened = Signal(object, object)  # path, DecodedText: the editor holds all of it
    failed = Signal(object, str)  # path, a sentence saying why; the document is unchanged
    _request_read = Signal(int, object)

    def __init__(self, editor: QPlainTextEdit, parent: QObject) -> None:
        super().__init__(parent)
        self._editor = editor
        self._read_ticket = 0  # the file asked for last
        self._reading = False
        self._insert_ticket = 0  # the file going into the editor
        self._pending: tuple[Path, DecodedText, int] | None = None  # what is going in, and how far it is
        reader = FileReader()
        self._request_read.connect(reader.read)
        reader.read_done.connect(self._read_done)
        reader.read_failed.connect(self._read_failed)
        self._thread = WorkerThread(reader, "aloud-open", self)

    @property
    def loading(self) -> bool:
        """A file is being read, or its text is going into the editor."""
        return self._reading or self._pending is not None

    def open(self, path: Path) -> None:
        """Read `path`; its text replaces the document only once it has been read (`started`, then `opened`),
        and a file that cannot be read leaves the document as it was (`failed`)."""
        self._read_ticket += 1
        self._reading = True
        self._request_read.emit(self._read_ticket, path)

    def shutdown(self) -> None:
        self._read_ticket += 1
        self._insert_ticket += 1
        self._finish_pieces()
        self._thread.shutdown()

    @Slot(int, object, str)
    def _read_failed(self, ticket: int, path: Path, message: str) -> None:
        if ticket == self._read_ticket:
            self._reading = False
            self.failed.emit(path, message)

    @Slot(int, object, object)
    def _read_done(self, ticket: int, path: Path, decoded: DecodedText) -> None:
        if ticket != self._read_ticket:
            return  # another file was asked for since
        self._reading = False
        self._finish_pieces()  # of a file opened before, still going in: this one replaces it
        self._insert_ticket += 1
        ticket = self._insert_ticket
        self.started.emit(path)
        editor = self._editor
        document = editor.document()
        document.setUndoRedoEnabled(False)  # loading is not an edit to undo
        editor.setReadOnly(True)
        end = _piece_end(decoded.text, 0)
        editor.setPlainText(decoded.text[:end])
        self._pending = (path, decoded, end)
        self._next_piece(ticket)

    def _next_piece(self, ticket: int) -> None:
        if ticket != self._insert_ticket or self._pending is None:
            return
        path, decoded, done = self._pending
        text = decoded.text
        if done < len(text):
            end = _piece_end(text, done)
            cursor = QTextCursor(self._editor.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text[done:end])
            self._pending = (path, decoded, end)
            QTimer.singleShot(0, self, lambda: self._next_piece(ticket))
            return
        self._finish_pieces()
        self.opened.emit(path, decoded)

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
