"""The reader window: the document, the playback controls, and a status bar that says what happened."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QMetaObject, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import (
    QAccessible, QAccessibleAnnouncementEvent, QAction, QFont, QIcon, QKeySequence, QTextCharFormat, QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication, QDoubleSpinBox, QLabel, QMainWindow, QMessageBox, QPlainTextEdit, QProgressDialog,
    QSlider, QTextEdit, QToolBar, QWidget,
)

from core.chunking import Boundary, split_text
from core.endpoints import Endpoint, offline_endpoint, resolve_endpoint
from core.options import DEFAULT_MODEL, SPEED_RANGE, OptionError, SpeakOptions, is_aura2
from core.resources import resource_path
from core.voices import load_catalog
from gui.audio_export import ExportWorker
from gui.document_memory import DocumentMemory
from gui.settings import AppSettings, KeyStore, api_key
from gui.settings_dialog import SettingsDialog
from gui.speech_worker import SpeechRequest, SpeechWorker
from gui.themes import apply_theme
from gui.window_documents import DocumentsMixin
from gui.voice_picker import VoicePicker

log = logging.getLogger(__name__)

ZOOM_STEPS = (50, 67, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300, 350, 400)
STATE_WORDS = {
    "idle": "Ready",
    "connecting": "Connecting…",
    "speaking": "Speaking",
    "paused": "Paused",
    "stopping": "Stopping…",
    "stopped": "Stopped",
    "finished": "Finished",
    "failed": "Stopped by an error",
}


def icon(name: str) -> QIcon:
    return QIcon(str(resource_path(f"icons/{name}.svg")))


class MainWindow(DocumentsMixin, QMainWindow):
    request_export = Signal(object)
    request_export_cancel = Signal()
    request_start = Signal(object)
    request_pause = Signal()
    request_resume = Signal()
    request_stop = Signal()
    request_volume = Signal(float)

    def __init__(self, url: str | None = None, path: str | None = None) -> None:
        super().__init__()
        self.url_override = url
        self.catalog = load_catalog()
        self.settings = AppSettings.load()
        self.keys = KeyStore()
        self.memory = DocumentMemory()
        self.resume_offer: QMessageBox | None = None
        apply_theme(QApplication.instance(), self.settings.theme)
        self.document_path: Path | None = None
        self.state = "idle"
        self.zoom = 100
        self.heard_range: tuple[int, int] | None = None
        self._audio_problem = ""
        self.setWindowIcon(icon("aloud"))
        self.resize(900, 640)

        self._build_editor()
        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()
        self._start_worker()
        self._update_title()
        self._set_state("idle")
        self._say_endpoint()
        if path:
            self.open_path(Path(path))

    # --- building --------------------------------------------------------------------------------

    def _build_editor(self) -> None:
        self.editor = QPlainTextEdit(self)
        self.editor.setAccessibleName("Document")
        self.editor.setAccessibleDescription("The text to read aloud. Speak starts at the cursor or the selection.")
        self.editor.setPlaceholderText("Type or paste text here, or open a file, then press F5 to hear it.")
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._apply_zoom()
        self.editor.document().modificationChanged.connect(lambda _: self._update_title())
        self.editor.viewport().installEventFilter(self)  # files dropped on the text open as documents
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
        self.speak_action = self._action("&Speak", "F5", self.speak, "Read aloud from the cursor or the selection",
                                         "speak")
        self.pause_action = self._action("&Pause/Resume", "F6", self.toggle_pause, "Pause or resume reading", "pause")
        self.stop_action = self._action("S&top", ["F7", "Escape"], self.stop, "Stop reading", "stop")
        self.previous_action = self._action("P&revious Sentence", "Alt+Left", self.previous_sentence,
                                            "Read from the previous sentence", "previous")
        self.next_action = self._action("&Next Sentence", "Alt+Right", self.next_sentence,
                                        "Read from the next sentence", "next")
        self.previous_paragraph_action = self._action("Previous Para&graph", "Ctrl+Up", self.previous_paragraph,
                                                      "Read from the previous paragraph")
        self.next_paragraph_action = self._action("Next Parag&raph", "Ctrl+Down", self.next_paragraph,
                                                  "Read from the next paragraph")
        self.open_action = self._action("&Open…", QKeySequence.StandardKey.Open, self.open_dialog,
                                        "Open a text or Markdown file")
        self.save_action = self._action("&Save", QKeySequence.StandardKey.Save, self.save, "Save the document")
        self.save_as_action = self._action("Save &As…", QKeySequence.StandardKey.SaveAs, self.save_as,
                                           "Save the document under another name")
        self.quit_action = self._action("&Quit", "Ctrl+Q", self.close, "Quit Aloud")
        self.save_audio_action = self._action("Save &Audio…", "Ctrl+Shift+A", self.save_audio_dialog,
                                              "Save the spoken document, or the selection, as a WAV file")
        self.settings_action = self._action("Se&ttings…", "Ctrl+,", self.open_settings,
                                            "Endpoint, API key, voice, audio, text size and theme")
        self.zoom_in_action = self._action("Zoom &In", ["Ctrl++", "Ctrl+="], lambda: self.zoom_by(+1),
                                           "Make the text larger")
        self.zoom_out_action = self._action("Zoom &Out", "Ctrl+-", lambda: self.zoom_by(-1), "Make the text smaller")
        self.zoom_reset_action = self._action("&Actual Size", "Ctrl+0", lambda: self.set_zoom(100),
                                              "Text at its normal size")
        self.voice_action = self._action("Choose &Voice", "Ctrl+Shift+V", self._focus_voice, "Move to the voice list")
        self.favourite_action = self._action("&Favourite Voice On/Off", "Ctrl+D", self.toggle_favourite,
                                             "Add the chosen voice to the favourites at the top of the list, or take it off")
        self.shortcuts_action = self._action("&Keyboard Shortcuts", "F1", self.show_shortcuts,
                                             "List every keyboard shortcut")

    def _build_toolbar(self) -> None:
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
        bar = QToolBar("Voice", self)
        bar.setObjectName("voice")
        bar.setAccessibleName("Voice, speed and volume")
        voice_label = QLabel("&Voice:", bar)
        self.voice_picker = VoicePicker(self.catalog, bar, self.settings.favourite_voices)
        self.voice_picker.setAccessibleName("Voice")
        self.voice_picker.setAccessibleDescription("Type part of a name or language to find a voice")
        self.voice_picker.setToolTip("Voice (Ctrl+Shift+V; Ctrl+D makes it a favourite)")
        voice_label.setBuddy(self.voice_picker)
        if not self.voice_picker.set_model_name(self.settings.voice):
            self.voice_picker.set_model_name(DEFAULT_MODEL)
        self.voice_picker.voice_chosen.connect(self._on_voice_chosen)
        bar.addWidget(voice_label)
        bar.addWidget(self.voice_picker)

        speed_label = QLabel("Spee&d:", bar)
        self.speed = QDoubleSpinBox(bar)
        self.speed.setRange(*SPEED_RANGE)
        self.speed.setSingleStep(0.05)
        self.speed.setDecimals(2)
        self.speed.setSuffix("×")
        self.speed.setValue(self.settings.speed)
        self.speed.setAccessibleName("Speaking speed")
        self.speed.setAccessibleDescription("0.7 to 1.5 times normal speed, for Aura-2 voices")
        self.speed.setToolTip("Speaking speed, 0.7-1.5× (Alt+D)")
        self.speed.valueChanged.connect(self._on_speed)
        speed_label.setBuddy(self.speed)
        bar.addWidget(speed_label)
        bar.addWidget(self.speed)

        volume_label = QLabel("Vo&lume:", bar)
        self.volume = QSlider(Qt.Orientation.Horizontal, bar)
        self.volume.setRange(0, 100)
        self.volume.setValue(self.settings.volume)
        self.volume.setMaximumWidth(140)
        self.volume.setAccessibleName("Volume")
        self.volume.setToolTip("Volume (Alt+L)")
        self.volume.setPageStep(10)
        self.volume.valueChanged.connect(self._on_volume)
        volume_label.setBuddy(self.volume)
        bar.addWidget(volume_label)
        bar.addWidget(self.volume)
        self.addToolBar(bar)
        self.voice_toolbar = bar

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        for action in (self.save_action, self.save_as_action, self.save_audio_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        play_menu = menus.addMenu("&Playback")
        for action in (self.speak_action, self.pause_action, self.stop_action, self.previous_action,
                       self.next_action, self.previous_paragraph_action, self.next_paragraph_action,
                       self.voice_action, self.favourite_action):
            play_menu.addAction(action)
        view_menu = menus.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action):
            view_menu.addAction(action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.state_label = QLabel(bar)
        self.state_label.setAccessibleName("Reading state")
        self.closure_label = QLabel(bar)
        self.closure_label.setAccessibleName("Last result")
        self.closure_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.voice_label = QLabel(bar)
        self.voice_label.setAccessibleName("Voice in use")
        self.latency_label = QLabel(bar)
        self.latency_label.setAccessibleName("Time to first audio")
        bar.addWidget(self.state_label)
        bar.addWidget(self.closure_label, 1)
        bar.addPermanentWidget(self.voice_label)
        bar.addPermanentWidget(self.latency_label)

    def _start_worker(self) -> None:
        self.thread = QThread(self)
        self.thread.setObjectName("aloud-speech")
        self.worker = SpeechWorker()
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.deleteLater)
        self.request_start.connect(self.worker.start)
        self.request_pause.connect(self.worker.pause)
        self.request_resume.connect(self.worker.resume)
        self.request_stop.connect(self.worker.stop)
        self.request_volume.connect(self.worker.set_volume)
        self.worker.state_changed.connect(self._set_state)
        self.worker.metadata_received.connect(self._on_metadata)
        self.worker.heard.connect(self._on_heard)
        self.worker.first_audio.connect(self._on_first_audio)
        self.worker.warning.connect(self._on_warning)
        self.worker.audio_error.connect(self._on_audio_error)
        self.worker.closed.connect(self._on_closed)
        self.thread.start()

        self.export_thread = QThread(self)
        self.export_thread.setObjectName("aloud-export")
        self.exporter = ExportWorker()
        self.exporter.moveToThread(self.export_thread)
        self.export_thread.finished.connect(self.exporter.deleteLater)
        self.request_export.connect(self.exporter.start)
        self.request_export_cancel.connect(self.exporter.cancel)
        self.exporter.progress.connect(self._on_export_progress)
        self.exporter.finished.connect(self._on_export_finished)
        self.export_progress: QProgressDialog | None = None
        self.export_thread.start()

    # --- reading -----------------------------------------------------------------------------------

    def _options(self) -> SpeakOptions:
        model = self.voice_picker.model_name() or DEFAULT_MODEL
        speed = round(self.speed.value(), 2) if is_aura2(model) else 1.0
        s = self.settings
        return SpeakOptions(model=model, encoding=s.encoding, sample_rate=s.sample_rate or None,
                            speed=speed).validate()

    def endpoint(self) -> Endpoint:
        """Where this reading goes: --url for this run, else the Settings; Deepgram with no key is offline."""
        key, _ = api_key(self.keys)
        if self.url_override:
            return resolve_endpoint(self.url_override, key)
        if self.settings.endpoint == "offline":
            return offline_endpoint()
        if self.settings.endpoint == "self-hosted" and self.settings.self_hosted_url:
            return resolve_endpoint(self.settings.self_hosted_url, key)
        return resolve_endpoint(None, key, offline=not key)

    def _reading_range(self) -> tuple[int, int]:
        cursor = self.editor.textCursor()
        if cursor.hasSelection():
            return cursor.selectionStart(), cursor.selectionEnd()
        text = self.editor.toPlainText()
        return self.sentence_start(text, cursor.position()), len(text)

    @staticmethod
    def sentence_start(text: str, position: int) -> int:
        """Start of the sentence that holds `position`, so reading never begins mid-sentence."""
        start = 0
        for segment in split_text(text):
            if segment.start > position:
                break
            start = segment.start
        return start

    @Slot()
    def speak(self) -> None:
        start, end = self._reading_range()
        self.speak_range(start, end)

    def speak_range(self, start: int, end: int) -> None:
        text = self.editor.toPlainText()
        if not text[start:end].strip():
            self._announce("Nothing to read: type or open some text first.", self.closure_label)
            return
        try:
            options = self._options()
            endpoint = self.endpoint()
        except OptionError as exc:
            self._announce(f"Cannot read: {exc}.", self.closure_label)
            return
        self.voice_label.setText(f"Voice: {options.model} · {endpoint.label}")
        self._clear_highlight()  # the last reading's sentence is not where this one is
        self.closure_label.clear()
        self._audio_problem = ""
        insecure = self.settings.allow_insecure_key and not self.url_override
        self.request_start.emit(SpeechRequest(text, start, end, options, endpoint, self.settings.backend,
                                              self.volume.value() / 100, insecure))


    @Slot()
    def toggle_pause(self) -> None:
        if self.state == "paused":
            self.request_resume.emit()
        elif self.state in ("speaking", "connecting"):
            self.request_pause.emit()

    @Slot()
    def stop(self) -> None:
        self.request_stop.emit()

    def _sentence_offsets(self) -> list[int]:
        return [s.start for s in split_text(self.editor.toPlainText())]

    def _paragraph_offsets(self) -> list[int]:
        offsets, new_paragraph = [], True
        for segment in split_text(self.editor.toPlainText()):
            if new_paragraph:
                offsets.append(segment.start)
            new_paragraph = segment.boundary == Boundary.PARAGRAPH
        return offsets

    def _jump(self, starts: list[int], forward: bool) -> None:
        """Read from the next start after where we are, or the last one before it (which, from the middle
        of a sentence or paragraph, is its own start, as a media player's "previous" does)."""
        here = self._current_offset()
        if forward:
            target = next((p for p in starts if p > here), None)
        else:
            target = max((p for p in starts if p < here), default=0)
        if target is not None:
            self._move_and_speak(target)

    @Slot()
    def next_paragraph(self) -> None:
        self._jump(self._paragraph_offsets(), forward=True)

    @Slot()
    def previous_paragraph(self) -> None:
        self._jump(self._paragraph_offsets(), forward=False)

    @Slot()
    def next_sentence(self) -> None:
        self._jump(self._sentence_offsets(), forward=True)

    @Slot()
    def previous_sentence(self) -> None:
        self._jump(self._sentence_offsets(), forward=False)

    def _current_offset(self) -> int:
        if self.heard_range is not None and self.state in ("speaking", "paused", "connecting"):
            return self.heard_range[0]
        return self.sentence_start(self.editor.toPlainText(), self.editor.textCursor().position())

    def _move_and_speak(self, offset: int) -> None:
        cursor = self.editor.textCursor()
        cursor.setPosition(offset)
        self.editor.setTextCursor(cursor)
        self.speak_range(offset, len(self.editor.toPlainText()))

    # --- worker signals ----------------------------------------------------------------------------

    @Slot(str)
    def _set_state(self, state: str) -> None:
        self.state = state
        words = STATE_WORDS.get(state, state)
        self.state_label.setText(words)
        active = state in ("connecting", "speaking", "paused", "stopping")
        self.pause_action.setText("&Resume" if state == "paused" else "&Pause")
        self.pause_action.setEnabled(state in ("connecting", "speaking", "paused"))
        self.stop_action.setEnabled(active)
        if state in ("stopped", "finished", "failed"):
            self._remember_position(finished=state == "finished")
        if state in ("stopped", "finished", "failed", "idle", "connecting"):
            self._clear_highlight()
        if state != "idle":
            self._announce(words, self.state_label)

    @Slot(str, str)
    def _on_metadata(self, model: str, request_id: str) -> None:
        log.info("metadata: %s request %s", model, request_id)

    @Slot(int, int)
    def _on_heard(self, start: int, end: int) -> None:
        self.heard_range = (start, end)
        selection = QTextEdit.ExtraSelection()
        cursor = self.editor.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(min(end, len(self.editor.toPlainText())), QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        palette = QApplication.palette()  # the theme's, even before it has reached every widget
        fmt.setBackground(palette.highlight())
        fmt.setForeground(palette.highlightedText())
        # Not by colour alone: the sentence is underlined too.
        fmt.setFontUnderline(True)
        selection.cursor = cursor
        selection.format = fmt
        self.editor.setExtraSelections([selection])
        self._keep_in_view(start)

    def _keep_in_view(self, offset: int) -> None:
        block = self.editor.document().findBlock(offset)
        first = self.editor.firstVisibleBlock().blockNumber()
        visible_lines = max(1, self.editor.viewport().height() // max(1, self.editor.fontMetrics().height()))
        if not (first <= block.blockNumber() < first + visible_lines - 1):
            self.editor.verticalScrollBar().setValue(max(0, block.firstLineNumber() - 2))

    def _clear_highlight(self) -> None:
        self.heard_range = None
        self.editor.setExtraSelections([])

    def _remember_position(self, finished: bool) -> None:
        if self.document_path is None:
            return
        text = self.editor.toPlainText()
        offset = 0 if finished or self.heard_range is None else self.heard_range[0]
        self.memory.set_position(self.document_path, text, offset)

    @Slot(float)
    def _on_first_audio(self, seconds: float) -> None:
        self.latency_label.setText(f"First audio: {seconds * 1000:.0f} ms")

    @Slot(str)
    def _on_warning(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    @Slot(str)
    def _on_audio_error(self, message: str) -> None:
        self._audio_problem = f"Audio: {message}."
        self._announce(self._audio_problem, self.closure_label)

    @Slot(str, bool)
    def _on_closed(self, text: str, ok: bool) -> None:
        if not ok and "API key" in text:
            text += " Settings (Ctrl+,) holds the key; with none, Aloud uses its offline voice."
        if self._audio_problem:  # the closure must not hide why nothing was heard
            text = f"{self._audio_problem} {text}"
        self._announce(text, self.closure_label)

    # --- small things ------------------------------------------------------------------------------

    def _announce(self, text: str, label: QLabel) -> None:
        """Show text in a status label and have screen readers say it."""
        label.setText(text)
        label.setToolTip(text)
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(label, text))

    def _say_endpoint(self) -> None:
        key, source = api_key(self.keys)
        if self.url_override:
            where = f"the server at {self.url_override} (for this run)"
        elif self.settings.endpoint == "offline":
            where = "the offline voice"
        elif self.settings.endpoint == "self-hosted" and self.settings.self_hosted_url:
            where = f"the server at {self.settings.self_hosted_url}"
        elif key:
            where = "Deepgram (key from " + ("DEEPGRAM_API_KEY" if source == "environment" else "the keyring") + ")"
        else:
            where = "the offline voice: no Deepgram API key is set (Settings, Ctrl+,)"
        self.voice_label.setText(f"Voice: {self.voice_picker.model_name()}")
        self.closure_label.setText(f"Reading with {where}.")

    @Slot(str)
    def _on_voice_chosen(self, model: str) -> None:
        self.settings.voice = model
        self.settings.save()
        self.speed.setEnabled(is_aura2(model))
        self.voice_label.setText(f"Voice: {model}")

    @Slot(int)
    def _on_volume(self, value: int) -> None:
        self.settings.volume = value
        self.settings.save()
        self.request_volume.emit(value / 100)

    @Slot(float)
    def _on_speed(self, value: float) -> None:
        self.settings.speed = round(value, 2)
        self.settings.save()

    @Slot()
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.keys, self.catalog, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings()

    def apply_settings(self) -> None:
        self.settings.save()
        apply_theme(QApplication.instance(), self.settings.theme)
        self.voice_picker.set_model_name(self.settings.voice)
        self._apply_zoom()
        self._say_endpoint()

    @Slot()
    def toggle_favourite(self) -> None:
        model = self.voice_picker.model_name()
        if not model:
            return
        favourites = self.settings.favourite_voices
        if model in favourites:
            favourites.remove(model)
            message = f"{model} is no longer a favourite."
        else:
            favourites.append(model)
            message = f"{model} is a favourite: it is at the top of the voice list."
        self.settings.favourites = ",".join(favourites)
        self.settings.save()
        self.voice_picker.set_favourites(favourites)
        self._announce(message, self.closure_label)

    def _focus_voice(self) -> None:
        self.voice_picker.setFocus()
        self.voice_picker.lineEdit().selectAll()

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

    def show_shortcuts(self) -> None:
        lines = []
        for action in self.findChildren(QAction):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            if keys:
                lines.append(f"{action.text().replace('&', '')}: {keys}")
        QMessageBox.information(self, "Keyboard shortcuts", "\n".join(sorted(lines)))

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
                if self.state in ("connecting", "speaking", "paused"):
                    self.stop()
            return False
        if watched is self.editor.viewport() and event.type() in (QEvent.Type.DragEnter, QEvent.Type.Drop):
            urls = [u for u in event.mimeData().urls() if u.isLocalFile()] if event.mimeData().hasUrls() else []
            if urls:
                event.acceptProposedAction()
                if event.type() == QEvent.Type.Drop and self._confirm_discard():
                    self.open_path(Path(urls[0].toLocalFile()))
                return True
        return super().eventFilter(watched, event)


    # --- closing -------------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self._confirm_discard():
            event.ignore()
            return
        if self.state in ("speaking", "paused", "connecting"):
            self._remember_position(finished=False)
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop reading and join the worker threads, so the process exits cleanly."""
        if not self.thread.isRunning():
            return
        QApplication.instance().removeEventFilter(self)
        QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection)
        QMetaObject.invokeMethod(self.exporter, "shutdown", Qt.ConnectionType.BlockingQueuedConnection)
        for thread in (self.thread, self.export_thread):
            thread.quit()
            thread.wait(3000)
