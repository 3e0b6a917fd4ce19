"""Aloud in the system tray, where the desktop has one: Read Clipboard, Read Selection, Pause/Resume, Stop,
Watch Clipboard, Show Window and Quit, and an icon that shows when it is speaking. The menu exists without a
tray too (it is the same actions), so what it does is the same everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from core.playback import PlaybackState
from core.remote import Action

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow


class Tray(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu("Aloud", window)
        self.menu.setAccessibleName("Aloud tray menu")
        self.read_clipboard_action = self._add("Read &Clipboard", lambda: window.remote.act(Action.READ_CLIPBOARD))
        self.read_selection_action = self._add("Read &Selection", lambda: window.remote.act(Action.READ_SELECTION))
        self.menu.addSeparator()
        self.pause_action = self._add("&Pause", window.reading.toggle_pause)
        self.stop_action = self._add("S&top", window.reading.stop)
        self.menu.addAction(window.watch_clipboard_action)
        self.menu.addSeparator()
        self.show_action = self._add("Show &Window", window.remote.show_window)
        self.quit_action = self._add("&Quit", window.quit)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(window.windowIcon(), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.show()
        self.show_state(PlaybackState.IDLE)

    @property
    def available(self) -> bool:
        return self.icon is not None

    def _add(self, text: str, slot) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # a click: show or hide the window
            if self.window.isVisible() and self.window.isActiveWindow():
                self.window.hide()
            else:
                self.window.remote.show_window()

    def show_state(self, state: PlaybackState) -> None:
        """The pause item says what it will do; the icon and its tooltip say whether Aloud is speaking."""
        speaking = state in (PlaybackState.SPEAKING, PlaybackState.CONNECTING)
        self.pause_action.setText("&Resume" if state is PlaybackState.PAUSED else "&Pause")
        self.pause_action.setEnabled(state.running)
        self.stop_action.setEnabled(state.running)
        if self.icon is not None:
            self.icon.setIcon(self.window.speaking_icon if speaking else self.window.windowIcon())
            self.icon.setToolTip("Aloud: speaking" if speaking else
                                 "Aloud: paused" if state is PlaybackState.PAUSED else "Aloud")

    def tell(self, message: str) -> None:
        """A notification from the tray (where there is one), for when the window is hidden."""
        if self.icon is not None and not self.window.isVisible():
            self.icon.showMessage("Aloud", message, QSystemTrayIcon.MessageIcon.Information, 5000)
