"""The reader window, split by job: `window` (layout, actions, menus, status bar), `reading` (speak, pause,
stop, navigation, and what the speech worker reports), `documents` (open, save, recent files, the reading
position, Save Audio), `voice_bar` (voice, speed, volume) and `highlight` (the sentence being heard).
"""

from gui.main_window.window import MainWindow

__all__ = ["MainWindow"]
