"""The speed in the window: Ctrl+] and Ctrl+[ step it by 0.1x (the spin box and its slider follow, the status
bar says it, it is remembered), a change reaches the reading under way, Shorter Pauses is a remembered toggle,
and Save Audio writes the audio at the speed chosen."""

from PySide6.QtCore import Qt

from core.wav import read_wav
from gui.settings import AppSettings

LONG = " ".join(f"Sentence number {n} keeps the reading going for a while." for n in range(60))


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.ControlModifier):
    qtbot.keyClick(window.editor, key, modifiers)


def test_ctrl_brackets_step_the_speed_and_say_it(window_for, qtbot):
    window = window_for()
    bar = window.voice_bar
    assert bar.speed.value() == 1.0
    press(qtbot, window, Qt.Key.Key_BracketRight)
    assert bar.speed.value() == 1.1 and bar.speed_slider.value() == 11
    assert window.closure_label.text() == "Speed 1.1×."
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    assert bar.speed.value() == 0.9
    assert AppSettings.load().speed == 0.9  # remembered
    bar.speed_slider.setValue(40)  # the slider sets the spin box too
    assert bar.speed.value() == 4.0
    press(qtbot, window, Qt.Key.Key_BracketRight)
    assert bar.speed.value() == 4.0 and window.closure_label.text() == "Speed 4.0×: the fastest."
    bar.speed.setValue(0.5)
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    assert window.closure_label.text() == "Speed 0.5×: the slowest."


def test_shorter_pauses_is_a_remembered_toggle(window_for, qtbot):
    window = window_for()
    action = window.speed_control.smart_action
    assert action.isChecked() and AppSettings.load().smart_speed
    qtbot.keyClick(window.editor, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert not action.isChecked() and not AppSettings.load().smart_speed
    assert window.closure_label.text() == "Pauses at speeds above 1.5× are kept as they are."
    assert action in window.menuBar().actions()[1].menu().actions()  # in the Playback menu


def test_a_new_speed_reaches_the_reading_under_way(window_for, qtbot, offline_server):
    window = window_for(offline_server.url)
    window.editor.setPlainText(LONG)
    window.reading.speak_range(0, len(LONG))
    worker = window.reading.worker
    qtbot.waitUntil(lambda: worker._playback is not None and worker._playback.output is not None, timeout=10000)
    playback = worker._playback
    assert (playback.speed.speed, playback.speed.server) == (1.0, 1.0)
    for _ in range(10):
        press(qtbot, window, Qt.Key.Key_BracketRight)
    # The voice keeps the speed its connection asked for; the rest is made here, from now on.
    qtbot.waitUntil(lambda: playback._feed.plan.speed == 2.0, timeout=3000)
    assert (playback._feed.plan.server, playback._feed.plan.client) == (1.0, 2.0)
    window.reading.stop()


def test_save_audio_writes_the_audio_at_the_speed_chosen(window_for, qtbot, quiet_server, tmp_path):
    window = window_for(quiet_server.url)
    window.editor.setPlainText("Saved to a file at the speed chosen, every word of it, in order.")
    lengths = {}
    for speed in (1.0, 3.0):
        window.voice_bar.speed.setValue(speed)
        path = tmp_path / f"speech-{speed:g}.wav"
        window.closure_label.clear()
        assert window.documents.save_audio(path)
        qtbot.waitUntil(lambda: "Saved" in window.closure_label.text(), timeout=20000)
        _tag, rate, _bits, data = read_wav(path)
        lengths[speed] = len(data) / 2 / rate
    # 3x: the voice's 1.5x and twice that here, with the pauses shortened too.
    assert lengths[1.0] / 4.0 < lengths[3.0] < lengths[1.0] / 2.7
