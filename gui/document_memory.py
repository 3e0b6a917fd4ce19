"""What the app remembers about documents across runs: the recent-files list and where each was left off."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10
MAX_POSITIONS = 200  # past this, one stored position is dropped for each new document


def _key(path: Path) -> str:
    # QSettings keys cannot hold every character a path can; a digest can.
    return hashlib.sha1(str(path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()


class DocumentMemory:
    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings()

    # --- recent files -----------------------------------------------------------------------------

    def recent(self) -> list[Path]:
        value = self.store.value("recent_files", [])
        if isinstance(value, str):  # QSettings gives a lone item back as a string
            value = [value]
        return [Path(p) for p in value or []]

    def add_recent(self, path: Path) -> None:
        path = path.resolve()
        paths = [path] + [p for p in self.recent() if p != path]
        self.store.setValue("recent_files", [str(p) for p in paths[:MAX_RECENT]])

    def forget_recent(self, path: Path) -> None:
        self.store.setValue("recent_files", [str(p) for p in self.recent() if p != path.resolve()])

    # --- reading positions --------------------------------------------------------------------------

    def position(self, path: Path, text: str) -> int:
        """Where reading stopped in this document, or 0. A document that changed length is not trusted."""
        value = self.store.value(f"positions/{_key(path)}", "")
        try:
            offset, length = (int(x) for x in str(value).split(":"))
        except ValueError:
            return 0
        return offset if length == len(text) and 0 < offset < len(text) else 0

    def set_position(self, path: Path, text: str, offset: int) -> None:
        self.store.beginGroup("positions")
        keys = self.store.childKeys()
        if len(keys) >= MAX_POSITIONS and _key(path) not in keys:
            self.store.remove(keys[0])
        self.store.endGroup()
        self.store.setValue(f"positions/{_key(path)}", f"{offset}:{len(text)}")
