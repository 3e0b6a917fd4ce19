"""The window's start-up time, and the GUI thread's longest stall: while a long document is read aloud, and for
each key a user presses in a book (open, F5, Alt+Right, Ctrl+Down, Alt+Left, Ctrl+Up, typing, F5 again).

Run: .venv/bin/python -m bench.gui [--pages N] [--sizes 1M,5M] [--json FILE]
Uses the offscreen platform and ALSA's file device (no screen or sound card needed), the embedded offline
voice (in the same process, as a user has it), and real playback through the default backend. Keys are
pressed as a user does (QTest key events to the focused editor), and the machine's load is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import book_text, machine_load, report, summary

ROOT = Path(__file__).resolve().parents[1]

_STARTUP_PROBE = """
import sys, time
from PySide6.QtCore import QTimer
from gui.app import create_application
app = create_application(sys.argv[:1])
from gui.main_window import MainWindow
window = MainWindow()
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), window.shutdown(), app.quit()))
app.exec()
"""

PARAGRAPH = (
    "Reading aloud helps people who find reading hard, and it gives tired eyes a rest. Each sentence is "
    "highlighted as it is heard, and the window stays responsive while the speech streams in. "
)


def _env() -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="aloud-bench-"))
    conf = folder / "asound.conf"
    conf.write_text(f'pcm.!default {{ type file slave.pcm "nullpcm" file "{folder}/out.raw" format raw }}\n'
                    "pcm.nullpcm { type null }\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ALSA_CONFIG_PATH": str(conf)}
    env.pop("DEEPGRAM_API_KEY", None)
    # As users run it: with compiled bytecode cached (an installed app has it; this workplace sets
    # PYTHONDONTWRITEBYTECODE, which makes every start compile every module again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def startup_seconds(runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):  # the first run writes the bytecode cache and is not counted
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _STARTUP_PROBE], cwd=ROOT, env=_env(),
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        times.append(time.perf_counter() - started)
        proc.wait(30)
        if line.strip() != "shown":
            raise RuntimeError("the window did not show")
    return times[1:]


def longest_stall(pages: int) -> tuple[float, float, int]:
    """Largest gap between 5 ms heartbeats of the GUI thread while a document of `pages` pages is read."""
    os.environ.update(_env())
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest

    from core.playback import PlaybackState
    from gui.app import create_application
    from gui.main_window import MainWindow

    app = create_application(sys.argv[:1])
    window = MainWindow()
    window.show()
    _activate(app, window)
    window.editor.setPlainText((PARAGRAPH * 16 + "\n\n") * pages)  # about 3,000 characters a page
    clock = QElapsedTimer()
    gaps: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)

    def beat() -> None:
        gaps.append(clock.restart() / 1000)

    heartbeat.timeout.connect(beat)
    started = time.perf_counter()
    clock.start()
    heartbeat.start()
    QTest.keyClick(window.editor, Qt.Key.Key_F5)  # the cursor is at the top: all of it
    deadline = time.monotonic() + 600
    while not window.reading.state.ended and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    heartbeat.stop()
    state = window.reading.state
    window.editor.document().setModified(False)
    window.shutdown()
    if state is not PlaybackState.FINISHED:
        raise RuntimeError(f"the reading ended as {state}: {window.closure_label.text()}")
    return max(gaps[1:]), elapsed, len(window.editor.toPlainText())


def _activate(app, window) -> None:
    """Shortcuts reach only the active window: activate it and give the editor the focus, as a user's click."""
    window.windowHandle().requestActivate()
    deadline = time.monotonic() + 5
    while not window.isActiveWindow() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    window.editor.setFocus()


KEYS = (
    ("F5", "Key_F5", "NoModifier"),
    ("Alt+Right (next sentence)", "Key_Right", "AltModifier"),
    ("Ctrl+Down (next paragraph)", "Key_Down", "ControlModifier"),
    ("Alt+Left (previous sentence)", "Key_Left", "AltModifier"),
    ("Ctrl+Up (previous paragraph)", "Key_Up", "ControlModifier"),
)
SIZES = {"1M": 1_000_000, "5M": 5_000_000}


def key_stalls(sizes: list[str], url: str | None = None) -> list[tuple[str, float]]:
    """The longest gap between 5 ms heartbeats from each step's start to its result and 100 ms after, on a
    book of each size: opened from a file, then read and navigated by key while the reading goes on."""
    os.environ.update(_env())
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest

    from core.playback import PlaybackState
    from gui.app import create_application
    from gui.main_window import MainWindow

    app = create_application(sys.argv[:1])
    window = MainWindow(url=url)
    window.show()
    _activate(app, window)
    clock = QElapsedTimer()
    longest = [0]

    def beat() -> None:
        longest[0] = max(longest[0], clock.restart())

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    clock.start()
    heartbeat.start()
    readings = [0]
    window.reading.worker.state_changed.connect(
        lambda state: state is PlaybackState.SPEAKING and readings.__setitem__(0, readings[0] + 1))

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    def step(action, done, timeout: float = 60) -> float:
        spin(0.3)
        clock.restart()
        longest[0] = 0
        action()
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.001)
        if not done():
            raise RuntimeError("a step did not finish: " + window.closure_label.text())
        spin(0.1)
        return longest[0]

    rows = []
    folder = Path(tempfile.mkdtemp(prefix="aloud-bench-books-"))
    for name in sizes:
        path = folder / f"book-{name}.txt"
        path.write_text(book_text(SIZES[name]), encoding="utf-8")
        rows.append((f"{name}: open the file", step(lambda: window.documents.open_path(path),
                                                    lambda: window.documents.path == path
                                                    and not window.documents.loader.loading)))
        cursor = window.editor.textCursor()
        cursor.setPosition(window.editor.document().characterCount() // 2)
        window.editor.setTextCursor(cursor)
        for label, key, modifier in KEYS:
            before = readings[0]
            rows.append((f"{name}: {label}", step(
                lambda: QTest.keyClick(window.editor, getattr(Qt.Key, key), getattr(Qt.KeyboardModifier, modifier)),
                lambda: readings[0] > before)))
        QTest.keyClick(window.editor, Qt.Key.Key_Escape)
        spin(0.3)
        rows.append((f"{name}: type a letter", step(lambda: QTest.keyClicks(window.editor, "a"), lambda: True)))
        before = readings[0]
        rows.append((f"{name}: F5 after typing", step(lambda: QTest.keyClick(window.editor, Qt.Key.Key_F5),
                                                       lambda: readings[0] > before)))
        QTest.keyClick(window.editor, Qt.Key.Key_Escape)
        spin(0.3)
        window.editor.document().setModified(False)
    heartbeat.stop()
    window.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    load_before = machine_load()
    startup = startup_seconds(args.runs)
    stall, elapsed, chars = longest_stall(args.pages)
    keys = _in_a_process_of_its_own("key_stalls", args.sizes)
    report(f"The window ({load_before} before; {machine_load()} after)", [
        ("process start to window shown (offscreen)", "s", summary(startup)),
        (f"longest GUI stall reading {args.pages} pages ({chars} chars) from F5", "ms", stall * 1000),
        ("time to read them (file device: not paced)", "s", elapsed),
        *((f"longest GUI stall: {label}", "ms", value) for label, value in keys),
    ], args.json)


def _in_a_process_of_its_own(what: str, sizes: str) -> list[tuple[str, float]]:
    """A second QApplication cannot follow the first in one process: the key stalls run in their own."""
    code = f"import json, sys; from bench.gui import {what}; print(json.dumps({what}(sys.argv[1].split(','))))"
    done = subprocess.run([sys.executable, "-c", code, sizes], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


if __name__ == "__main__":
    main()
