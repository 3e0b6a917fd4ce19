"""From a command in another process to the first audio played: `aloud read-text` (as a key bound to
`read-selection` runs it) with Aloud already running, and with none running (the command starts one in the
background). The offline voice, playing into ALSA's file device: the time until the first bytes after the
player's lead-in of silence reach it.

Run: .venv/bin/python -m bench.remote [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine_load, report, summary

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "main.py"
RUNS = 7
TEXT = "Read aloud from another app, at once."


def environment(folder: Path) -> dict[str, str]:
    (folder / "asound.conf").write_text(
        f'pcm.!default {{ type file slave.pcm "nullpcm" file "{folder / "played.raw"}" format raw }}\n'
        "pcm.nullpcm { type null }\n")
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    env.update(QT_QPA_PLATFORM="offscreen", ALSA_CONFIG_PATH=str(folder / "asound.conf"),
               ALOUD_INSTANCE=str(folder / "aloud.sock"), XDG_CONFIG_HOME=str(folder / "config"))
    return env


def first_audio(folder: Path, started: float, timeout: float = 30.0) -> float:
    """Seconds from `started` until the capture holds audio that is not silence."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in folder.glob("played.raw*"):
            data = path.read_bytes()
            if any(data[i] not in (0, 0xFF) for i in range(0, len(data), 2)):  # a sample not 0 or -1
                return time.monotonic() - started
        time.sleep(0.002)
    raise RuntimeError("no audio")


def command(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(MAIN), *args], env=env, check=True, capture_output=True, timeout=60)


def one_run(cold: bool) -> float:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = environment(folder)
        instance = None
        if not cold:
            instance = subprocess.Popen([sys.executable, str(MAIN), "--background"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not (folder / "aloud.sock").exists():
                time.sleep(0.05)
            command(env, "read-text", "Warm up.")  # the offline voice's first start is not what is measured
            time.sleep(1.0)
            for path in folder.glob("played.raw*"):
                path.unlink()
        started = time.monotonic()
        command(env, "read-text", TEXT)
        seconds = first_audio(folder, started)
        command(env, "quit")
        if instance is not None:
            instance.wait(20)
        else:
            while (folder / "aloud.sock").exists():
                time.sleep(0.05)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    load_before = machine_load()
    rows = [
        ("read-text to first audio, Aloud running", "ms", summary([one_run(False) * 1000 for _ in range(RUNS)])),
        ("read-text to first audio, none running (starts one)", "ms",
         summary([one_run(True) * 1000 for _ in range(RUNS)])),
    ]
    report(f"Commands from another app ({load_before} before; {machine_load()} after)", rows, args.json)


if __name__ == "__main__":
    main()
