"""Aloud's data files: the voice catalog and the icons. A package so that `importlib.resources` finds them from
a source checkout, an installed wheel and the PyInstaller bundle alike (core/resources.py)."""
