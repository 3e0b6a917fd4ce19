"""The voice bar: the voice picker (with favourites), speed and volume, remembered in the settings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSlider, QToolBar, QWidget

from core.options import DEFAULT_MODEL
from core.speed import MAX_SPEED, MIN_SPEED, STEP
from core.voices import Catalog
from gui.settings import AppSettings
from gui.voice_picker import VoicePicker


class VoiceBar(QToolBar):
    volume_changed = Signal(float)  # 0.0-1.0
    speed_changed = Signal(float)  # 0.5-4
    voice_changed = Signal(str)  # the model chosen
    message = Signal(str)  # something to tell the user (and screen readers)

    def __init__(self, catalog: Catalog, settings: AppSettings, parent: QWidget) -> None:
        super().__init__("Voice", parent)
        self.settings = settings
        self.setObjectName("voice")
        self.setAccessibleName("Voice, speed and volume")
        voice_label = QLabel("&Voice:", self)
        self.picker = VoicePicker(catalog, self, settings.favourite_voices)
        self.picker.setAccessibleName("Voice")
        self.picker.setAccessibleDescription("Type part of a name or language to find a voice (Ctrl+Shift+V)")
        self.picker.setToolTip("Voice (Ctrl+Shift+V; Ctrl+D makes it a favourite)")
        voice_label.setBuddy(self.picker)
        if not self.picker.set_model_name(settings.voice):
            self.picker.set_model_name(DEFAULT_MODEL)
        self.picker.voice_chosen.connect(self._on_voice_chosen)
        self.addWidget(voice_label)
        self.addWidget(self.picker)

        speed_label = QLabel("Spee&d:", self)
        self.speed = QDoubleSpinBox(self)
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setSingleStep(STEP)
        self.speed.setDecimals(2)
        self.speed.setSuffix("×")
        self.speed.setValue(settings.speed)
        self.speed.setAccessibleName("Speaking speed")
        self.speed.setAccessibleDescription(f"{MIN_SPEED:g} to {MAX_SPEED:g} times normal speed, the pitch kept; "
                                            "Ctrl+] faster, Ctrl+[ slower (Alt+D)")
        self.speed.setToolTip(f"Speaking speed, {MIN_SPEED:g}-{MAX_SPEED:g}× (Alt+D; Ctrl+] faster, Ctrl+[ slower)")
        self.speed.valueChanged.connect(self._on_speed)
        speed_label.setBuddy(self.speed)
        # The same speed as a slider, in tenths: quicker to sweep with a mouse.
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setRange(round(MIN_SPEED * 10), round(MAX_SPEED * 10))
        self.speed_slider.setPageStep(5)
        self.speed_slider.setMaximumWidth(140)
        self.speed_slider.setValue(round(self.speed.value() * 10))
        self.speed_slider.setAccessibleName("Speaking speed slider")
        self.speed_slider.setAccessibleDescription("The speaking speed in tenths (Ctrl+] faster, Ctrl+[ slower)")
        self.speed_slider.setToolTip("Speaking speed (Ctrl+] faster, Ctrl+[ slower)")
        self.speed_slider.valueChanged.connect(self._on_speed_slider)
        self.addWidget(speed_label)
        self.addWidget(self.speed)
        self.addWidget(self.speed_slider)

        volume_label = QLabel("Vo&lume:", self)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setValue(settings.volume)
        self.volume.setMaximumWidth(140)
        self.volume.setAccessibleName("Volume")
        self.volume.setToolTip("Volume (Alt+L)")
        self.volume.setPageStep(10)
        self.volume.valueChanged.connect(self._on_volume)
        volume_label.setBuddy(self.volume)
        self.addWidget(volume_label)
        self.addWidget(self.volume)

    def model(self) -> str:
        return self.picker.model_name() or DEFAULT_MODEL

    def speed_value(self) -> float:
        """The chosen speed: every voice reaches it (core/speed.py)."""
        return round(self.speed.value(), 2)

    def volume_level(self) -> float:
        return self.volume.value() / 100

    def choose(self, model: str) -> bool:
        return self.picker.set_model_name(model)

    @Slot()
    def focus_voice(self) -> None:
        self.picker.setFocus()
        self.picker.lineEdit().selectAll()

    @Slot()
    def toggle_favourite(self) -> None:
        model = self.picker.model_name()
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
        self.picker.set_favourites(favourites)
        self.message.emit(message)

    @Slot(str)
    def _on_voice_chosen(self, model: str) -> None:
        self.settings.voice = model
        self.settings.save()
        self.voice_changed.emit(model)

    @Slot(int)
    def _on_volume(self, value: int) -> None:
        self.settings.volume = value
        self.settings.save()
        self.volume_changed.emit(value / 100)

    @Slot(float)
    def _on_speed(self, value: float) -> None:
        value = round(value, 2)
        if self.speed_slider.value() != round(value * 10):
            self.speed_slider.blockSignals(True)  # the slider follows; its own change would round to tenths
            self.speed_slider.setValue(round(value * 10))
            self.speed_slider.blockSignals(False)
        self.settings.speed = value
        self.settings.save()
        self.speed_changed.emit(value)

    @Slot(int)
    def _on_speed_slider(self, tenths: int) -> None:
        self.speed.setValue(tenths / 10)
