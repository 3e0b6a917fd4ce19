"""The sentence being heard, highlighted in the editor (coloured and underlined) and kept in view."""

from __future__ import annotations

from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTextEdit

from gui.main_window.editor_text import EditorText


class SentenceHighlight:
    def __init__(self, editor: QPlainTextEdit, text: EditorText) -> None:
        self._editor = editor
        self._text = text
        self.range: tuple[int, int] | None = None  # the highlighted characters (Python's offsets), start and end

    def show(self, start: int, end: int) -> None:
        editor = self._editor
        self.range = (start, end)
        last = editor.document().characterCount() - 1
        start, end = min(self._text.position(start), last), min(self._text.position(end), last)
        cursor = editor.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        palette = QApplication.palette()  # the theme's, even before it has reached every widget
        fmt.setBackground(palette.highlight())
        fmt.setForeground(palette.highlightedText())
        fmt.setFontUnderline(True)  # not by colour alone
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = fmt
        editor.setExtraSelections([selection])
        self._keep_in_view(start)

    def clear(self) -> None:
        self.range = None
        self._editor.setExtraSelections([])

    def _keep_in_view(self, offset: int) -> None:
        editor = self._editor
        block = editor.document().findBlock(offset)
        first = editor.firstVisibleBlock().blockNumber()
        visible_lines = max(1, editor.viewport().height() // max(1, editor.fontMetrics().height()))
        if not (first <= block.blockNumber() < first + visible_lines - 1):
            editor.verticalScrollBar().setValue(max(0, block.firstLineNumber() - 2))
