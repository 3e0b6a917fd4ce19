"""The window by keyboard and as a screen reader's tree shows it, from inside Qt: Tab moves through every
control (and never types into the document), F10 opens the menus, status fields say what they show, and the
parts inside composite widgets are named."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QToolButton

from core.playback import PlaybackState

TAB_ORDER = [  # as the focus moves with Tab from the document, when nothing is being read
    "DocumentEditor Document",
    "QToolButton Speak",
    "QToolButton Previous Sentence",
    "QToolButton Next Sentence",
    "VoicePicker Voice",  # on Linux a combo box's name is its text; its label ("Voice:") is a relation
    "QDoubleSpinBox Speaking speed",
    "QSlider Speaking speed slider",
    "QSlider Volume",
]


def focused(window):
    widget = QApplication.focusWidget()
    return f"{type(widget).__name__} {widget.accessibleName() or QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)}"


def test_tab_moves_through_every_control_and_back_without_typing(window_for, qtbot):
    window = window_for()
    window.editor.setPlainText("Some text.")
    window.editor.setFocus()
    seen = []
    for _ in range(len(TAB_ORDER)):
        seen.append(focused(window))
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert seen == TAB_ORDER
    assert QApplication.focusWidget() is window.editor, "Tab from the last control comes back to the document"
    for expected in reversed(TAB_ORDER):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert focused(window) == expected
    assert window.editor.toPlainText() == "Some text.", "no tab was typed"


def test_ctrl_tab_types_a_tab_and_f1_says_so(window_for, qtbot, monkeypatch):
    window = window_for()
    window.editor.setPlainText("Some text.")
    window.editor.setFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.toPlainText() == "\tSome text." and QApplication.focusWidget() is window.editor
    shown = []
    monkeypatch.setattr("gui.main_window.window.QMessageBox.information", lambda *args: shown.append(args[2]))
    qtbot.keyClick(window.editor, Qt.Key.Key_F1)
    assert "Insert Tab Character: Ctrl+Tab" in shown[0] and "Menus: F10" in shown[0]


def test_f10_opens_the_menus(window_for, qtbot):
    window = window_for()
    qtbot.keyClick(window.editor, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is window.file_menu, timeout=3000)
    qtbot.keyClick(window.file_menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=3000)
    qtbot.keyClick(window.editor, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # each menu's Alt+letter
    qtbot.waitUntil(lambda: getattr(QApplication.activePopupWidget(), "title", lambda: "")() == "&Playback",
                    timeout=3000)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)


def test_status_fields_say_what_they_show(window_for):
    window = window_for()
    window.reading.set_state(PlaybackState.SPEAKING)
    assert window.state_label.accessibleName() == "Reading state: Speaking"
    window.announce("Closed: 1000 Normal Closure", window.closure_label)
    assert window.closure_label.accessibleName() == "Last result: Closed: 1000 Normal Closure"
    assert window.voice_label.accessibleName().startswith("Voice in use: Voice: ")
    window.closure_label.clear()
    assert window.closure_label.accessibleName() == "Last result"
    interface = QAccessible.queryAccessibleInterface(window.state_label)
    assert interface.text(QAccessible.Text.Name) == "Reading state: Speaking"


def test_the_parts_inside_composite_widgets_are_named(window_for, qtbot):
    window = window_for()
    picker = window.voice_bar.picker
    assert picker.lineEdit().accessibleName() == "Voice search"
    assert picker.view().accessibleName() == "Voices"
    assert picker.completer().popup().accessibleName() == "Matching voices"
    window.resize(320, 400)  # too narrow for the toolbars: each gets its overflow button
    qtbot.waitUntil(lambda: all(b.isVisible() for b in window.findChildren(QToolButton, "qt_toolbar_ext_button")))
    names = sorted(b.accessibleName() for b in window.findChildren(QToolButton, "qt_toolbar_ext_button"))
    assert names == ["More playback controls", "More voice controls"]


def test_escape_from_a_dialog_returns_the_focus_where_it_was(window_for, qtbot):
    window = window_for()
    window.voice_bar.speed.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.voice_bar.speed)
    escaped = []

    def escape_the_dialog():
        dialog = QApplication.activeModalWidget()
        escaped.append(type(dialog).__name__)
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(300, escape_the_dialog)
    qtbot.keyClick(window.voice_bar.speed, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Settings
    assert escaped == ["SettingsDialog"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.voice_bar.speed, timeout=3000)


def test_a_file_opened_at_launch_announces_nothing_about_reading(qtbot, tmp_path, monkeypatch):
    from gui.main_window import MainWindow

    said = []
    monkeypatch.setattr(MainWindow, "announce", lambda self, text, label: said.append(text))
    path = tmp_path / "book.txt"
    path.write_text("A book opened from the command line.", encoding="utf-8")
    window = MainWindow(path=str(path))
    try:
        qtbot.waitUntil(lambda: window.documents.path == path, timeout=10000)
        qtbot.wait(200)
        assert window.state_label.text() == "Ready"
        assert not [s for s in said if s in ("Stopped", "Stopping…", "Finished")], said
    finally:
        window.editor.document().setModified(False)
        window.shutdown()
        window.close()
