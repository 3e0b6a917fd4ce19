"""The settings dialog: endpoint and API key, default voice and audio format, audio output, text and theme."""

from __future__ import annotations


from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QSpinBox, QSystemTrayIcon, QVBoxLayout, QWidget,
)

from core.playback import available_backends
from core import x11_keys
from core.endpoints import API_KEY_ENV, environment_key
from core.options import DEFAULT_SAMPLE_RATE, ENCODINGS, SAMPLE_RATES, OptionError, normalize_base_url
from core.voices import Catalog
from gui.settings import THEMES, AppSettings, KeyStore, masked
from gui.voice_picker import VoicePicker

ENDPOINT_LABELS = {
    "deepgram": "Deepgram (the offline voice when no key is set)",
    "self-hosted": "Self-hosted Deepgram or another compatible server",
    "offline": "Offline voice (eSpeak NG, on this computer)",
}
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark", "high-contrast": "High contrast"}
BACKEND_LABELS = {"auto": "Automatic", "simpleaudio": "simpleaudio", "sounddevice": "sounddevice (PortAudio)"}


GLOBAL_KEY_CHOICES = ("Ctrl+Alt+R", "Super+R", "Ctrl+Alt+S", "Pause")


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, keys: KeyStore, catalog: Catalog, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings – Aloud")
        self.settings = settings
        self.keys = keys
        self.key_message = ""
        form = QFormLayout()

        self.endpoint = QComboBox(self)
        for name, label in ENDPOINT_LABELS.items():
            self.endpoint.addItem(label, name)
        self.endpoint.setCurrentIndex(self.endpoint.findData(settings.endpoint))
        self.endpoint.currentIndexChanged.connect(self._update_enabled)
        self._add(form, "&Endpoint:", self.endpoint, "Where speech comes from")

        self.url = QLineEdit(settings.self_hosted_url, self)
        self.url.setPlaceholderText("wss://tts.example.org or ws://10.0.0.5:8080")
        self._add(form, "Server &URL:", self.url, "Base URL of the self-hosted or compatible server")
        self.insecure = QCheckBox("Send the API key over plain ws:// (not recommended)", self)
        self.insecure.setChecked(settings.allow_insecure_key)
        self.insecure.setAccessibleName("Send the API key over unencrypted connections")
        form.addRow("", self.insecure)

        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        stored = keys.get()
        self.key.setPlaceholderText(f"Stored: {masked(stored)}" if stored else "Paste a Deepgram API key")
        self.forget_key = QPushButton("&Remove stored key", self)
        self.forget_key.setEnabled(bool(stored))
        self.forget_key.setAccessibleName("Remove the stored API key")
        self.forget_key.clicked.connect(self._forget_key)
        row = QHBoxLayout()
        row.addWidget(self.key, 1)
        row.addWidget(self.forget_key)
        key_label = QLabel("API &key:", self)
        key_label.setBuddy(self.key)
        self.key.setAccessibleName("Deepgram API key")
        self.key.setAccessibleDescription("Stored in the system keyring, never shown again in full")
        form.addRow(key_label, row)
        notes = []
        if not keys.available:
            notes.append(keys.why_unavailable())
        if environment_key():
            notes.append(f"{API_KEY_ENV} is set: it is used for this run and never saved.")
        self.key_note = QLabel(" ".join(notes), self)
        self.key_note.setWordWrap(True)
        self.key_note.setAccessibleName("About the API key")
        form.addRow("", self.key_note)

        self.voice = VoicePicker(catalog, self)
        self.voice.set_model_name(settings.voice)
        self._add(form, "Default &voice:", self.voice, "The voice new readings use")

        self.encoding = QComboBox(self)
        for name in ENCODINGS:
            self.encoding.addItem(name, name)
        self.encoding.setCurrentIndex(self.encoding.findData(settings.encoding))
        self.encoding.currentIndexChanged.connect(self._fill_rates)
        self._add(form, "Audio e&ncoding:", self.encoding, "The audio format the server sends")
        self.rate = QComboBox(self)
        self._add(form, "Sample &rate:", self.rate, "Samples per second of the audio")
        self._fill_rates()
        self.rate.setCurrentIndex(max(0, self.rate.findData(settings.sample_rate or DEFAULT_SAMPLE_RATE[settings.encoding])))

        self.backend = QComboBox(self)
        for name in ("auto", *available_backends()):
            self.backend.addItem(BACKEND_LABELS.get(name, name), name)
        self.backend.setCurrentIndex(max(0, self.backend.findData(settings.backend)))
        self._add(form, "Audio &output:", self.backend, "How audio is played")

        self.font_points = QSpinBox(self)
        self.font_points.setRange(8, 48)
        self.font_points.setSuffix(" pt")
        self.font_points.setValue(settings.font_points)
        self._add(form, "Text &size:", self.font_points, "Size of the document text at 100% zoom")

        self.theme = QComboBox(self)
        for name in THEMES:
            self.theme.addItem(THEME_LABELS[name], name)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        self._add(form, "&Theme:", self.theme, "Colours of the window")

        self.close_to_tray = QCheckBox("&Closing the window keeps Aloud running in the tray", self)
        self.close_to_tray.setChecked(settings.close_to_tray)
        self.close_to_tray.setAccessibleDescription("Reading and the commands from other apps go on; the tray menu "
                                                    "has Show Window and Quit")
        if not QSystemTrayIcon.isSystemTrayAvailable():
            self.close_to_tray.setEnabled(False)
            self.close_to_tray.setToolTip("This desktop has no system tray")
        form.addRow("", self.close_to_tray)

        self.global_key = QComboBox(self)
        self.global_key.setEditable(True)  # any combination can be typed: Ctrl, Alt, Shift, Super and a key
        self.global_key.addItem("Off", "")
        for keys in GLOBAL_KEY_CHOICES:
            self.global_key.addItem(keys, keys)
        if settings.global_shortcut and self.global_key.findData(settings.global_shortcut) < 0:
            self.global_key.addItem(settings.global_shortcut, settings.global_shortcut)
        self.global_key.setCurrentIndex(max(0, self.global_key.findData(settings.global_shortcut)))
        self._add(form, "&Global key:", self.global_key, "A key that reads the text selected in any app, whichever "
                  "app has the keyboard (X11 only; elsewhere bind aloud read-selection in the desktop's settings)")
        self.global_key.lineEdit().setAccessibleName("Global key")  # the part typed into, named as the whole
        if not (QGuiApplication.platformName() == "xcb" and x11_keys.available()):
            self.global_key.setEnabled(False)
            self.global_key.setToolTip("Only an X11 session lets an app take a key for itself: see Help > Read "
                                       "From Any App")

        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem with the settings")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._update_enabled()

    def _add(self, form: QFormLayout, text: str, widget: QWidget, description: str) -> None:
        label = QLabel(text, self)
        label.setBuddy(widget)
        widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        widget.setAccessibleDescription(description)
        form.addRow(label, widget)

    @Slot()
    def _update_enabled(self) -> None:
        self_hosted = self.endpoint.currentData() == "self-hosted"
        self.url.setEnabled(self_hosted)
        self.insecure.setEnabled(self_hosted)

    @Slot()
    def _fill_rates(self) -> None:
        encoding = self.encoding.currentData()
        current = self.rate.currentData()
        self.rate.clear()
        for rate in SAMPLE_RATES[encoding]:
            default = " (default)" if rate == DEFAULT_SAMPLE_RATE[encoding] else ""
            self.rate.addItem(f"{rate} Hz{default}", rate)
        index = self.rate.findData(current)
        self.rate.setCurrentIndex(index if index >= 0 else self.rate.findData(DEFAULT_SAMPLE_RATE[encoding]))

    @Slot()
    def _forget_key(self) -> None:
        problem = self.keys.set("")
        self.key_note.setText(problem or "The stored key was removed.")
        self.key.setPlaceholderText("Paste a Deepgram API key")
        self.forget_key.setEnabled(False)

    def accept(self) -> None:
        endpoint = self.endpoint.currentData()
        url = self.url.text().strip()
        if endpoint == "self-hosted":
            try:
                normalize_base_url(url)
            except OptionError as exc:
                self.error.setText(f"Server URL: {exc}.")
                self.url.setFocus()
                return
        key = self.key.text().strip()
        if key:
            self.key_message = self.keys.set(key)
            if self.key_message:
                self.error.setText(self.key_message)
                self.key.setFocus()
                return
        s = self.settings
        s.endpoint = endpoint
        s.self_hosted_url = url
        s.allow_insecure_key = self.insecure.isChecked()
        s.voice = self.voice.model_name() or s.voice
        s.encoding = self.encoding.currentData()
        s.sample_rate = int(self.rate.currentData() or 0)
        s.backend = self.backend.currentData()
        s.font_points = self.font_points.value()
        s.theme = self.theme.currentData()
        s.close_to_tray = self.close_to_tray.isChecked()
        typed = self.global_key.currentText().strip()
        s.global_shortcut = "" if typed in ("", "Off") else typed
        self.key.clear()  # the key leaves no copy in the dialog
        super().accept()
