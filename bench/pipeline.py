"""Latency and speed of the speech pipeline against the offline server, over a real loopback socket.

Run: .venv/bin/python -m bench.pipeline [--runs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from bench.common import SAMPLE_TEXT, report, summary
from core.offline.espeak import EspeakEngine
from core.offline.engine import EngineVoice
from core.offline.server import OfflineServer, ServerConfig
from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.reader import Reader, ReaderConfig, ReaderListener
from core.session import Session


class _Timing:
    def __init__(self) -> None:
        self.first_audio: float | None = None
        self.flushed = threading.Event()

    def on_audio(self, data: bytes) -> None:
        if self.first_audio is None:
            self.first_audio = time.perf_counter()

    def on_event(self, event) -> None:
        if type(event).__name__ == "Flushed":
            self.flushed.set()

    def on_closed(self, closure) -> None:
        pass


def session_latencies(url: str, runs: int) -> tuple[list[float], list[float], list[float]]:
    first_audio, close_times, connect_times = [], [], []
    for _ in range(runs):
        timing = _Timing()
        session = Session(url, timing)
        started = time.perf_counter()
        session.connect()
        connected = time.perf_counter()
        session.speak("Hello there. ")
        session.flush()
        if not timing.flushed.wait(10):
            raise RuntimeError("no Flushed from the server")
        closing = time.perf_counter()
        session.close()
        closure = session.wait(5)
        if closure is None or not closure.ok:
            raise RuntimeError(f"bad close: {closure}")
        close_times.append((time.perf_counter() - closing) * 1000)
        connect_times.append((connected - started) * 1000)
        first_audio.append((timing.first_audio - started) * 1000)
    return connect_times, first_audio, close_times


def engine_speed(repeats: int) -> float:
    engine = EspeakEngine()
    voice = EngineVoice("thalia", "en", "feminine")
    audio_seconds = 0.0
    started = time.perf_counter()
    for _ in range(repeats):
        for sentence in SAMPLE_TEXT.split(". "):
            audio_seconds += len(engine.synthesize(sentence, voice)) / 2 / engine.sample_rate
    return audio_seconds / (time.perf_counter() - started)


def document_speed(url: str, words: int) -> tuple[float, float]:
    text = (SAMPLE_TEXT + " ") * max(1, words // 40)
    reader = Reader(text, ReaderConfig(url, limits=Limits.unlimited()), ReaderListener())
    started = time.perf_counter()
    reader.start()
    result = reader.wait(600)
    elapsed = time.perf_counter() - started
    if result is None or not result.complete:
        raise RuntimeError(f"reading failed: {result}")
    audio_seconds = result.audio_bytes / 2 / 24000
    return audio_seconds / elapsed, audio_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with OfflineServer(ServerConfig(chars_per_minute=None, flushes_per_minute=None)) as server:
        url = speak_url(server.url, SpeakOptions())
        session_latencies(url, 3)  # warm up: library load, first connection
        connect, first_audio, close = session_latencies(url, args.runs)
        doc_speed, doc_seconds = document_speed(url, 4000)
    rows = [
        ("handshake (connect)", "ms", summary(connect)),
        ("connect start to first audio byte", "ms", summary(first_audio)),
        ("Close sent to close frame", "ms", summary(close)),
        ("eSpeak NG synthesis speed", "x rt", engine_speed(20)),
        (f"whole document over the socket ({doc_seconds / 60:.0f} min audio)", "x rt", doc_speed),
    ]
    report(f"Pipeline against the offline server, {args.runs} runs", rows, args.json)


if __name__ == "__main__":
    main()
