"""Start-up: what a user waits for from pressing Enter. Process start to the first audio of `speak --url`, to
the window shown, and to the end of `--self-test`; the cost of importing the command line.

Run: .venv/bin/python -m bench.startup [--runs N] [--json FILE]
Offscreen, with ALSA's file device; `speak --url` reads from a server in this process that notes when it
sends its first audio (the clock is the system's monotonic clock, the same in both processes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import report, summary
from bench.gui import ROOT, _env, startup_seconds


class _FirstAudioClock:
    """A /v1/speak server that answers each Flush with a little audio and notes when the first audio left."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.first_audio_at: float | None = None
        self._server = serve(self._serve, "127.0.0.1", 0, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    def _serve(self, ws) -> None:
        ws.send(json.dumps({"type": "Metadata", "request_id": "bench", "model_name": "silence", "model_version": "1",
                            "model_uuid": "silence"}))
        flushes = 0
        for message in ws:
            kind = json.loads(message).get("type") if isinstance(message, str) else None
            if kind == "Flush":
                if self.first_audio_at is None:
                    self.first_audio_at = time.monotonic()
                ws.send(bytes(4800))
                flushes += 1
                ws.send(json.dumps({"type": "Flushed", "sequence_id": flushes}))
            elif kind == "Close":
                ws.close(1000)
                return

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


def speak_first_audio_seconds(runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):  # the first run writes the bytecode cache and is not counted
        server = _FirstAudioClock()
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
