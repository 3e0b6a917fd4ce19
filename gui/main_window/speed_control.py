"""Speed Up, Slow Down and Shorter Pauses (the Playback menu): the speed of the reading under way changes at once,
and is said in the status bar. A QObject of its own, for the reason given in reading.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from core.speed import MAX_SPEED, MIN_SPEED, SMART_ABOVE, STEP, describe

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow


class SpeedControl(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.faster_action = window._action("Spee&d Up", "Ctrl+]", lambda: self.step(+STEP),
                                            f"Read faster, by {STEP:g}× (up to {MAX_SPEED:g}×)")
        self.slower_action = window._action("S&low Down", "Ctrl+[", lambda: self.step(-STEP),
                                            f"Read slower, by {STEP:g}× (down to {MIN_SPEED:g}×)")
        self.smart_action = window._action("Shorter Pa&uses When Fast", "Ctrl+Alt+P", self.set_smart,
                                           f"Above {SMART_ABOVE:g}×, shorten the pauses between sentences more than "
                                           "the speech")
        self.smart_action.setCheckable(True)
        self.smart_action.setChecked(window.settings.smart_speed)

    def connect_bar(self) -> None:
        """Once the voice bar exists: its speed, however set, goes to the reading under way."""
        self.window.voice_bar.speed_changed.connect(self._changed)

    @property
    def actions(self) -> tuple:
        return self.faster_action, self.slower_action, self.smart_action

    def step(self, by: float) -> None:
        spin = self.window.voice_bar.speed
        value = min(MAX_SPEED, max(MIN_SPEED, round(spin.value() + by, 1)))
        if value == round(spin.value(), 2):
            limit = "fastest" if by > 0 else "slowest"
            self.window.announce(f"Speed {describe(value)}: the {limit}.", self.window.closure_label)
            return
        spin.setValue(value)

    @Slot(bool)
    def set_smart(self, on: bool) -> None:
        settings = self.window.settings
        settings.smart_speed = on
        settings.save()
        self.window.reading.change_speed(self.window.voice_bar.speed_value())
        state = "shortened" if on else "kept as they are"
        self.window.announce(f"Pauses at speeds above {SMART_ABOVE:g}× are {state}.", self.window.closure_label)

    @Slot(float)
    def _changed(self, speed: float) -> None:
        self.window.reading.change_speed(speed)
        self.window.announce(f"Speed {describe(speed)}.", self.window.closure_label)
