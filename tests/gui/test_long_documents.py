"""The window with a book: opening, reading, navigating by key and editing a 5 MB document keep the GUI thread
responsive (a heartbeat's longest gap, with a generous bound; bench.gui reports the real figures), and places
in the document stay exact where Qt and Python count characters differently."""

import pytest
from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Slot

from core import navigation
from core.playback import PlaybackState
from tests.core.helpers import ByteVoiceServer
from tests.gui.test_documents import reading_starts

STALL_BOUND_MS = 500  # the code this replaced stalled for seconds on every one of these steps at this size

PARAGRAPH = (
    "Dr. Watson looked at the map, approx. five miles away. He said: well... then it is so! Mr. Holmes "
    "agreed; it was 3.5 km. “Quite,” said he. No. 5 was the house, and the U.S. consul lived there. "
) * 12 + "\n\n"


class Heartbeat(QObject):
    """Ticks every 5 ms on the GUI thread and keeps the longest gap between ticks since the last reset."""

    def __init__(self) -> None:
        super().__init__()
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self.longest = 0

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def reset(self) -> None:
        self._clock.restart()
        self.longest = 0

    @Slot()
    def _tick(self) -> None:
        self.longest = max(self.longest, self._clock.restart())


@pytest.fixture
def byte_voice():
    with ByteVoiceServer(bytes_per_char=100) as server:  # 2 ms of audio a character: quick, and still speech-like
        yield server


def test_a_5_mb_book_opens_reads_and_navigates_without_stalling_the_window(window_for, qtbot, byte_voice, tmp_path):
    """Each step from the key press (or File > Open) to its result, and the frames after it."""
    text = PARAGRAPH * (5_000_000 // len(PARAGRAPH))
    path = tmp_path / "book.txt"
    path.write_text(text, encoding="utf-8")
    window = window_for(byte_voice.url)
    starts = reading_starts(window)
    heartbeat = Heartbeat()
    heartbeat.start()
    stalls = {}

    def step(name, action, until, timeout=10000):
        qtbot.wait(50)
        heartbeat.reset()
        action()
        qtbot.waitUntil(until, timeout=timeout)
        qtbot.wait(100)  # and the frames after it
        stalls[name] = heartbeat.longest

    def reading_began():
        return bool(starts) and starts[-1] is not None and window.reading.state is PlaybackState.SPEAKING

    step("open", lambda: window.documents.open_path(path), lambda: window.documents.path == path)
    assert window.text.text() == text and not window.editor.isReadOnly()
    middle = navigation.sentence_start(text, len(text) // 2 + 7)
    cursor = window.editor.textCursor()
    cursor.setPosition(len(text) // 2 + 7)
    window.editor.setTextCursor(cursor)
    step("F5", lambda: qtbot.keyClick(window.editor, Qt.Key.Key_F5), reading_began)
    assert starts[-1] == middle
    step("highlight", lambda: None, lambda: window.highlight.range is not None)
    assert navigation.sentence_start(text, window.highlight.range[0]) == window.highlight.range[0]

    for name, key, modifier, is_start in (
        ("Alt+Right", Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier, navigation.sentence_start),
        ("Ctrl+Down", Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier, _paragraph_start),
        ("Alt+Left", Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier, navigation.sentence_start),
        ("Ctrl+Up", Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier, _paragraph_start),
    ):
        readings = len(starts)
        step(name, lambda: qtbot.keyClick(window.editor, key, modifier),
             lambda: len(starts) > readings and reading_began())
        assert is_start(text, starts[-1]) == starts[-1], name
        assert window.editor.textCursor().position() == starts[-1]

    here = starts[-1]  # the cursor is at the paragraph Ctrl+Up went to
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)  # stop, and type there
    qtbot.waitUntil(lambda: window.reading.state.ended, timeout=10000)
    step("typing", lambda: qtbot.keyClicks(window.editor, "a"), lambda: True)
    readings = len(starts)
    step("F5 after an edit", lambda: qtbot.keyClick(window.editor, Qt.Key.Key_F5),
         lambda: len(starts) > readings and reading_began())
    assert window.text.text() == text[:here] + "a" + text[here:]
    assert starts[-1] == here  # the sentence under the cursor, which now begins with the letter typed
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.reading.state.ended, timeout=10000)
    assert max(stalls.values()) < STALL_BOUND_MS, stalls


def _paragraph_start(text, offset):
    return navigation.previous_paragraph_start(text, offset + 1)


def test_places_stay_exact_after_characters_qt_counts_twice(window_for, qtbot, byte_voice):
    """Emoji and other characters beyond the BMP are two UTF-16 units to Qt and one character to Python."""
    text = "Good 😀 morning. The cat 🐈 sat 👍🏽 here. Last one 🎉 ends.\n\nNew 𝄞 paragraph."
    window = window_for(byte_voice.url)
    window.editor.setPlainText(text)
    starts = reading_starts(window)
    cursor = window.editor.textCursor()
    cursor.setPosition(window.text.position(text.index("sat")))
    window.editor.setTextCursor(cursor)
    qtbot.keyClick(window.editor, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] is not None, timeout=10000)
    assert starts[-1] == text.index("The cat")
    qtbot.waitUntil(lambda: window.highlight.range is not None, timeout=10000)
    start, end = window.highlight.range
    selection = window.editor.extraSelections()[0]
    shown = selection.cursor.selectedText().replace("\u2029", "\n")
    assert shown == text[start:end] and shown.startswith(("The cat", "Last one", "New"))

    readings = len(starts)
    qtbot.keyClick(window.editor, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(starts) > readings and starts[-1] is not None, timeout=10000)
    assert starts[-1] == text.index("New")
    assert window.text.offset(window.editor.textCursor().position()) == text.index("New")
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
