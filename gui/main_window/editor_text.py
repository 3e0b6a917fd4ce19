"""The editor's text as Python sees it, converted once per change, and the two ways of counting places in it.

Reading, navigation, saving and the reading position all ask for the text; converting a book on each key press
(about 30 ms for 5 MB) would be felt, so it is kept until the document changes. Qt counts UTF-16 units (an
emoji is two) where Python counts characters: everything outside the editor uses Python's offsets, and the
cursor and the highlight convert here, at the edge.
"""

from __future__ import annotations

import bisect
import re

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QPlainTextEdit

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # characters Qt counts twice


class EditorText(QObject):
    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self._editor = editor
        self._text: str | None = None
        self._astral: list[int] = []  # offsets (Python's) of the characters Qt counts twice
        self._astral_qt: list[int] = []  # and their positions (Qt's)
        editor.document().contentsChanged.connect(self._changed)

    @Slot()
    def _changed(self) -> None:
        self._text = None

    def text(self) -> str:
        """The document's plain text (lines end in \\n)."""
        if self._text is None:
            text = self._editor.toPlainText()
            self._astral = []
            # Qt's count (less the final paragraph mark) equals Python's unless some character is counted twice.
            if len(text) != self._editor.document().characterCount() - 1:
                self._astral = [match.start() for match in _ASTRAL.finditer(text)]
            self._astral_qt = [offset + index for index, offset in enumerate(self._astral)]
            self._text = text
        return self._text

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

    def cursor_offset(self) -> int:
        return self.offset(self._editor.textCursor().position())

    def selection(self) -> tuple[int, int] | None:
        """The selected characters (Python's offsets), or None."""
        cursor = self._editor.textCursor()
        if not cursor.hasSelection():
            return None
        return self.offset(cursor.selectionStart()), self.offset(cursor.selectionEnd())
