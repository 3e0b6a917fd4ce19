"""Readings through faults: how long from a dropped connection to audio again, whether a listener with a little
audio buffered would hear a gap, whether moving to a fresh connection before the server's age limit is heard,
and the peak memory of reading a whole book against a few pages.

Run: .venv/bin/python -m bench.faults [--drops 10] [--rollovers 10] [--json FILE]

The drops: the offline server (in its own process, `serve --fault drop-after-bytes=N`) cuts every connection
after 40 s of speech; the reader's listener hears at 4x from the first audio (a clock, not a device), with
about 2 s of listening sent ahead. The rollovers: the same, with the server closing each connection at 12 s of
age (`--fault max-age=12s`, Deepgram's 60 minutes made short) and the reader told the limit. The memory: each size read to its end in a fresh process, through a server
that answers every Flush at once (the offline voice would take most of an hour for a book), peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import SAMPLE_TEXT, book_text, machine_load, peak_rss_mb, report, summary
from bench.server_load import start_server
from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.reader import Reader, ReaderConfig, ReaderListener
from core.retry import Reconnecting

BYTES_PER_SECOND = 48000  # linear16, 24 kHz
# The listener hears at 4x (as fast listeners do), so that a drop every 40 s of speech comes every 10 s.
SPEED = 4
RATE = BYTES_PER_SECOND * SPEED  # bytes heard a second


class RealTimeListener(ReaderListener):
    """Hears the audio at real speed from its first byte; notes each reconnect and each time it ran dry."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received = 0
        self.started: float | None = None
        self.drops: list[float] = []  # when each reconnect began
        self.back: list[float] = []  # seconds from each drop to the next audio byte
        self.dry = 0.0  # seconds the listener would have waited for audio, in all
        self.done = threading.Event()

    def played(self) -> int:
        with self.lock:
            if self.started is None:
                return 0
            return min(self.received, int((time.monotonic() - self.started) * RATE))

    def on_audio(self, data: bytes) -> None:
        now = time.monotonic()
        with self.lock:
            if self.started is None:
                self.started = now
            due = self.started + self.received / RATE  # when this audio would be played
            if now > due:  # the listener heard silence until it came
                self.dry += now - due
                self.started += now - due  # playback resumes from here
            self.received += len(data)
            if len(self.back) < len(self.drops):
                self.back.append(now - self.drops[-1])

    def on_connection(self, event) -> None:
        if isinstance(event, Reconnecting) and len(self.back) == len(self.drops):
            self.drops.append(time.monotonic())

    def on_finished(self, result) -> None:
        self.result = result
        self.done.set()


def read_through(fault: str, text: str, limits: Limits) -> RealTimeListener:
    """Read `text` to its end through the offline server (in its own process) making `fault`, heard at 4x with
    about 2 s of listening (8 s of speech) sent ahead."""
    process, url = start_server("--fault", fault)
    try:
        listener = RealTimeListener()
        config = ReaderConfig(speak_url(url, SpeakOptions()), limits=limits, lookahead_chars=120)
        reader = Reader(text, config, listener, played_bytes=listener.played)
        reader.start()
        listener.done.wait(900)
    finally:
        process.terminate()
        process.wait(10)
    return listener


def drops(count: int) -> dict:
    # A drop every 40 s of speech: longer than any sentence of the text, so that every connection gets one
    # whole (a connection that drops before any sentence is whole makes no progress, and is given up on).
    # Sentences of everyday length (the article has some of over 40 s: a connection that always drops sooner
    # never completes them, and gives up, as it should).
    text = " ".join([SAMPLE_TEXT] * (count * 600 // len(SAMPLE_TEXT)))  # about 40 s a 600 characters
    listener = read_through(f"drop-after-bytes={40 * BYTES_PER_SECOND}", text, Limits.unlimited())
    return {"drops": len(listener.drops), "back_ms": [s * 1000 for s in listener.back], "dry_s": listener.dry,
            "ok": listener.result.ok and listener.result.complete, "reconnects": listener.result.reconnects}


def rollovers(count: int) -> dict:
    max_age = 12.0
    # A connection's useful life (9 s: the handover starts a quarter before the limit) heard at 4x is about 540
    # characters of the article.
    text = " ".join([SAMPLE_TEXT] * ((count + 1) * 540 // len(SAMPLE_TEXT) + 1))
    listener = read_through(f"max-age={max_age:g}s", text, Limits(None, None, max_connection_age=max_age))
    result = listener.result
    return {"rollovers": result.rollovers, "reconnects": result.reconnects, "dry_s": listener.dry,
            "ok": result.ok and result.complete}


def peak_memory(chars: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.faults", "--child", str(chars)], capture_output=True,
                         text=True, timeout=1200, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(chars: int) -> None:
    from tests.core.helpers import ByteVoiceServer

    text = book_text(chars)
    with ByteVoiceServer() as server:
        done = threading.Event()

        class Ends(ReaderListener):
            def on_finished(self, result) -> None:
                self.result = result
                done.set()

        listener = Ends()
        config = ReaderConfig(server.url + "/v1/speak", limits=Limits.unlimited())
        reader = Reader(text, config, listener)
        started = time.monotonic()
        reader.start()
        done.wait(1200)
    print(json.dumps({"peak_mb": peak_rss_mb(), "seconds": time.monotonic() - started, "ok": listener.result.complete}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drops", type=int, default=10)
    parser.add_argument("--rollovers", type=int, default=10)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    load_before = machine_load()
    dropped = drops(args.drops)
    rolled = rollovers(args.rollovers)
    small, book = peak_memory(6_000), peak_memory(600_000)
    rows = [
        ("drops survived (reading complete)", "count", float(dropped["reconnects"] if dropped["ok"] else 0)),
        ("drops injected", "count", float(dropped["drops"])),
        ("drop to audio again", "ms", summary(dropped["back_ms"])),
        ("silence heard in all (2 s of listening buffered)", "s", dropped["dry_s"]),
        ("rollovers before the age limit (reading complete)", "count",
         float(rolled["rollovers"] if rolled["ok"] else 0)),
        ("age limit met as a failure (reconnects)", "count", float(rolled["reconnects"])),
        ("silence heard at the joins, in all", "s", rolled["dry_s"]),
        ("peak RSS, 3 pages (6,000 chars) read to the end", "MB", small["peak_mb"]),
        ("peak RSS, 300 pages (600,000 chars) read to the end", "MB", book["peak_mb"]),
        ("time to read 300 pages (instant server)", "s", book["seconds"]),
    ]
    report(f"Faults ({load_before} before; {machine_load()} after)", rows, args.json)


if __name__ == "__main__":
    main()
