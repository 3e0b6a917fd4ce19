"""The tray menu's actions, Watch Clipboard in one process (Aloud's own copies never read), and closing to the
tray. The offscreen platform has no system tray: the menu is the same object with or without one, and the
tests that need a tray to show an icon give the reason when they skip."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon

from core.playback import PlaybackState
from tests.gui.test_documents import reading_starts

LONG = " ".join(f"Sentence {n} is long enough to keep the reader busy." for n in range(40))


def test_the_tray_menu_reads_the_clipboard_pauses_resumes_and_stops(window_for, qtbot, quiet_server):
    window = window_for(quiet_server.url)
    tray = window.tray
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts == ["Read &Clipboard", "Read &Selection", "&Pause", "S&top", "&Watch Clipboard", "Show &Window",
                     "&Quit"]
    assert not tray.pause_action.isEnabled() and not tray.stop_action.isEnabled()
    QGuiApplication.clipboard().setText(LONG)
    starts = reading_starts(window)
    tray.read_clipboard_action.trigger()
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] == 0, timeout=10000)
    assert window.text.text() == LONG and window.windowTitle() == "Clipboard – Aloud"
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING, timeout=10000)
    assert tray.pause_action.isEnabled() and tray.pause_action.text() == "&Pause"
    tray.pause_action.trigger()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.PAUSED, timeout=5000)
    assert tray.pause_action.text() == "&Resume"
    tray.pause_action.trigger()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING, timeout=5000)
    tray.stop_action.trigger()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
    window.hide()
    tray.show_action.trigger()
    assert window.isVisible()


def test_watching_the_clipboard_reads_new_copies_and_not_aloud_s_own(window_for, qtbot, quiet_server):
    window = window_for(quiet_server.url)
    QGuiApplication.clipboard().setText("Already there before watching.")
    assert not window.watch_clipboard_action.isChecked()
    window.watch_clipboard_action.trigger()  # Ctrl+Shift+W
    assert window.clipboard_watch.enabled and window.tray.menu.actions()[5].isChecked()
    starts = reading_starts(window)
    QGuiApplication.clipboard().setText("A new copy from another app.")
    qtbot.waitUntil(lambda: window.text.text() == "A new copy from another app.", timeout=5000)
    qtbot.waitUntil(lambda: bool(starts), timeout=10000)
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
    # The editor's own copy is not read, by key or by call (offscreen, Qt cannot say who owns the clipboard).
    readings = len(starts)
    window.editor.setPlainText("Words typed in Aloud.")
    window.editor.selectAll()
    qtbot.keyClick(window.editor, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Words typed in Aloud."
    qtbot.wait(600)
    window.editor.setPlainText("More words typed in Aloud.")
    window.editor.selectAll()
    window.editor.copy()
    assert QGuiApplication.clipboard().text() == "More words typed in Aloud."
    qtbot.wait(600)
    assert len(starts) == readings and window.text.text() == "More words typed in Aloud."
    window.watch_clipboard_action.trigger()
    QGuiApplication.clipboard().setText("Copied after watching stopped.")
    qtbot.wait(600)
    assert window.text.text() == "More words typed in Aloud."


def test_closing_with_close_to_tray_keeps_aloud_running_and_quit_quits(window_for, qtbot):
    if not QSystemTrayIcon.isSystemTrayAvailable():
        pytest.skip(f"the {QGuiApplication.platformName()} platform has no system tray (test_remote_processes.py "
                    "runs Aloud in a real one, on a private D-Bus)")
    window = window_for()
    window.settings.close_to_tray = True
    window.close()
    assert not window.isVisible() and window.settings.told_close_to_tray
    window.tray.quit_action.trigger()
    assert not window.isVisible()


def test_without_a_tray_closing_the_window_quits_even_with_close_to_tray_on(window_for):
    window = window_for()
    window.settings.close_to_tray = True
    if window.tray.available:
        pytest.skip("this desktop has a tray: the test above covers it")
    assert window.close(), "with no tray to come back from, closing must not just hide the window"


def test_the_help_menu_says_how_to_bind_a_key_with_this_install_s_command(window_for, monkeypatch):
    import sys

    from core.remote_cli import command_line

    window = window_for()
    shown = []
    monkeypatch.setattr("gui.main_window.window.QMessageBox.information", lambda *args: shown.append(args[2]))
    window.binding_help_action.trigger()  # Help > Read From Any App (Ctrl+F1)
    command = command_line(sys.argv[0], sys.executable, False)
    assert f'run "{command} read-selection"' in shown[0] and "GNOME: Settings > Keyboard" in shown[0]
    assert command_line("/opt/aloud/aloud", "/opt/aloud/aloud", True) == "/opt/aloud/aloud"
    assert command_line("/usr/bin/aloud", "/usr/bin/python3", False) == "/usr/bin/aloud"
    assert command_line("/home/me/My Apps/main.py", "/usr/bin/python3", False) == \
        '/usr/bin/python3 "/home/me/My Apps/main.py"'


def test_a_book_sized_clipboard_goes_in_by_pieces_and_is_read(window_for, qtbot, quiet_server):
    from bench.common import book_text

    window = window_for(quiet_server.url)
    book = book_text(5_000_000)
    QGuiApplication.clipboard().setText(book)
    starts = reading_starts(window)
    window.tray.read_clipboard_action.trigger()
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] == 0, timeout=30000)
    assert window.text.text() == book
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
