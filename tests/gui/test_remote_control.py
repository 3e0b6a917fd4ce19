"""The running Aloud's command socket and what the window does with each command, in one process: hostile
clients (garbage, too much, too slow) do not disturb it; read-text and read-clipboard put the text in the editor
as a document of its own and read it; an open file's text is replaced only with the user's agreement."""

import json
import socket
import threading
import time

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from core.playback import PlaybackState
from core.remote import MAX_REQUEST_BYTES, REQUEST_TIMEOUT, Action, Request, send
from gui.instance import InstanceServer
from tests.gui.test_documents import reading_starts


@pytest.fixture
def commands(window_for, tmp_path, quiet_server):
    window = window_for(quiet_server.url)
    server = InstanceServer(window.remote.handle, window, address=str(tmp_path / "aloud.sock"))
    assert server.listen()
    yield window, server
    server.close()


def in_thread(qtbot, work, timeout=10000):
    """Run a client's `work` on a thread while the GUI thread serves it; its result."""
    result = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=timeout)
    return result[0]


def raw_exchange(address, data: bytes, pause: float = 0.0) -> bytes:
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(REQUEST_TIMEOUT + 5)
        client.connect(address)
        try:
            client.sendall(data)
        except OSError:
            pass  # the server may close a flood before it is all written
        time.sleep(pause)
        answer = b""
        while True:
            try:
                chunk = client.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
        return answer


def test_read_text_becomes_a_document_of_its_own_and_is_read(commands, qtbot):
    window, server = commands
    starts = reading_starts(window)
    reply = in_thread(qtbot, lambda: send(Request(Action.READ_TEXT, "Text from another app. Read at once."),
                                          server.address))
    assert reply.ok and reply.message == "Reading 36 characters from the text given."
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] == 0, timeout=10000)
    assert window.text.text() == "Text from another app. Read at once."
    assert window.windowTitle() == "Text from another app – Aloud" and not window.editor.isReadOnly()
    assert window.documents.source is None  # nothing on disk: Save goes to Save As
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)


def test_read_clipboard_reads_it_and_an_empty_one_is_said(commands, qtbot):
    window, server = commands
    QGuiApplication.clipboard().setText("Copied words to hear.")
    reply = in_thread(qtbot, lambda: send(Request(Action.READ_CLIPBOARD), server.address))
    assert reply.ok
    qtbot.waitUntil(lambda: window.text.text() == "Copied words to hear.", timeout=10000)
    assert window.windowTitle() == "Clipboard – Aloud"
    window.reading.stop()
    QGuiApplication.clipboard().clear()
    reply = in_thread(qtbot, lambda: send(Request(Action.READ_CLIPBOARD), server.address))
    assert not reply.ok and reply.message == "The clipboard holds no text."


def test_an_open_file_is_replaced_only_when_the_user_agrees(commands, qtbot, tmp_path, monkeypatch, open_file):
    window, server = commands
    path = tmp_path / "notes.txt"
    path.write_text("My own notes.", encoding="utf-8")
    assert open_file(window, path)
    asked = []

    def answer(box):
        asked.append(box.text())
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", answer)
    in_thread(qtbot, lambda: send(Request(Action.READ_TEXT, "Other words."), server.address))
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert asked[0].startswith("Read the text given in place of notes.txt?")
    qtbot.waitUntil(lambda: "Kept the document" in window.closure_label.text(), timeout=5000)
    assert window.text.text() == "My own notes."
    # Unsaved changes are always asked about (Save, Discard, Cancel).
    window.editor.setPlainText("Edited, not saved.")
    window.editor.document().setModified(True)
    questions = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: (questions.append(a), QMessageBox.StandardButton.Cancel)[1])
    in_thread(qtbot, lambda: send(Request(Action.READ_TEXT, "Other words."), server.address))
    qtbot.waitUntil(lambda: bool(questions), timeout=5000)
    assert window.text.text() == "Edited, not saved."


def test_show_pause_and_stop_act_on_the_window(commands, qtbot):
    window, server = commands
    window.hide()
    assert in_thread(qtbot, lambda: send(Request(Action.SHOW), server.address)).ok
    assert window.isVisible()
    reply = in_thread(qtbot, lambda: send(Request(Action.PAUSE), server.address))
    assert not reply.ok and reply.message == "Nothing is being read."
    window.editor.setPlainText(" ".join(f"Sentence {n} is long enough to keep reading." for n in range(40)))
    window.editor.document().setModified(False)
    window.speak_action.trigger()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.SPEAKING, timeout=10000)
    assert in_thread(qtbot, lambda: send(Request(Action.PAUSE), server.address)).message == "Paused."
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.PAUSED, timeout=5000)
    assert in_thread(qtbot, lambda: send(Request(Action.STOP), server.address)).message == "Stopped."
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)


def test_garbage_floods_and_slow_clients_do_not_disturb_the_running_aloud(commands, qtbot):
    window, server = commands
    address = server.address
    answer = in_thread(qtbot, lambda: raw_exchange(address, b"\x00\xff garbage\n"))
    assert json.loads(answer) == {"ok": False, "message": "the request is not a JSON line"}
    answer = in_thread(qtbot, lambda: raw_exchange(address, b'{"action": "format-disk"}\n'))
    assert json.loads(answer)["message"] == "unknown action 'format-disk'"
    answer = in_thread(qtbot, lambda: raw_exchange(address, b'{"action": "read", "argument": "rel/path"}\n'))
    assert json.loads(answer)["message"] == "the file must be given as an absolute path"
    flood = in_thread(qtbot, lambda: raw_exchange(address, b"x" * (MAX_REQUEST_BYTES + 10)))
    assert flood == b"" or json.loads(flood)["message"] == "the request is too large"
    # A client that sends half a request and waits is dropped after the timeout; others are served meanwhile.
    slow = threading.Thread(target=lambda: slow_result.append(raw_exchange(address, b'{"action": ', pause=0)),
                            daemon=True)
    slow_result = []
    started = time.monotonic()
    slow.start()
    assert in_thread(qtbot, lambda: send(Request(Action.SHOW), address)).ok
    qtbot.waitUntil(lambda: not slow.is_alive(), timeout=int((REQUEST_TIMEOUT + 5) * 1000))
    assert slow_result == [b""] and REQUEST_TIMEOUT - 0.5 < time.monotonic() - started < REQUEST_TIMEOUT + 3
    assert in_thread(qtbot, lambda: send(Request(Action.SHOW), address)).message == "Shown."


def test_open_and_read_file_open_it_in_the_running_window(commands, qtbot, tmp_path):
    window, server = commands
    path = tmp_path / "letter.txt"
    path.write_text("Dear reader. This letter was opened from another start of Aloud.", encoding="utf-8")
    window.hide()
    starts = reading_starts(window)
    reply = in_thread(qtbot, lambda: send(Request(Action.OPEN, str(path)), server.address))
    assert reply.ok and reply.message == "Opening letter.txt."
    qtbot.waitUntil(lambda: window.documents.source == path, timeout=10000)
    assert window.isVisible() and window.text.text().startswith("Dear reader.") and not starts
    reply = in_thread(qtbot, lambda: send(Request(Action.READ_FILE, str(path)), server.address))
    qtbot.waitUntil(lambda: bool(starts) and starts[-1] == 0, timeout=10000)
    window.reading.stop()
    qtbot.waitUntil(lambda: window.reading.state is PlaybackState.STOPPED, timeout=5000)
    missing = in_thread(qtbot, lambda: send(Request(Action.READ_FILE, str(tmp_path / "gone.txt")), server.address))
    assert not missing.ok and missing.message.endswith("gone.txt is not a file.")
