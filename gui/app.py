"""Starts the window: the Qt application, its settings location, and logging."""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication

from core.endpoints import run_offline_voice_apart, stop_embedded_server
from gui import qt_log

ORGANIZATION = "Aloud"
APPLICATION = "Aloud"


def create_application(argv: list[str]) -> QApplication:
    qt_log.install()  # before the application exists: its platform plugin already has things to say
    run_offline_voice_apart()  # its synthesis must not hold the interpreter lock the GUI thread needs
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    return app


def run(path: str | None = None, url: str | None = None, debug: bool = False) -> int:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = create_application(sys.argv[:1])
    from gui.main_window import MainWindow

    window = MainWindow(url=url, path=path)
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        stop_embedded_server()
