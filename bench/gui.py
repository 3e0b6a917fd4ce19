"""The window's start-up time and the GUI thread's longest stall while reading a long document aloud.

Run: .venv/bin/python -m bench.gui [--pages N] [--json FILE]
Uses the offscreen platform and ALSA's file device (no screen or sound card needed), the offline voice,
and real playback through the default backend.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report, summary

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
    from PySide6.QtCore import QElapsedTimer, QTimer

    from core.playback import PlaybackState
    from gui.app import create_application
    from gui.main_window import MainWindow

    app = create_application(sys.argv[:1])
    window = MainWindow()
    window.show()
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
    window.reading.speak_range(0, len(window.editor.toPlainText()))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    startup = startup_seconds(args.runs)
    stall, elapsed, chars = longest_stall(args.pages)
    report("The window", [
        ("process start to window shown (offscreen)", "s", summary(startup)),
        (f"longest GUI stall reading {args.pages} pages ({chars} chars)", "ms", stall * 1000),
        ("time to read them (file device: not paced)", "s", elapsed),
    ], args.json)


if __name__ == "__main__":
    main()
