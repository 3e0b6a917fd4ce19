"""Documents in the window: paragraphs, the reading position kept across runs, recent files, dropped files."""

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from core.playback import PlaybackState
from gui.main_window import MainWindow

TEXT = "First paragraph, one sentence.\n\nSecond paragraph starts. It goes on.\n\nThird paragraph."


def reading_starts(window):
    starts = []
    window.reading.worker.state_changed.connect(lambda state: state is PlaybackState.CONNECTING and starts.append(None))
    window.reading.worker.spoken.connect(lambda s, e: starts[-1] is None and starts.__setitem__(-1, s))
    return starts


def test_paragraph_navigation_reads_from_each_paragraph(window_for, qtbot, quiet_server):
    window = window_for(quiet_server.url)
    window.editor.setPlainText(TEXT)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.Start)
    assert [k.toString() for k in window.next_paragraph_action.shortcuts()] == ["Ctrl+Down"]
    assert [k.toString() for k in window.previous_paragraph_action.shortcuts()] == ["Ctrl+Up"]
    starts = reading_starts(window)
    steps = ((Qt.Key.Key_Down, "Second"), (window.next_paragraph_action, "Third"),
             (window.previous_paragraph_action, "Second"))
    for key, expected in steps:
        readings = len(starts)
        if isinstance(key, Qt.Key):  # the shortcut itself, once; the actions after it
            qtbot.keyClick(window.editor, key, Qt.KeyboardModifier.ControlModifier)
        else:
            key.trigger()
        assert window.editor.textCursor().position() == TEXT.index(expected)
        # a reading began there (its first audio is for that paragraph)
        qtbot.waitUntil(lambda: len(starts) > readings and starts[-1] is not None, timeout=10000)
        assert starts[-1] == TEXT.index(expected)
        qtbot.waitUntil(lambda: window.reading.state in (PlaybackState.FINISHED, PlaybackState.SPEAKING), timeout=10000)


def test_reopening_a_file_offers_to_continue_where_reading_stopped(window_for, qtbot, offline_server, tmp_path,
                                                                   open_file):
    path = tmp_path / "book.txt"
    path.write_text(" ".join(f"Sentence {i} of the book." for i in range(200)), encoding="utf-8")
    window = window_for(offline_server.url)  # Deepgram's limits: the reading is still going when stopped
    assert open_file(window, path)
    assert window.documents.resume_offer is None, "nothing to continue the first time"
    text = window.editor.toPlainText()
    start = text.index("Sentence 50 ")
    window.reading.move_and_speak(start)
    qtbot.waitUntil(lambda: window.highlight.range is not None, timeout=10000)
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
    window.close()

    again = window_for(offline_server.url)
    assert open_file(again, path)
    assert again.documents.resume_offer is not None and "Sentence 5" in again.documents.resume_offer.text()
    starts = reading_starts(again)
    again.documents.resume_offer.done(QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: bool(starts) and starts[0] is not None, timeout=10000)
    assert starts[0] >= start
    again.reading.stop()


def test_open_recent_lists_files_and_drops_missing_ones(window_for, tmp_path, open_file):
    window = window_for()
    paths = []
    for name in ("a.txt", "b.md"):
        path = tmp_path / name
        path.write_text(f"Text of {name}.", encoding="utf-8")
        assert open_file(window, path)
        paths.append(path)
    assert window.documents.memory.recent() == [p.resolve() for p in reversed(paths)]
    window.documents.fill_recent_menu()
    labels = [a.text() for a in window.recent_menu.actions()]
    assert labels[0].startswith("&1 b.md") and labels[1].startswith("&2 a.txt")
    paths[0].unlink()
    window.documents.open_recent(paths[0].resolve())
    assert "no longer there" in window.closure_label.text()
    assert window.documents.memory.recent() == [paths[1].resolve()]


def test_a_dropped_file_opens(window_for, qtbot, tmp_path):
    window = window_for()
    path = tmp_path / "dropped.md"
    path.write_text("# Dropped\n\nIt opened.", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window.editor.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window.editor.viewport(), drop)
    qtbot.waitUntil(lambda: window.documents.source == path, timeout=10000)
    assert window.editor.toPlainText() == "Dropped\n\nIt opened."  # Markdown, as the text it stands for
    assert window.windowTitle() == "dropped.md (read-only) – Aloud"


def test_a_file_given_on_the_command_line_opens(qtbot, tmp_path):
    path = tmp_path / "arg.txt"
    path.write_text("From the command line.", encoding="utf-8")
    window = MainWindow(path=str(path))
    try:
        qtbot.waitUntil(lambda: window.editor.toPlainText() == "From the command line.", timeout=10000)
    finally:
        window.close()


def test_a_file_that_is_not_utf8_still_opens_with_a_message(window_for, tmp_path, open_file):
    window = window_for()
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café crème.".encode("latin-1"))
    assert open_file(window, path)
    assert "latin1.txt is not UTF-8; it was read as Windows-1252" in window.closure_label.text()
    assert window.editor.toPlainText() == "Café crème."  # not a replacement character in sight


def test_a_binary_file_is_refused_with_a_message(window_for, tmp_path, open_file):
    window = window_for()
    window.editor.setPlainText("Kept.")
    assert not open_file(window, Path("/bin/ls"))
    assert "Cannot open ls: it is not a text file" in window.closure_label.text()
    assert window.editor.toPlainText() == "Kept."


def test_a_file_past_the_size_limit_is_refused_with_a_message(window_for, tmp_path, open_file):
    window = window_for()
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(201_000_000)  # sparse
    assert not open_file(window, huge)
    assert window.closure_label.text() == "Cannot open huge.txt: it is larger than 200 MB."


def test_an_unreadable_path_is_a_message_not_a_crash(window_for, tmp_path, open_file):
    window = window_for()
    assert not open_file(window, Path(tmp_path / "missing.txt"))
    assert "Cannot open missing.txt" in window.closure_label.text()


def test_unsaved_changes_are_asked_about_before_they_are_lost(window_for, tmp_path, open_file, monkeypatch):
    window = window_for()
    other = tmp_path / "other.txt"
    other.write_text("Another document.", encoding="utf-8")
    assert open_file(window, other)
    window.editor.setPlainText("Precious unsaved words.")
    window.editor.document().setModified(True)
    answers = []

    def ask(answer):
        def question(*args, **kwargs):
            answers.append(args[1])
            return answer
        return question

    monkeypatch.setattr(QMessageBox, "question", ask(QMessageBox.StandardButton.Cancel))
    window.documents.open_recent(other.resolve())
    assert answers == ["Unsaved changes"]
    assert window.editor.toPlainText() == "Precious unsaved words.", "Cancel keeps the text"
    monkeypatch.setattr(QMessageBox, "question", ask(QMessageBox.StandardButton.Save))
    window.documents.open_recent(other.resolve())
    assert other.read_text(encoding="utf-8") == "Precious unsaved words.", "Save wrote it first"


def test_self_test_and_version_run_as_a_process(tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # the self-test must not depend on the user's settings
    version = subprocess.run([sys.executable, str(root / "main.py"), "--version"], capture_output=True, text=True,
                             timeout=30, env=env)
    assert version.returncode == 0 and version.stdout.startswith("Aloud ")
    ok = subprocess.run([sys.executable, str(root / "main.py"), "--self-test"], cwd=tmp_path, capture_output=True,
                        text=True, timeout=60, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "[ok] closure: Closed: 1000 Normal Closure" in ok.stdout and "Self-test passed." in ok.stdout
    assert "[ok] speed change (Sonic): 1 s at 2x lasts 0.50 s" in ok.stdout
    broken = tmp_path / "asound.conf"
    broken.write_text("pcm.!default { type hw card 42 }\n")
    failed = subprocess.run([sys.executable, str(root / "main.py"), "--self-test"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, env={**env, "ALSA_CONFIG_PATH": str(broken)})
    # No audio device: said plainly, with its own exit status, and the closure reported as it was.
    assert failed.returncode == 3, failed.stdout
    assert "[NO AUDIO DEVICE] audio output: No audio device could be opened" in failed.stdout
    assert "[ok] closure: Closed: 1000 Normal Closure" in failed.stdout
    assert "FAILED" not in failed.stdout
