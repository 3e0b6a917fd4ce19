"""The voice picker: every Aura voice grouped by language, searchable by typing any part of its name."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter

from core.voices import Catalog, Voice

MODEL_ROLE = Qt.ItemDataRole.UserRole + 1


def voice_label(voice: Voice, catalog: Catalog) -> str:
    details = ", ".join(x for x in (catalog.language_name(voice.language), voice.gender) if x)
    generation = "" if voice.generation == "aura-2" else " (Aura 1)"
    return f"{voice.name}{generation} – {details}"


class VoicePicker(QComboBox):
    """An editable combo box: type to filter, Enter or a click to choose. Language names head each group."""

    voice_chosen = Signal(str)  # model name

    def __init__(self, catalog: Catalog, parent=None, favourites: list[str] | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.favourites: list[str] = []
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMaxVisibleItems(20)
        model = QStandardItemModel(self)
        self.setModel(model)
        self.set_favourites(favourites or [])
        completer = QCompleter(model, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        # The parts a screen reader meets inside the box, each named (Qt leaves them unnamed).
        self.lineEdit().setAccessibleName("Voice search")
        self.lineEdit().setAccessibleDescription("Type part of a name or language, then Enter")
        self.view().setAccessibleName("Voices")
        completer.popup().setAccessibleName("Matching voices")
        completer.activated[str].connect(self._on_completed)
        self.activated.connect(self._on_activated)

    def set_favourites(self, favourites: list[str]) -> None:
        """Favourite voices come first, under their own heading; every voice stays in its language too."""
        current = self.model_name() if self.count() else ""
        self.favourites = [m for m in favourites if self.catalog.get(m) is not None]
        model: QStandardItemModel = self.model()
        model.clear()
        groups = [("★ Favourites", [self.catalog.get(m) for m in self.favourites])] if self.favourites else []
        groups += [(self.catalog.language_name(lang), voices) for lang, voices in self.catalog.by_language().items()]
        for heading, voices in groups:
            header = QStandardItem(f"— {heading} —")
            header.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
            model.appendRow(header)
            for voice in voices:
                star = "★ " if voice.model in self.favourites else ""
                item = QStandardItem(star + voice_label(voice, self.catalog))
                item.setData(voice.model, MODEL_ROLE)
                item.setToolTip(voice.model + (f": {voice.description}" if voice.description else ""))
                model.appendRow(item)
        if current:
            self.set_model_name(current)

    def model_name(self) -> str:
        return self.itemData(self.currentIndex(), MODEL_ROLE) or ""

    def set_model_name(self, model_name: str) -> bool:
        index = self.findData(model_name, MODEL_ROLE)
        if index < 0:
            return False
        self.setCurrentIndex(index)
        return True

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        model_name = self.itemData(index, MODEL_ROLE)
        if model_name:
            self.voice_chosen.emit(model_name)

    @Slot(str)
    def _on_completed(self, text: str) -> None:
        index = self.findText(text)
        if index >= 0:
            self.setCurrentIndex(index)
            self._on_activated(index)
