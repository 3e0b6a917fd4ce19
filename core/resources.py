"""Finds the files under resources/ through importlib.resources: from a source checkout, an installed wheel or
the PyInstaller bundle alike, with no path arithmetic of our own.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def resource_path(name: str) -> Path:
    """The file `name` (e.g. "icons/speak.svg") under resources/, on disk: Qt loads icons by path."""
    return Path(os.fspath(files("resources").joinpath(*name.split("/"))))


def resource_text(name: str) -> str:
    return files("resources").joinpath(*name.split("/")).read_text(encoding="utf-8")
