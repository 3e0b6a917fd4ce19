"""The editor's text as Python sees it, converted once per change, and the two ways of counting places in it.

Reading, navigation, saving and the reading position all ask for the text; converting a book (about 30 ms for
5 MB) on each key press would be felt, so it is kept, and edits are noted as they come and applied when the text
is next asked for (typing runs together into one edit: one copy, about 11 ms for 5 MB). Qt counts UTF-16 units (an
emoji is two) where Python counts characters: everything outside the editor uses Python's offsets, and the
cursor and the highlight convert here, at the edge.
"""

from __future__ import annotations

import bisect
import re

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # characters Qt counts twice
_VISIBLE = re.compile(r"\S")
# What toPlainText makes of the characters a selection holds: paragraph and line separators (and the
# frame marks) become line ends, no-break spaces spaces.
_AS_PLAIN = str.maketrans({"\u2029": "\n", "\u2028": "\n", "\ufdd0": "\n", "\ufdd1": "\n", "\u00a0": " "})
# Characters toPlainText gives back as others, or not at all (a byte order mark at the start: with a character
# Qt counts twice after it, the counts agree and would hide that).
_CHANGED_BY_QT = "\r\u00a0\u2028\u2029\ufdd0\ufdd1\ufeff"
PATCH_LIMIT = 64 * 1024  # a larger change (opening a file, a big paste) converts the whole text once instead
MAX_EDITS = 16  # and so do more separate edits than this before the text is asked for


class EditorText(QObject):
    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self._editor = editor
        self._text: str | None = None
        self._edits: list[tuple[int, int, str]] = []  # since the text was made: (offset, removed, inserted)
        self._astral: list[int] = []  # offsets (Python's) of the characters Qt counts twice
        self._astral_qt: list[int] = []  # and their positions (Qt's)
        editor.document().contentsChange.connect(self._changed)

    @Slot(int, int, int)
    def _changed(self, position: int, removed: int, added: int) -> None:
        if self._text is None:
            return
        if self._astral or removed > PATCH_LIMIT or added > PATCH_LIMIT or len(self._edits) >= MAX_EDITS:
            self._forget()
            return
        document = self._editor.document()
        length = document.characterCount() - 1
        cursor = QTextCursor(document)
        cursor.setPosition(min(position, length))
        cursor.setPosition(min(position + added, length), QTextCursor.MoveMode.KeepAnchor)
        inserted = cursor.selectedText().translate(_AS_PLAIN)
        if _ASTRAL.search(inserted):
            self._forget()
            return
        if self._edits:
            at, gone, typed = self._edits[-1]
            if removed == 0 and position == at + len(typed):  # typing on
                self._edits[-1] = (at, gone, typed + inserted)
                return
            if added == 0 and position + removed == at + len(typed) and removed <= len(typed):  # backspacing
                self._edits[-1] = (at, gone, typed[: len(typed) - removed])
                return
        self._edits.append((position, removed, inserted))

    def _forget(self) -> None:
        self._text = None
        self._edits.clear()

    def text(self) -> str:
        """The document's plain text (lines end in \\n)."""
        if self._text is not None and self._edits:
            text = self._text
            for at, removed, inserted in self._edits:
                text = "".join((text[:at], inserted, text[at + removed :]))
            self._edits.clear()
            # Qt's count can be off at the document's end, where a change may include the last paragraph mark.
            self._text = text if len(text) == self._editor.document().characterCount() - 1 else None
        if self._text is None:
            text = self._editor.toPlainText()
            self._astral = []
            # Qt's count (less the final paragraph mark) equals Python's unless some character is counted twice.
            if len(text) != self._editor.document().characterCount() - 1:
                self._astral = [match.start() for match in _ASTRAL.finditer(text)]
            self._astral_qt = [offset + index for index, offset in enumerate(self._astral)]
            self._text = text
        return self._text

    def adopt(self, text: str) -> None:
        """Take `text` as the editor's, just put there whole (a file opened), to spare converting it back;
        unless Qt changes some of its characters or counts some twice (qt_keeps_as_is), when it is converted
        from the editor when next asked for."""
        self._forget()
        if len(text) == self._editor.document().characterCount() - 1 and qt_keeps_as_is(text):
            self._text = text
            self._astral, self._astral_qt = [], []

    def offset(self, position: int) -> int:
        """Python's offset for Qt's cursor position."""
        self.text()
        if not self._astral:
            return position
        # Each character counted twice that ends at or before the position shifts it by one.
        return position - bisect.bisect_right(self._astral_qt, position - 2)

    def position(self, offset: int) -> int:
        """Qt's cursor position for Python's offset."""
        self.text()
        if not self._astral:
            return offset
        return offset + bisect.bisect_left(self._astral, offset)

    def any_visible(self, start: int, end: int) -> bool:
        """Whether characters start to end hold anything but whitespace (found without copying them)."""
        return _VISIBLE.search(self.text(), start, end) is not None

    def cursor_offset(self) -> int:
        return self.offset(self._editor.textCursor().position())

    def selection(self) -> tuple[int, int] | None:
        """The selected characters (Python's offsets), or None."""
        cursor = self._editor.textCursor()
        if not cursor.hasSelection():
            return None
        return self.offset(cursor.selectionStart()), self.offset(cursor.selectionEnd())


def qt_keeps_as_is(text: str) -> bool:
    """Whether the editor's toPlainText gives `text` back unchanged: no line breaks other than \\n, no no-break
    spaces (the count of UTF-16 units is checked apart). A search a character at a time runs at memory speed
    (about 1 ms for 5 MB each; a regular expression's character class took 42 ms)."""
    return not any(char in text for char in _CHANGED_BY_QT)
