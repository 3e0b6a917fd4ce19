"""The Contents panel: a document's chapters and headings, nested, in a dock beside the text. Enter (or a double
click) on one reads from there; the chapter being heard is shown as the current one. Hidden when the document
has no headings.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem, QWidget

from core.documents import Document

_OFFSET = Qt.ItemDataRole.UserRole


class ContentsPanel(QDockWidget):
    chosen = Signal(int)  # the offset of the heading to read from

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Contents", parent)
        self.setObjectName("contents")
        self.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Contents")
        self.tree.setAccessibleDescription("The document's chapters and headings. Enter reads from the one chosen.")
        self.tree.itemActivated.connect(self._activated)
        self.setWidget(self.tree)
        self._offsets: list[int] = []
        self._items: list[QTreeWidgetItem] = []
        self.hide()

    @property
    def offsets(self) -> list[int]:
        """Where each heading starts, in order."""
        return self._offsets

    def show_document(self, document: Document | None) -> None:
        """List `document`'s headings (none: the panel is emptied and hidden)."""
        self.tree.clear()
        self._offsets, self._items = [], []
        parents: list[tuple[int, QTreeWidgetItem]] = []  # (level, item) of the open branches
        for heading in document.headings if document is not None else ():
            while parents and parents[-1][0] >= heading.level:
                parents.pop()
            item = QTreeWidgetItem([heading.title])
            item.setData(0, _OFFSET, heading.offset)
            page = document.page_at(heading.offset)
            item.setToolTip(0, heading.title + (f" (page {page})" if page is not None else ""))
            if parents:
                parents[-1][1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            parents.append((heading.level, item))
            self._offsets.append(heading.offset)
            self._items.append(item)
        self.tree.expandAll()
        self.setVisible(bool(self._items))

    def focus_list(self) -> None:
        """Show the panel (when it has entries) and put the keyboard in it."""
        if not self._items:
            return
        self.show()
        self.raise_()
        if self.tree.currentItem() is None:
            self.tree.setCurrentItem(self._items[0])
        self.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def follow(self, offset: int) -> None:
        """Mark the heading whose part holds `offset` (what is being heard) as the current one."""
        index = bisect.bisect_right(self._offsets, offset) - 1
        if index >= 0 and self.tree.currentItem() is not self._items[index] and not self.tree.hasFocus():
            self.tree.setCurrentItem(self._items[index])

    @Slot(QTreeWidgetItem, int)
    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        self.chosen.emit(int(item.data(0, _OFFSET)))
