"""Listening fast: what the speed change costs and how soon a new speed is heard.

- CPU time per second of audio heard, for each way a voice reaches its speed: the client's speed change (Sonic)
  on received speech at 1.5x-4x (Aura-1 voices; Aura-2 beyond 1.5x), with smart pauses; and the offline voice's
  own eSpeak rate, which it uses instead.
- The first-audio delay the speed change adds: how much received audio it needs before it gives any, and the
  time it takes.
- On a paced sound device (a private PulseAudio null sink): from a speed change during a reading until the new
  speed is heard, found in what the device played (tone bursts whose spacing halves when the speed doubles).

Run: .venv/bin/python -m bench.speed [--json FILE]   (--check prints the paced figures as JSON, for the tests)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from bench.common import ClockServer, machine_load, report, summary
from bench import paced_sink
from bench.paced_sink import RATE, PacedSink

BURST = 0.05  # seconds of tone, then as much silence: one burst every 0.1 s of source
CHANGE_AFTER = 1.75  # seconds of 1x before the speed doubles: early in the second sentence's bursts, so that
# the new spacing shows before the next sentence's silence
SENTENCE_GAP = 0.3  # seconds of silence before each sentence's bursts


def speech(seconds: float) -> bytes:
    """eSpeak NG's speech at 1x, as a voice sends it (the only real speech on a machine with no network)."""
    from core.offline.engine import EngineVoice
    from core.offline.espeak import EspeakEngine

    engine = EspeakEngine()
    text = ("Reading aloud helps people who find reading hard, and it gives tired eyes a rest. "
            "Each sentence is flushed at its end, so audio starts quickly. ")
    pcm = b""
    while len(pcm) < seconds * engine.sample_rate * 2:
        pcm += engine.synthesize(text, EngineVoice("thalia", "en", "feminine"))
    return pcm[: int(seconds * engine.sample_rate) * 2]


def stretch_cpu(pcm: bytes, ratio: float, runs: int = 5) -> dict:
    """CPU seconds per second of output, the speed chain alone (smart pauses on, as above 1.5x by default)."""
    from core.audio.speed_chain import SpeedChain

    values = []
    for _ in range(runs):
        chain = SpeedChain(RATE, ratio, smart_pauses=True)
        started = time.process_time()
        out = 0
        for at in range(0, len(pcm), 4800):  # 100 ms frames, as Aura sends them
            out += len(chain.feed(pcm[at:at + 4800]))
        out += len(chain.finish())
        values.append((time.process_time() - started) / (out / 2 / RATE) * 1000)
    return summary(values)


def espeak_cpu(speed: float, runs: int = 5) -> dict:
    """CPU seconds per second of output of the offline voice at its own rate."""
    from core.offline.engine import EngineVoice
    from core.offline.espeak import EspeakEngine

    engine = EspeakEngine()
    text = "Reading aloud helps people who find reading hard, and it gives tired eyes a rest. " * 8
    values = []
    for _ in range(runs):
        started = time.process_time()
        pcm = engine.synthesize(text, EngineVoice("thalia", "en", "feminine"), speed)
        values.append((time.process_time() - started) / (len(pcm) / 2 / engine.sample_rate) * 1000)
    return summary(values)


def first_output(pcm: bytes, ratio: float) -> tuple[float, float]:
    """Received audio (ms) the chain needs before its first output, and the CPU time (ms) until then, fed as a
    voice sends it (20 ms frames)."""
    from core.audio.speed_chain import SpeedChain

    chain = SpeedChain(RATE, ratio, smart_pauses=ratio > 1.5)
    frame = RATE * 20 // 1000 * 2
    started = time.perf_counter()
    for at in range(0, len(pcm), frame):
        if chain.feed(pcm[at:at + frame]):
            return (at + frame) / 2 / RATE * 1000, (time.perf_counter() - started) * 1000
    raise RuntimeError("no output")


def bursts(seconds: float) -> bytes:
    n = int(BURST * RATE)
    tone = (np.sin(np.arange(n) * 2 * np.pi * 300 / RATE) * 8000).astype("<i2").tobytes()
    unit = tone + bytes(2 * n)
    return unit * int(seconds / (2 * BURST))


def measure_change(sink: PacedSink, backend: str) -> dict:
    """Sentences of tone bursts read at 1x, the speed doubled after CHANGE_AFTER s. In what the device played:
    how long after the change the bursts came twice as often; and whether the sentence the reading said was
    being heard (what the highlight shows) was the one the device was playing, sampled every 20 ms."""
    from core.audio import create_output
    from core.endpoints import Endpoint, EndpointKind
    from core.options import SpeakOptions
    from core.pacing import Limits
    from core.playback import Playback, PlaybackRequest

    server = ClockServer(bytes(int(SENTENCE_GAP * RATE) * 2) + bursts(1.0))
    endpoint = Endpoint(EndpointKind.CUSTOM, server.url, None, Limits.unlimited(), "bench", "bench")
    output = create_output(backend)
    sentences = [f"Sentence {n}." for n in range(8)]  # 1.3 s each at 1x
    text = " ".join(sentences)
    offsets = [text.index(sentence) for sentence in sentences]
    playback = Playback(PlaybackRequest(text, SpeakOptions(), endpoint, speed=1.0, smart_speed=False),
                        output=output)
    said: list[tuple[float, int]] = []  # (when, the sentence the reading said was heard)

    def watch() -> None:
        while not playback.state.ended:
            heard = playback.heard()
            if heard is not None and heard.start in offsets:
                said.append((time.monotonic(), offsets.index(heard.start)))
            time.sleep(0.02)

    recording = sink.record()
    playback.start()
    threading.Thread(target=watch, daemon=True).start()
    while output.position <= 0:
        time.sleep(0.005)
    time.sleep(CHANGE_AFTER)
    changed_at = time.monotonic()
    playback.change_speed(2.0, False)
    playback.wait(30)
    samples, times = recording.stop()
    output.close()
    server.stop()
    loud = np.abs(samples.astype(np.int32)) > 2000
    onsets = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    # Each burst's start (the gaps inside a burst's sine are far shorter than a burst's silence).
    starts = [int(onsets[0])] if len(onsets) else []
    for before, onset in zip(onsets, onsets[1:]):
        if onset - before > 0.01 * RATE:  # after silence, not the next period of the same burst's sine
            starts.append(int(onset))
    intervals = np.diff(starts) / RATE
    # Each sentence's sound: from its first burst (after its leading silence) to its last. Between sentences
    # either one may be said (one's trailing silence, the next one's leading silence): not checked.
    first = [0] + [i + 1 for i, (a, b) in enumerate(zip(starts, starts[1:])) if (b - a) / RATE > 0.15]
    spans = [(times[starts[f]], times[starts[n - 1]]) for f, n in zip(first, first[1:] + [len(starts)])]
    checked = wrong = 0
    for when, index in said:
        inside = [k for k, (begin, end) in enumerate(spans) if begin + 0.1 <= when <= end]
        if inside:  # well inside a sentence's sound: the device's own latency cannot decide it
            checked += 1
            wrong += index != inside[0]
    result = {"change_heard_after_ms": None, "bursts_before": len(intervals), "interval_after_ms": None,
              "sentences_heard": len(spans), "highlight_checked": checked, "highlight_wrong": wrong}
    for i in range(len(intervals)):
        # The first burst at the new spacing whose next two are too (or a sentence's gap): a single short one
        # may be a burst cut off by a player giving back what it had not played.
        fast = [gap < 0.75 * 2 * BURST or gap > 0.15 for gap in intervals[i + 1:i + 3]]
        if times[starts[i]] > changed_at and intervals[i] < 0.75 * 2 * BURST and all(fast):
            # The spacing once settled: simpleaudio's stop lets its old audio play out for about 0.3 s, over
            # the new (left alone: the fallback backend).
            settled = [gap for gap, at in zip(intervals[i:], starts[i:]) if times[at] >= times[starts[i]] + 0.4]
            result.update(change_heard_after_ms=(times[starts[i]] - changed_at) * 1000, bursts_before=i,
                          interval_after_ms=float(np.median(settled[:10]) * 1000) if settled else None)
            break
    return result


def run_paced(backends: list[str] | None, runs: int) -> dict:
    results = {}
    with PacedSink() as sink:
        os.environ.update(sink.env)  # before ALSA or PortAudio is first used in this process
        from core.audio import available_backends

        for backend in backends or available_backends():
            results[backend] = [measure_change(sink, backend) for _ in range(runs)]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--check", action="store_true", help="the paced figures only, as JSON")
    parser.add_argument("--backend", action="append", help="simpleaudio and/or sounddevice (default both)")
    args = parser.parse_args()
    if args.check:
        json.dump(run_paced(args.backend, 2), sys.stdout)
        return
    pcm = speech(30.0)
    rows = []
    for ratio in (1.5, 2.0, 3.0, 4.0):
        rows.append((f"speed change here (Sonic) at {ratio:g}x: CPU per second heard", "ms", stretch_cpu(pcm, ratio)))
    for speed in (1.0, 2.0, 4.0):
        rows.append((f"offline voice (eSpeak rate) at {speed:g}x: CPU per second heard", "ms", espeak_cpu(speed)))
    for ratio in (2.0, 4.0):
        needed, took = first_output(pcm, ratio)
        rows.append((f"speed change at {ratio:g}x: received audio needed before the first output", "ms", needed))
        rows.append((f"speed change at {ratio:g}x: time to that first output", "ms", took))
    if paced_sink.available():
        for backend, runs in run_paced(args.backend, 5).items():
            heard = [r["change_heard_after_ms"] for r in runs if r["change_heard_after_ms"] is not None]
            if heard:
                rows.append((f"{backend}: speed change to heard (paced sink)", "ms", summary(heard)))
    report("Listening fast", rows, args.json)
    print(machine_load())


if __name__ == "__main__":
    main()
