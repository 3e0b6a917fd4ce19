"""The status bar's fields: each shows a short text, and gives screen readers that text as its accessible name
("Reading state: Speaking"), which a fixed name would hide."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


class StatusLabel(QLabel):
    def __init__(self, what: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.what = what  # what the field is, said before what it shows
        self.setAccessibleName(what)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setAccessibleName(f"{self.what}: {text}" if text else self.what)

    def clear(self) -> None:
        self.setText("")
