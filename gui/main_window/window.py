"""The reader window: its layout, actions, menus and status bar, and closing. What it does is in its parts:
`reading` (speak, pause, stop, navigation), `documents` (files and Save Audio), `voice_bar` and `highlight`.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAction, QFont, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QLabel, QMainWindow, QMessageBox, QPlainTextEdit, QToolBar, QToolButton, QWidget,
)

from core.playback import PlaybackState
from core.remote_cli import binding_help, command_line
from core.resources import resource_path
from core.voices import load_catalog
from gui.main_window.clipboard_watch import ClipboardWatch, DocumentEditor
from gui.main_window.contents import ContentsPanel
from gui.main_window.documents import Documents
from gui.main_window.editor_text import EditorText
from gui.main_window.highlight import SentenceHighlight
from gui.main_window.status_bar import StatusLabel
from gui.main_window.reading import ReadingControl
from gui.main_window.remote_control import RemoteControl
from gui.main_window.speed_control import SpeedControl
from gui.main_window.global_key import GlobalKey
from gui.main_window.tray import Tray
from gui.main_window.voice_bar import VoiceBar
from gui.settings import AppSettings, KeyStore
from gui.settings_dialog import SettingsDialog
from gui.themes import apply_theme

log = logging.getLogger(__name__)

ZOOM_STEPS = (50, 67, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300, 350, 400)


def icon(name: str) -> QIcon:
    return QIcon(str(resource_path(f"icons/{name}.svg")))


class MainWindow(QMainWindow):
    quit_requested = Signal()  # Quit was chosen and the window agreed to close: the application ends
    def __init__(self, url: str | None = None, path: str | None = None) -> None:
        super().__init__()
        self.url_override = url
        self.catalog = load_catalog()
        self.settings = AppSettings.load()
        self.keys = KeyStore()
        apply_theme(QApplication.instance(), self.settings.theme)
        self.zoom = 100
        self.setWindowIcon(icon("aloud"))
        self.resize(900, 640)
        self._build_editor()
        self.contents = ContentsPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.contents)
        # Not widgets: they own the worker threads and hold no layout; the actions and bars below use them.
        self.reading = ReadingControl(self)
        self.documents = Documents(self)
        self.remote = RemoteControl(self)
        self.clipboard_watch = ClipboardWatch(self)
        self.contents.chosen.connect(self.reading.move_and_speak)
        self.speaking_icon = icon("aloud-speaking")
        self._quitting = False

        self._build_actions()
        self.speed_control = SpeedControl(self)
        self.tray = Tray(self)
        self.global_key = GlobalKey(self)
        self.global_key.apply(self.settings.global_shortcut)
        self._build_toolbars()
        self.speed_control.connect_bar()
        self._build_menus()
        self._build_status_bar()
        self.documents.update_title()
        self.reading.set_state(PlaybackState.IDLE)
        self.voice_label.setText(f"Voice: {self.voice_bar.model()}")
        # Where readings go depends on the key: say it once the keyring has been read, off this thread and
        # after the first frame (importing the keyring and finding its backend takes about 0.25 s).
        QTimer.singleShot(0, self, lambda: self.keys.load_in_background(self._key_known))
        if path:
            self.documents.open_path(Path(path))

    # --- building --------------------------------------------------------------------------------

    def _build_editor(self) -> None:
        self.editor = DocumentEditor(self)
        self.editor.setAccessibleName("Document")
        self.editor.setAccessibleDescription("The text to read aloud. Speak starts at the cursor or the selection.")
        self.editor.setPlaceholderText("Type or paste text here, or open a file, then press F5 to hear it.")
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # Tab moves to the next control, as everywhere else in the window (Ctrl+Tab types a tab).
        self.editor.setTabChangesFocus(True)
        self.text = EditorText(self.editor)
        self.highlight = SentenceHighlight(self.editor, self.text)
        self._apply_zoom()
        self.editor.document().modificationChanged.connect(lambda _: self.documents.update_title())
        # Files dropped on the text open as documents. Kept: the app-wide filter below sees every event.
        self._viewport = self.editor.viewport()
        self._viewport.installEventFilter(self)
        self._ctrl_alone = False
        QApplication.instance().installEventFilter(self)  # Ctrl pressed and released alone stops speech
        self.setCentralWidget(self.editor)

    def _action(self, text: str, shortcuts, slot, tip: str, icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(s) for s in (shortcuts if isinstance(shortcuts, (list, tuple)) else [shortcuts])]
        action.setShortcuts(keys)
        shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{text.replace('&', '')} ({shown})")
        action.setStatusTip(tip)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work wherever the focus is in the window
        return action

    def _build_actions(self) -> None:
        self.speak_action = self._action("&Speak", "F5", self.reading.speak, "Read aloud from the cursor or the selection",
                                         "speak")
        self.pause_action = self._action("&Pause/Resume", "F6", self.reading.toggle_pause, "Pause or resume reading", "pause")
        self.stop_action = self._action("S&top", ["F7", "Escape"], self.reading.stop, "Stop reading", "stop")
        self.previous_action = self._action("P&revious Sentence", "Alt+Left", self.reading.previous_sentence,
                                            "Read from the previous sentence", "previous")
        self.next_action = self._action("&Next Sentence", "Alt+Right", self.reading.next_sentence,
                                        "Read from the next sentence", "next")
        self.previous_paragraph_action = self._action("Previous Para&graph", "Ctrl+Up", self.reading.previous_paragraph,
                                                      "Read from the previous paragraph")
        self.next_paragraph_action = self._action("Next Parag&raph", "Ctrl+Down", self.reading.next_paragraph,
                                                  "Read from the next paragraph")
        self.previous_chapter_action = self._action("Previous C&hapter", "Alt+PgUp", self.reading.previous_chapter,
                                                    "Read from the start of this chapter, or the one before")
        self.next_chapter_action = self._action("Next Chapt&er", "Alt+PgDown", self.reading.next_chapter,
                                                "Read from the next chapter or heading")
        self.contents_action = self._action("&Contents", "Ctrl+T", self.contents.focus_list,
                                            "Move to the list of chapters and headings")
        self.open_action = self._action("&Open…", QKeySequence.StandardKey.Open, self.documents.open_dialog,
                                        "Open a book, web page, Markdown or text file")
        self.save_action = self._action("&Save", QKeySequence.StandardKey.Save, self.documents.save, "Save the document")
        self.save_as_action = self._action("Save &As…", QKeySequence.StandardKey.SaveAs, self.documents.save_as,
                                           "Save the document under another name")
        self.quit_action = self._action("&Quit", "Ctrl+Q", self.quit, "Quit Aloud")
        self.watch_clipboard_action = self._action("&Watch Clipboard", "Ctrl+Shift+W",
                                                   self.clipboard_watch.set_enabled,
                                                   "Read each text copied in any app, as it is copied")
        self.watch_clipboard_action.setCheckable(True)
        self.clipboard_watch.toggled.connect(self.watch_clipboard_action.setChecked)
        self.save_audio_action = self._action("Save &Audio…", "Ctrl+Shift+A", self.documents.save_audio_dialog,
                                              "Save the spoken document, or the selection, as a WAV file")
        self.settings_action = self._action("Se&ttings…", "Ctrl+,", self.open_settings,
                                            "Endpoint, API key, voice, audio, text size and theme")
        self.zoom_in_action = self._action("Zoom &In", ["Ctrl++", "Ctrl+="], lambda: self.zoom_by(+1),
                                           "Make the text larger")
        self.zoom_out_action = self._action("Zoom &Out", "Ctrl+-", lambda: self.zoom_by(-1), "Make the text smaller")
        self.zoom_reset_action = self._action("&Actual Size", "Ctrl+0", lambda: self.set_zoom(100),
                                              "Text at its normal size")
        self.voice_action = self._action("Choose &Voice", "Ctrl+Shift+V", lambda: self.voice_bar.focus_voice(), "Move to the voice list")
        self.favourite_action = self._action("&Favourite Voice On/Off", "Ctrl+D", lambda: self.voice_bar.toggle_favourite(),
                                             "Add the chosen voice to the favourites at the top of the list, or take it off")
        self.binding_help_action = self._action("Read From &Any App…", "Ctrl+F1", self.show_binding_help,
                                                "How to read the selection in any app with a key")
        self.shortcuts_action = self._action("&Keyboard Shortcuts", "F1", self.show_shortcuts,
                                             "List every keyboard shortcut")
        self.menu_action = self._action("&Menus", "F10", self._open_menus, "Open the menu bar's first menu")
        self.insert_tab_action = self._action("Insert &Tab Character", "Ctrl+Tab", self._insert_tab,
                                              "Type a tab into the document (Tab moves to the next control)")

    def _build_toolbars(self) -> None:
        bar = QToolBar("Playback", self)
        bar.setObjectName("playback")
        bar.setAccessibleName("Playback controls")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.speak_action, self.pause_action, self.stop_action, self.previous_action,
                       self.next_action):
            bar.addAction(action)
            # Tool buttons take no focus by default; keyboard users should be able to Tab to them too.
            bar.widgetForAction(action).setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.addToolBar(bar)
        self.toolbar = bar
        self.addToolBarBreak()
        self.voice_bar = VoiceBar(self.catalog, self.settings, self)
        self.voice_bar.volume_changed.connect(self.reading.request_volume)
        self.voice_bar.voice_changed.connect(lambda model: self.voice_label.setText(f"Voice: {model}"))
        self.voice_bar.message.connect(lambda text: self.announce(text, self.closure_label))
        self.addToolBar(self.voice_bar)
        for toolbar in (bar, self.voice_bar):
            # The button Qt adds when a toolbar does not fit: unnamed, a screen reader says only "button".
            extension = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
            if extension is not None:
                extension.setAccessibleName(f"More {toolbar.windowTitle().lower()} controls")

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.file_menu = file_menu
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.documents.fill_recent_menu)
        for action in (self.save_action, self.save_as_action, self.save_audio_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        play_menu = menus.addMenu("&Playback")
        for action in (self.speak_action, self.pause_action, self.stop_action, self.previous_action,
                       self.next_action, self.previous_paragraph_action, self.next_paragraph_action,
                       self.previous_chapter_action, self.next_chapter_action, *self.speed_control.actions,
                       self.voice_action, self.favourite_action, self.watch_clipboard_action):
            play_menu.addAction(action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addAction(self.insert_tab_action)
        view_menu = menus.addMenu("&View")
        for action in (self.contents_action, self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action):
            view_menu.addAction(action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.binding_help_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.state_label = StatusLabel("Reading state", bar)
        self.closure_label = StatusLabel("Last result", bar)
        self.closure_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.voice_label = StatusLabel("Voice in use", bar)
        self.latency_label = StatusLabel("Time to first audio", bar)
        self.position_label = StatusLabel("Position in the document", bar)
        bar.addWidget(self.state_label)
        bar.addWidget(self.closure_label, 1)
        bar.addPermanentWidget(self.position_label)
        bar.addPermanentWidget(self.voice_label)
        bar.addPermanentWidget(self.latency_label)

    def _key_known(self) -> None:
        try:
            self.reading.key_known.emit()
        except RuntimeError:
            pass  # the window was closed before the keyring answered

    # --- small things ------------------------------------------------------------------------------

    def announce(self, text: str, label: QLabel) -> None:
        """Show text in a status label and have screen readers say it."""
        label.setText(text)
        label.setToolTip(text)
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(label, text))

    @contextmanager
    def returning_focus(self) -> Iterator[None]:
        """Around a dialog: afterwards the focus is back where it was, whether the dialog was accepted or left
        with Escape (not every window manager reactivates the window a dialog came from)."""
        widget = QApplication.focusWidget()
        try:
            yield
        finally:
            self.activateWindow()
            if widget is not None and widget.window() is self:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.keys, self.catalog, self)
        with self.returning_focus():
            accepted = dialog.exec() == SettingsDialog.DialogCode.Accepted
        if accepted:
            self.apply_settings()

    def apply_settings(self) -> None:
        self.settings.save()
        apply_theme(QApplication.instance(), self.settings.theme)
        self.voice_bar.choose(self.settings.voice)
        self._apply_zoom()
        self.reading.say_endpoint()
        self.global_key.apply(self.settings.global_shortcut)

    def zoom_by(self, steps: int) -> None:
        index = min(range(len(ZOOM_STEPS)), key=lambda i: abs(ZOOM_STEPS[i] - self.zoom))
        self.set_zoom(ZOOM_STEPS[max(0, min(len(ZOOM_STEPS) - 1, index + steps))])

    def set_zoom(self, percent: int) -> None:
        self.zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], percent))
        self._apply_zoom()
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.editor, f"Text size {self.zoom}%"))

    def _apply_zoom(self) -> None:
        font = QFont(self.editor.font())
        font.setPointSizeF(self.settings.font_points * self.zoom / 100)
        self.editor.setFont(font)

    def _open_menus(self) -> None:
        """F10, as in GNOME and Windows: the menus are not in the Tab order, so a key opens them."""
        self.menuBar().setActiveAction(self.file_menu.menuAction())

    def _insert_tab(self) -> None:
        if not self.editor.isReadOnly():
            self.editor.insertPlainText("\t")
            self.editor.setFocus()

    def show_shortcuts(self) -> None:
        lines = []
        for action in self.findChildren(QAction):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            if keys:
                lines.append(f"{action.text().replace('&', '')}: {keys}")
        with self.returning_focus():
            QMessageBox.information(self, "Keyboard shortcuts", "\n".join(sorted(lines)))

    def show_binding_help(self) -> None:
        command = command_line(sys.argv[0], sys.executable, bool(getattr(sys, "frozen", False)))
        with self.returning_focus():
            QMessageBox.information(self, "Read from any app", binding_help(command))

    def _is_mine(self, watched: QObject) -> bool:
        if watched is self.windowHandle():
            return True
        return isinstance(watched, QWidget) and watched.window() is self

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Ctrl alone stops speech (as in NVDA); a file dropped on the text opens it."""
        kind = event.type()
        pressed = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)  # a shortcut's key arrives only as the latter
        if (kind in pressed or kind == QEvent.Type.KeyRelease) and self._is_mine(watched):
            # A key may be seen several times here (the window, the focus widget, its parents). Ctrl
            # released with no other key pressed since is "Ctrl alone"; every Ctrl+key shortcut and the
            # editor's own Ctrl keys work as before.
            if kind in pressed:
                if event.key() != Qt.Key.Key_Control:
                    self._ctrl_alone = False
                elif not event.isAutoRepeat():
                    self._ctrl_alone = True
            elif event.key() == Qt.Key.Key_Control and self._ctrl_alone:
                self._ctrl_alone = False
                if self.reading.state.running:
                    self.reading.stop()
            return False
        if watched is self._viewport and kind in (QEvent.Type.DragEnter, QEvent.Type.Drop):
            urls = [u for u in event.mimeData().urls() if u.isLocalFile()] if event.mimeData().hasUrls() else []
            if urls:
                event.acceptProposedAction()
                if event.type() == QEvent.Type.Drop and self.documents.confirm_discard():
                    self.documents.open_path(Path(urls[0].toLocalFile()))
                return True
        return super().eventFilter(watched, event)

    # --- closing -------------------------------------------------------------------------------------

    def quit(self) -> None:
        """Quit, even when closing the window would only hide it in the tray (or it is hidden there already,
        when closing it would not end the application by itself)."""
        self._quitting = True
        if self.close():
            self.quit_requested.emit()
        else:
            self._quitting = False

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self._quitting and self.settings.close_to_tray and self.tray.available:
            self.hide()  # reading goes on; the tray has the window and Quit
            event.ignore()
            if not self.settings.told_close_to_tray:
                self.settings.told_close_to_tray = True
                self.settings.save()
                self.tray.tell("Aloud is still running in the tray: its menu has Show Window and Quit.")
            return
        if not self.documents.confirm_discard():
            event.ignore()
            return
        if self.reading.state.active:
            self.documents.remember_position(self.highlight.range, finished=False)
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop reading and saving, and join the worker threads, so the process exits cleanly."""
        QApplication.instance().removeEventFilter(self)
        self.global_key.release()
        self.reading.shutdown()
        self.documents.shutdown()
