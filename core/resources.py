"""Finds the files under resources/, from a source checkout or from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

IS_FROZEN = bool(getattr(sys, "frozen", False))


def resource_dir() -> Path:
    if IS_FROZEN:
        return Path(getattr(sys, "_MEIPASS")) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    return resource_dir() / name
