"""The window, driven as a user would, against real offline servers and the ALSA file device."""

from pathlib import Path

import pytest

from core.playback import PlaybackState
from tests.conftest import assert_same_audio
from tests.core.flaky_server import FlakyToneServer
from tests.core.helpers import ToneVoiceServer, nothing_listening_url
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QPlainTextEdit, QToolButton,
)


ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LEAD = 24000 * 150 // 1000 * 2
LONG = " ".join(f"Sentence number {i} is here to keep the reader busy for a moment." for i in range(30))


def test_typing_and_pressing_speak_plays_what_the_server_sent(window_for, qtbot, alsa_capture):
    window = window_for()
    assert "Aloud" in window.windowTitle()
    # Said once the keyring has been read (off the GUI thread).
    qtbot.waitUntil(lambda: "offline voice" in window.closure_label.text(), timeout=5000)
    qtbot.keyClicks(window.editor, "Hello there. How are you?")
    qtbot.keyClick(window.editor, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    with ToneVoiceServer() as server:  # its audio is known byte for byte
        window.url_override = server.url
        qtbot.keyClick(window.editor, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: window.reading.state is PlaybackState.FINISHED, timeout=15000)
    assert window.closure_label.text() == "Closed: 1000 Normal Closure"
    assert window.latency_label.text().startswith("First audio: ")
    assert len(server.sent) >= 24 * 480  # 10 ms of tone a character
    assert_same_audio(alsa_capture()[LEAD:], bytes(server.sent))


def test_stop_sends_close_and_the_status_bar_shows_the_1000_closure(window_for, qtbot, quiet_server):
    window = window_for(quiet_server.url)
    window.editor.setPlainText(LONG)
    window.speak_action.trigger()
    qtbot.waitUntil(lambda: window.highlight.range is not None, timeout=10000)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "Closed" in window.closure_label.text(), timeout=5000)
    assert window.closure_label.text() == "Closed: 1000 Normal Closure"
    assert quiet_server.messages_received["Close"] == 1
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
    assert window.editor.extraSelections() == []


def test_speak_again_right_after_stop(window_for, qtbot, quiet_server):
    window = window_for(quiet_server.url)
    window.editor.setPlainText(LONG)
    window.reading.speak()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING, timeout=10000)
    window.reading.stop()
    window.reading.speak()
    qtbot.waitUntil(lambda: window.highlight.range is not None and window.reading.state is PlaybackState.SPEAKING, timeout=10000)
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
    assert quiet_server.messages_received["Close"] == 2


def test_pause_holds_and_resume_continues(window_for, qtbot, offline_server):
    # A server with Deepgram's limits: the reader paces 3,000 characters over more than a minute, so the
    # reading is still going when the test pauses it, even on the unpaced file device.
    window = window_for(offline_server.url)
    window.editor.setPlainText(LONG * 2)
    window.reading.speak()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING and window.highlight.range is not None, timeout=10000)
    window.reading.toggle_pause()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.PAUSED, timeout=5000)
    assert window.pause_action.text() == "&Resume"
    held = window.reading.worker.playback.output.position
    qtbot.wait(300)
    assert window.reading.worker.playback.output.position == held
    window.reading.toggle_pause()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING, timeout=5000)
    window.reading.stop()
    qtbot.waitUntil(lambda: window.closure_label.text() == "Closed: 1000 Normal Closure", timeout=5000)


def test_next_and_previous_sentence(window_for, qtbot):
    # Each sentence's audio comes half a second after its Flush: the file device plays the moment audio comes,
    # so with a fast voice the reading could be past "Second" before next_sentence is pressed.
    with FlakyToneServer(answer_delay=0.5) as server:
        window = window_for(server.url)
        text = "First sentence here. Second sentence here. Third sentence here."
        window.editor.setPlainText(text)
        starts = []  # where each reading began: its first flushed chunk
        window.reading.worker.state_changed.connect(
            lambda state: state is PlaybackState.CONNECTING and starts.append(None))
        window.reading.worker.spoken.connect(lambda s, e: starts[-1] is None and starts.__setitem__(-1, s))
        window.editor.moveCursor(window.editor.textCursor().MoveOperation.Start)
        window.reading.next_sentence()  # from the cursor at the start: the second sentence
        qtbot.waitUntil(lambda: starts == [text.index("Second")], timeout=10000)
        window.reading.next_sentence()
        qtbot.waitUntil(lambda: starts[-1] == text.index("Third"), timeout=10000)
        window.reading.previous_sentence()
        qtbot.waitUntil(lambda: len(starts) == 3 and starts[-1] == text.index("Second"), timeout=10000)
        assert window.editor.textCursor().position() == text.index("Second")
        window.reading.stop()
        qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)


def test_an_error_close_shows_its_code_and_a_sentence(window_for, qtbot, make_server):
    server = make_server(chars_per_minute=40, rate_window=60)
    window = window_for(server.url)
    window.editor.setPlainText("This sentence alone is longer than forty characters, so it trips the limit.")
    window.reading.speak()
    qtbot.waitUntil(lambda: "Closed: 1008" in window.closure_label.text(), timeout=10000)
    assert "DATA-0001" in window.closure_label.text()
    assert "2400 characters a minute" in window.closure_label.text()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.FAILED, timeout=5000)


def test_a_refused_handshake_shows_what_to_fix(window_for, qtbot, make_server, monkeypatch):
    server = make_server(token="right")
    monkeypatch.setenv("DEEPGRAM_API_KEY", "wrong-key")
    window = window_for(server.url)
    window.editor.setPlainText("Hello.")
    window.reading.speak()
    qtbot.waitUntil(lambda: "HTTP 401" in window.closure_label.text(), timeout=10000)
    assert "API key" in window.closure_label.text()
    assert "wrong-key" not in window.closure_label.text()


def test_empty_text_says_so_and_sends_nothing(window_for, qtbot, quiet_server):
    window = window_for(quiet_server.url)
    window.reading.speak()
    assert "Nothing to read" in window.closure_label.text()
    assert sum(quiet_server.messages_received.values()) == 0


def interactive_widgets(window):
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QPlainTextEdit)
    found = [w for kind in kinds for w in window.findChildren(kind)]
    return [w for w in found if w.isVisible() and w.isEnabled()]


def test_every_interactive_widget_has_an_accessible_name(window_for):
    window = window_for()
    missing = []
    for widget in interactive_widgets(window):
        name = QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)
        if not name.strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()}")
    assert missing == []


def test_every_toolbar_action_has_a_shortcut_shown_in_its_tooltip(window_for):
    window = window_for()
    for action in window.toolbar.actions():
        if action.isSeparator():
            continue
        assert action.shortcuts(), action.text()
        assert action.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText) in action.toolTip()
    fixed = {window.speak_action: ["F5"], window.pause_action: ["F6"], window.stop_action: ["F7", "Esc"],
             window.quit_action: ["Ctrl+Q"]}
    for action, keys in fixed.items():
        assert [k.toString() for k in action.shortcuts()] == keys


def test_tab_order_reaches_every_control(window_for, qtbot):
    window = window_for()
    window.editor.setFocus()
    QApplication.processEvents()
    reached = set()
    widget = window.editor
    for _ in range(100):
        reached.add(widget)
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible() and widget.isEnabled()):
            widget = widget.nextInFocusChain()
        if widget is window.editor:
            break
    expected = {w for w in interactive_widgets(window) if not isinstance(w, QToolButton) or w.defaultAction()}
    assert expected - reached == set()


def test_zoom_goes_from_50_to_400_percent(window_for, qtbot):
    window = window_for()
    base = window.editor.font().pointSizeF()
    qtbot.keyClick(window.editor, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.font().pointSizeF() > base
    for _ in range(20):
        window.zoom_by(+1)
    assert window.zoom == 400 and window.editor.font().pointSizeF() == pytest.approx(base * 4)
    for _ in range(30):
        window.zoom_by(-1)
    assert window.zoom == 50


def test_screenshots_at_normal_and_double_size(window_for, qtbot):
    window = window_for()
    window.resize(1000, 700)
    window.editor.setPlainText("Aloud reads text aloud.\n\nIt highlights the sentence being heard.")
    ARTIFACTS.mkdir(exist_ok=True)
    for zoom in (100, 200):
        window.set_zoom(zoom)
        window.highlight.show(0, 24)
        QApplication.processEvents()
        path = ARTIFACTS / f"main-window-{zoom}.png"
        assert window.grab().save(str(path))
        assert path.stat().st_size > 5000


def test_settings_choose_the_endpoint(window_for, qtbot, quiet_server, monkeypatch):
    window = window_for()
    window.settings.endpoint = "self-hosted"
    window.settings.self_hosted_url = quiet_server.url
    window.apply_settings()
    assert quiet_server.url in window.closure_label.text()
    window.editor.setPlainText("Hello there.")
    window.reading.speak()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.FINISHED, timeout=10000)
    assert quiet_server.messages_received["Speak"] == 1
    # With a key but the offline voice chosen, nothing goes to Deepgram.
    monkeypatch.setenv("DEEPGRAM_API_KEY", "some-key")
    window.settings.endpoint = "offline"
    assert window.reading.endpoint().offline
    window.settings.endpoint = "deepgram"
    assert window.reading.endpoint().base_url == "wss://api.deepgram.com"
    monkeypatch.delenv("DEEPGRAM_API_KEY")
    assert window.reading.endpoint().offline, "Deepgram without a key falls back to the offline voice"


def test_high_contrast_theme_screenshot(window_for, qtbot):
    window = window_for()
    window.settings.theme = "high-contrast"
    window.apply_settings()
    window.editor.setPlainText("High contrast: white on black, the heard sentence black on yellow.")
    window.highlight.show(0, 14)
    QApplication.processEvents()
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "main-window-high-contrast.png"))
    assert window.editor.palette().color(window.editor.palette().ColorRole.Base).name() == "#000000"
    window.settings.theme = "system"
    window.apply_settings()


def test_favourite_voices_come_first_and_are_remembered(window_for, qtbot):
    window = window_for()
    picker = window.voice_bar.picker
    assert picker.set_model_name("aura-2-celeste-es")
    qtbot.keyClick(window.editor, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert picker.itemText(0) == "— ★ Favourites —"
    assert picker.itemData(1, Qt.ItemDataRole.UserRole + 1) == "aura-2-celeste-es"
    assert picker.model_name() == "aura-2-celeste-es", "the choice is kept"
    again = window_for()  # a new run remembers it
    assert again.voice_bar.picker.itemData(1, Qt.ItemDataRole.UserRole + 1) == "aura-2-celeste-es"
    assert again.voice_bar.picker.set_model_name("aura-2-celeste-es")
    again.voice_bar.toggle_favourite()
    assert again.settings.favourite_voices == []
    assert again.voice_bar.picker.itemText(0) == "— English —"


def test_the_voice_list_filters_as_you_type(window_for, qtbot):
    window = window_for()
    completer = window.voice_bar.picker.completer()
    completer.setCompletionPrefix("spanish")
    matches = {completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())}
    assert matches and all("Spanish" in m for m in matches)
    assert any(m.startswith("Celeste") for m in matches)


def test_ctrl_alone_stops_speech_but_ctrl_shortcuts_do_not(window_for, qtbot, offline_server):
    window = window_for(offline_server.url)  # paced by Deepgram's limits: still reading when stopped
    window.editor.setPlainText(LONG * 2)
    window.reading.speak()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING, timeout=10000)
    qtbot.keyClick(window.editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # an editor key
    qtbot.wait(200)
    assert window.reading.state is PlaybackState.SPEAKING
    qtbot.keyPress(window.editor, Qt.Key.Key_Control)
    qtbot.keyRelease(window.editor, Qt.Key.Key_Control)
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)


def test_with_a_key_and_no_network_the_status_bar_says_the_offline_voice_reads(window_for, qtbot, monkeypatch):
    nowhere = nothing_listening_url()
    monkeypatch.setattr("core.endpoints.DEEPGRAM_BASE_URL", nowhere)
    monkeypatch.setenv("DEEPGRAM_API_KEY", "dg-key-for-no-network")
    window = window_for()
    window.settings.endpoint = "deepgram"
    window.apply_settings()
    window.editor.setPlainText("Hello there.")
    window.reading.speak()
    qtbot.waitUntil(lambda: "offline voice instead" in window.statusBar().currentMessage(), timeout=10000)
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.FINISHED, timeout=15000)
    assert window.closure_label.text().startswith("Closed: 1000 Normal Closure")


def test_the_window_shows_a_reconnect_and_the_closure_counts_it(window_for, qtbot, make_server):
    from core.offline.faults import Faults

    server = make_server(chars_per_minute=None, flushes_per_minute=None,
                         faults=Faults(refuse_status=503, refuse_retry_after=0.3))
    window = window_for(server.url)
    said = []
    window.reading.worker.connection.connect(said.append)
    window.editor.setPlainText("Hello there.")
    window.reading.speak()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Reconnected after 0."), timeout=10000)
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.FINISHED, timeout=15000)
    assert said[0].startswith("Reconnecting (attempt 1)... The speech service has a problem (HTTP 503)")
    assert said[1].startswith("Reconnected after 0.") and len(said) == 2
    assert window.closure_label.text() == "Closed: 1000 Normal Closure (1 reconnect)"
