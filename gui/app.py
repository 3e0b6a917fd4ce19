"""Starts the window: the Qt application, its settings location, and logging."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

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


def run(path: str | None = None, url: str | None = None, debug: bool = False, background: bool = False) -> int:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handed = hand_over(path)
    if handed is not None:
        return handed
    app = create_application(sys.argv[:1])
    from gui.instance import InstanceServer
    from gui.main_window import MainWindow

    window = MainWindow(url=url, path=path)
    # One Aloud a user: this one now takes the commands (`aloud read-selection`...) and later starts.
    window.quit_requested.connect(app.quit)
    commands = InstanceServer(window.remote.handle, window)
    commands.listen()
    if not (background and window.tray.available):  # without a tray, a hidden window could not be found
        window.show()
    try:
        return app.exec()
    finally:
        commands.close()
        window.shutdown()
        stop_embedded_server()


def hand_over(path: str | None) -> int | None:
    """When Aloud already runs for this user, give it this start's file (or just show it), and say the exit
    status; None when none runs. Before any Qt: a second start costs a fraction of a second."""
    from core.remote import Action, NoInstance, Request, RequestError, send

    request = Request(Action.OPEN, str(Path(path).resolve())) if path else Request(Action.SHOW)
    try:
        reply = send(request, timeout=5)
    except NoInstance:
        return None
    except (OSError, RequestError) as exc:  # one that does not answer: this start takes its place
        logging.getLogger(__name__).warning("the running Aloud did not answer (%s); starting anew", exc)
        return None
    if not reply.ok:
        print(f"aloud: {reply.message}", file=sys.stderr)
        return 1
    return 0
