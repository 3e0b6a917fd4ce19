"""Qt's messages in Python logging, and the suite's guard that fails a test on an unexpected Qt warning."""

import logging
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import qInstallMessageHandler, qWarning

from gui import qt_log

ROOT = Path(__file__).resolve().parents[2]


def test_qt_messages_reach_python_logging(qapp, caplog):
    previous = qInstallMessageHandler(None)  # pytest-qt's own capture, put back below
    qt_log.install()
    try:
        with caplog.at_level(logging.DEBUG, logger="qt"):
            qWarning("a Qt warning from the test")
            qWarning(qt_log.HARMLESS[0])
    finally:
        qInstallMessageHandler(previous)
    records = [(r.getMessage(), r.levelno) for r in caplog.records if r.name.startswith("qt")]
    assert ("a Qt warning from the test", logging.WARNING) in records
    assert (qt_log.HARMLESS[0], logging.DEBUG) in records


def test_an_unexpected_qt_warning_fails_the_test_that_caused_it(tmp_path):
    test = tmp_path / "test_warns.py"
    test.write_text(
        "from PySide6.QtCore import qWarning\n"
        "def test_unexpected(qapp):\n    qWarning('something went wrong')\n"
        "def test_harmless(qapp):\n    qWarning('This plugin does not support propagateSizeHints()')\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
         "-p", "no:cacheprovider", "-q", str(test)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.stdout
    assert "1 failed, 1 passed" in run.stdout
    assert "test_unexpected" in run.stdout and "something went wrong" in run.stdout
