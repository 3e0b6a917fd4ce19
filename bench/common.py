"""Shared bits of the benchmarks: timing statistics and the table/JSON report."""

from __future__ import annotations

import json
import os
import re
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

SAMPLE_TEXT = (
    "The quick brown fox jumps over the lazy dog. Reading aloud helps people who find reading hard, "
    "and it gives tired eyes a rest. Each sentence is flushed at its end, so audio starts quickly."
)


# Real prose written by others (../shared/books, with its licence there): an article saved from the web, as
# Readability extracts it. The benchmarks repeat it to the sizes users have.
_ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "books" / "reference" / "wikipedia-mozilla.readability-expected.html"


def book_text(chars: int) -> str:
    """About `chars` characters of prose in paragraphs (the shared article repeated; a fixed text without it)."""
    from html.parser import HTMLParser

    paragraphs: list[str] = []
    if _ARTICLE.exists():
        class Paragraphs(HTMLParser):
            def __init__(self) -> None:
                super().__init__()
                self.current: list[str] = []

            def handle_data(self, data: str) -> None:
                self.current.append(data)

            def handle_endtag(self, tag: str) -> None:
                if tag in ("p", "li", "h1", "h2", "h3", "h4"):
                    text = " ".join("".join(self.current).split())
                    if text:
                        paragraphs.append(text)
                    self.current = []

        Paragraphs().feed(_ARTICLE.read_text(encoding="utf-8"))
    unit = "\n\n".join(paragraphs) + "\n\n" if paragraphs else (SAMPLE_TEXT + " ") * 20 + "\n\n"
    return (unit * (chars // len(unit) + 1))[:chars]


def machine_load() -> str:
    """The machine's load while a benchmark ran, for reading its figures (a busy machine stalls more)."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "min": ordered[0], "max": ordered[-1]}


def report(title: str, rows: list[tuple[str, str, dict | float]], json_path: Path | None) -> None:
    print(f"\n{title}  (Python {platform.python_version()}, {platform.machine()}, {sys.platform})")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure'.ljust(width)}  {'unit':6}  {'median':>9}  {'p95':>9}  {'min':>9}  {'max':>9}")
    for name, unit, value in rows:
        if isinstance(value, dict):
            cells = "  ".join(f"{value[k]:9.3f}" for k in ("median", "p95", "min", "max"))
        else:
            cells = f"{value:9.3f}"
        print(f"{name.ljust(width)}  {unit:6}  {cells}")
    if json_path is not None:
        data = {name: {"unit": unit, "value": value} for name, unit, value in rows}
        json_path.write_text(json.dumps(data, indent=2))


class ClockServer:
    """A /v1/speak server on loopback that answers each Flush with `audio_per_flush` (in frames), and notes when
    its first audio left and when Close arrived, on the system's monotonic clock (the same in every process)."""

    def __init__(self, audio_per_flush: bytes, frame_bytes: int = 9600) -> None:
        from websockets.sync.server import serve

        self.audio_per_flush = audio_per_flush
        self.frame_bytes = frame_bytes
        self.first_audio_at: float | None = None
        self.close_at: float | None = None
        self._server = serve(self._serve, "127.0.0.1", 0, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    def _serve(self, ws) -> None:
        ws.send(json.dumps({"type": "Metadata", "request_id": "bench", "model_name": "bench", "model_version": "1",
                            "model_uuid": "bench"}))
        flushes = 0
        for message in ws:
            kind = json.loads(message).get("type") if isinstance(message, str) else None
            if kind == "Flush":
                if self.first_audio_at is None:
                    self.first_audio_at = time.monotonic()
                for start in range(0, len(self.audio_per_flush), self.frame_bytes):
                    ws.send(self.audio_per_flush[start : start + self.frame_bytes])
                ws.send(json.dumps({"type": "Flushed", "sequence_id": flushes}))  # from 0, as Deepgram counts
                flushes += 1
            elif kind == "Close":
                self.close_at = time.monotonic()
                ws.close(1000)
                return

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM; ru_maxrss would keep a forking parent's size)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
