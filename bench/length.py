"""Any length, first words at once: time to first audio and peak memory for texts of 1 KB to 50 MB.

Run: .venv/bin/python -m bench.length [--sizes 1K,100K,1M,10M,50M] [--runs 3] [--seconds 5] [--json FILE]
Each run is a fresh process, as a user's would be: it reads the file (core.textfile, as `speak --file` and the
window do), reads it aloud with the embedded offline voice and the default player (into ALSA's file device,
written to /dev/null: no sound card needed, and not paced, so a few seconds cover a long stretch of text),
and stops after --seconds. It reports the time from reading the file to the first audio, and the process's
resident memory: before the file, at its peak, and at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import book_text, machine_load, report

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"1K": 1_000, "100K": 100_000, "1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000}


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(path: Path, seconds: float) -> dict:
    """One reading, in this process: the figures as a dict."""
    from core.endpoints import choose_endpoint
    from core.options import SpeakOptions
    from core.playback import Playback, PlaybackListener, PlaybackRequest, open_output
    from core.textfile import read_text_file

    class FirstAudio(PlaybackListener):
        at: float | None = None
        received = 0

        def on_audio(self, data: bytes) -> None:
            if self.at is None:
                self.at = time.monotonic()
            self.received += len(data)

    endpoint = choose_endpoint()  # no key: the embedded offline voice
    endpoint.url()  # started before the clock, as the window does at start-up: the same for every size
    output = open_output()
    baseline = _rss_mb()
    started = time.monotonic()
    text = read_text_file(path).text
    read = time.monotonic()
    listener = FirstAudio()
    playback = Playback(PlaybackRequest(text, SpeakOptions().validate(), endpoint, 0, len(text)), listener,
                        output=output)
    playback.start()
    deadline = time.monotonic() + 120
    while listener.at is None and time.monotonic() < deadline:
        time.sleep(0.001)
    if listener.at is None:
        raise RuntimeError("no audio within 120 s")
    steady = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        time.sleep(0.25)
        steady.append(_rss_mb())
    heard = playback.heard()
    playback.stop()
    playback.wait(10)
    return {
        "chars": len(text),
        "read_s": read - started,
        "first_audio_s": listener.at - started,
        "first_audio_after_start_s": listener.at - read,
        "baseline_mb": baseline,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "end_mb": steady[-1],
        "steady_max_mb": max(steady),
        "chars_heard": heard.start if heard else 0,
        "audio_mb": listener.received / 1e6,
    }


def run(path: Path, seconds: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="aloud-bench-"))
    conf = folder / "asound.conf"
    conf.write_text('pcm.!default { type file slave.pcm "nullpcm" file "/dev/null" format raw }\n'
                    "pcm.nullpcm { type null }\n")
    env = {**os.environ, "ALSA_CONFIG_PATH": str(conf)}
    env.pop("DEEPGRAM_API_KEY", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([sys.executable, "-m", "bench.length", "--child", str(path), "--seconds", str(seconds)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.seconds)))
        return
    folder = Path(tempfile.mkdtemp(prefix="aloud-bench-texts-"))
    rows = []
    load_before = machine_load()
    for name in args.sizes.split(","):
        path = folder / f"{name}.txt"
        path.write_text(book_text(SIZES[name]), encoding="utf-8")
        runs = [run(path, args.seconds) for _ in range(args.runs)]
        path.unlink()

        def median(key: str) -> float:
            return statistics.median(r[key] for r in runs)

        rows += [
            (f"{name}: file read and decoded", "ms", median("read_s") * 1000),
            (f"{name}: start of reading to first audio", "ms", median("first_audio_after_start_s") * 1000),
            (f"{name}: file to first audio", "ms", median("first_audio_s") * 1000),
            (f"{name}: memory before the file", "MB", median("baseline_mb")),
            (f"{name}: peak memory (reading the file included)", "MB", median("peak_mb")),
            (f"{name}: most memory while reading ({args.seconds:.0f} s)", "MB", median("steady_max_mb")),
            (f"{name}: characters heard by then", "chars", median("chars_heard")),
        ]
    report(f"Length: {args.runs} runs a size, medians ({load_before} before; {machine_load()} after)", rows,
           args.json)


if __name__ == "__main__":
    main()
