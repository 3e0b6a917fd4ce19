"""Qt's own messages (its plugins' and widgets' warnings) routed into Python logging, under the `qt` logger,
so that they reach the same handlers as ours (and `--debug`) instead of going straight to standard error.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

# Warnings that say nothing is wrong, logged at DEBUG. Each with the reason; tests allow the same list
# (pyproject.toml, qt_log_ignore).
HARMLESS = (
    # The offscreen and minimal platforms (the self-test, CI) cannot pass size hints to a window manager.
    "This plugin does not support propagateSizeHints()",
)


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = _LEVELS.get(kind, logging.WARNING)
    if level == logging.WARNING and message in HARMLESS:
        level = logging.DEBUG
    category = context.category if context is not None else None
    logger = log.getChild(category) if category and category != "default" else log
    logger.log(level, "%s", message)


def install() -> None:
    """Send Qt's messages to Python logging from now on."""
    qInstallMessageHandler(_handle)
