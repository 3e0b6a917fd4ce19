"""Fixtures for window tests: settings in a temporary folder, and windows that are active and closed cleanly."""

import pytest
from PySide6.QtCore import QSettings

from gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch, qapp):
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    qapp.setOrganizationName("AloudTest")
    qapp.setApplicationName("AloudTest")


@pytest.fixture
def quiet_server(make_server):
    return make_server(chars_per_minute=None, flushes_per_minute=None)


@pytest.fixture
def window_for(qtbot):
    windows = []

    def make(url=None):
        window = MainWindow(url=url)
        window.show()
        window.windowHandle().requestActivate()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts reach only the active window
        window.editor.setFocus()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.editor.document().setModified(False)  # no "unsaved changes" question at teardown
        window.close()
        window.deleteLater()





@pytest.fixture
def open_file(qtbot):
    """Open a file as File > Open does; wait until it is all in the editor (True) or refused (False)."""

    def open_and_wait(window, path) -> bool:
        outcome = []
        loader = window.documents.loader

        def opened(*_):
            outcome.append(True)

        def failed(*_):
            outcome.append(False)

        loader.opened.connect(opened)
        loader.failed.connect(failed)
        try:
            window.documents.open_path(path)
            qtbot.waitUntil(lambda: bool(outcome), timeout=10000)
        finally:
            loader.opened.disconnect(opened)
            loader.failed.disconnect(failed)
        return outcome[0]

    return open_and_wait
