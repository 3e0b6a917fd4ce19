"""Start-up: what a user waits for from pressing Enter. Process start to the first audio of `speak --url`, to
the window shown, and to the end of `--self-test`; the cost of importing the command line.

Run: .venv/bin/python -m bench.startup [--runs N] [--json FILE]
Offscreen, with ALSA's file device; `speak --url` reads from a server in this process that notes when it
sends its first audio (the clock is the system's monotonic clock, the same in both processes).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ClockServer, report, summary
from bench.gui import ROOT, _env, startup_seconds


def speak_first_audio_seconds(runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):  # the first run writes the bytecode cache and is not counted
        server = ClockServer(bytes(4800))
        started = time.monotonic()
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "speak", "Hello.", "--url", server.url,
                               "--no-play", "--quiet"], cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=60)
        server.stop()
        if proc.returncode != 0 or server.first_audio_at is None:
            raise RuntimeError(f"speak failed: {proc.stdout}{proc.stderr}")
        times.append(server.first_audio_at - started)
    return times[1:]


def process_seconds(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):  # the first run writes the bytecode cache and is not counted
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, *argv], cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv} failed: {proc.stdout}{proc.stderr}")
        times.append(time.perf_counter() - started)
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    bare = process_seconds(["-c", "pass"], args.runs)
    cli = process_seconds(["-c", "import core.cli"], args.runs)
    report("Start-up (offscreen, ALSA file device)", [
        ("process start to first audio: speak --url", "s", summary(speak_first_audio_seconds(args.runs))),
        ("process start to window shown", "s", summary(startup_seconds(args.runs))),
        ("process start to the end of --self-test", "s", summary(process_seconds(["main.py", "--self-test"],
                                                                               args.runs))),
        ("python -c 'import core.cli' (a bare python: see the next row)", "s", summary(cli)),
        ("python -c pass", "s", summary(bare)),
    ], args.json)


if __name__ == "__main__":
    main()
