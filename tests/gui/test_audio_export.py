"""Saving the spoken audio to a WAV file from the window: progress, the file, Cancel."""

import numpy as np
from PySide6.QtWidgets import QPushButton

from core.wav import read_wav


def test_save_audio_writes_a_wav_of_the_document(window_for, qtbot, quiet_server, tmp_path):
    window = window_for(quiet_server.url)
    window.editor.setPlainText("Saved to a file. Every word of it, in order.")
    progress = []
    window.documents.exporter.progress.connect(lambda done, total: progress.append((done, total)))
    path = tmp_path / "speech.wav"
    assert window.documents.save_audio(path)
    qtbot.waitUntil(lambda: "Saved" in window.closure_label.text(), timeout=15000)
    assert "speech.wav" in window.closure_label.text()
    tag, rate, bits, data = read_wav(path)
    assert (tag, rate, bits) == (1, 24000, 16)
    samples = np.frombuffer(data, "<i2").astype(float)
    assert len(samples) / rate > 1.5 and np.sqrt(np.mean(samples**2)) > 300
    total = len(window.editor.toPlainText())
    assert progress and progress[-1] == (total, total)
    assert window.documents.export_progress is None


def test_save_audio_of_the_selection_only(window_for, qtbot, quiet_server, tmp_path):
    window = window_for(quiet_server.url)
    window.editor.setPlainText("Not this part. Only this sentence is saved.")
    cursor = window.editor.textCursor()
    cursor.setPosition(window.editor.toPlainText().index("Only"))
    cursor.movePosition(cursor.MoveOperation.End, cursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    assert window.documents.save_audio(tmp_path / "part.wav")
    qtbot.waitUntil(lambda: "Saved" in window.closure_label.text(), timeout=15000)
    assert quiet_server.messages_received["Speak"] == 1


def test_cancel_stops_saving_and_leaves_no_part_file(window_for, qtbot, offline_server, tmp_path):
    # Deepgram's limits: 20,000 characters take minutes to send, so Cancel comes in the middle.
    window = window_for(offline_server.url)
    window.editor.setPlainText("A sentence to save, and then some more of it. " * 400)
    path = tmp_path / "long.wav"
    progress = []
    window.documents.exporter.progress.connect(lambda done, total: progress.append(done))
    assert window.documents.save_audio(path)
    qtbot.waitUntil(lambda: bool(progress), timeout=10000)  # connected, and audio is being saved
    window.documents.export_progress.show()
    window.documents.export_progress.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: "cancelled" in window.closure_label.text(), timeout=10000)
    assert not path.exists()
    assert offline_server.messages_received["Close"] >= 1


def test_nothing_to_save_is_said(window_for, tmp_path):
    window = window_for()
    assert not window.documents.save_audio(tmp_path / "empty.wav")
    assert "Nothing to save" in window.closure_label.text()
