"""Playback timing on a paced (PulseAudio null) sink, for each backend: start latency, gaps, pause, stop.

Run: .venv/bin/python -m bench.audio [--json FILE] [--check]
It starts its own PulseAudio server; nothing else needs to be running. --check prints JSON only (the
tests use it to assert behaviour; the numbers are for reading, not for thresholds).
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

from bench.common import ClockServer, report, summary
from bench.paced_sink import RATE, PacedSink

QUIET = 328  # as core.audio.cutting: -40 dBFS


def tone(seconds: float, freq: float = 440.0) -> bytes:
    n = int(RATE * seconds)
    return (np.sin(np.arange(n) * 2 * np.pi * freq / RATE) * 8000).astype("<i2").tobytes()


class _Events:
    def __init__(self) -> None:
        self.started = threading.Event()
        self.drained = threading.Event()
        self.errors: list = []

    def on_started(self) -> None:
        self.started.set()

    def on_drained(self) -> None:
        self.drained.set()

    def on_error(self, error) -> None:
        self.errors.append(str(error))
        self.drained.set()


def _player(backend: str, events: _Events, **kwargs):
    from core.audio import create_output

    return create_output(backend, events, **kwargs)


def measure_start(sink: PacedSink, backend: str, lead_in_ms: int) -> float:
    """First byte fed to the player until its first sample comes out of the device, in ms."""
    recording = sink.record()
    events = _Events()
    player = _player(backend, events, lead_in_ms=lead_in_ms)
    player.begin()
    fed_at = time.monotonic()
    player.feed(tone(0.5))
    player.end_of_stream()
    events.drained.wait(10)
    player.close()
    samples, times = recording.stop()
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > QUIET)
    if len(loud) == 0:
        raise RuntimeError(f"{backend}: nothing was heard ({events.errors})")
    return (times[loud[0]] - fed_at) * 1000


def measure_stop(sink: PacedSink, backend: str) -> tuple[float, float]:
    """stop() call until the device is silent, and how long stop() itself took, in ms."""
    recording = sink.record()
    events = _Events()
    player = _player(backend, events)
    player.begin()
    player.feed(tone(4.0))
    events.started.wait(5)
    time.sleep(0.6)
    stop_at = time.monotonic()
    player.stop()
    returned = time.monotonic()
    time.sleep(0.5)
    player.close()
    samples, times = recording.stop()
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > QUIET)
    return (times[loud[-1]] - stop_at) * 1000, (returned - stop_at) * 1000


def measure_pause(sink: PacedSink, backend: str) -> dict:
    """Pause for 1 s in the middle: is the device silent, does the position hold, does it all get played?"""
    recording = sink.record()
    events = _Events()
    player = _player(backend, events, lead_in_ms=0)
    player.begin()
    audio = tone(2.0, 300)
    player.feed(audio)
    player.end_of_stream()
    events.started.wait(5)
    time.sleep(0.7)
    player.pause()
    paused_at = time.monotonic()
    held = player.position
    time.sleep(1.0)
    moved = player.position - held
    player.resume()
    events.drained.wait(10)
    player.close()
    samples, times = recording.stop()
    loud = np.abs(samples.astype(np.int32)) > QUIET
    # The pause window is paused_at .. paused_at + 1 s: sound in it is what the device still had queued.
    in_window = (times > paused_at) & (times < paused_at + 0.95)
    sounding = np.flatnonzero(loud & in_window)
    tail_ms = (times[sounding[-1]] - paused_at) * 1000 if len(sounding) else 0.0
    return {
        "sound_after_pause_ms": float(tail_ms),
        "silent_while_paused": bool(tail_ms < 600),
        "position_moved_while_paused": int(moved),
        "heard_seconds": float(loud.sum() / RATE),
        "source_seconds": len(audio) / 2 / RATE,
    }


def _find_block(haystack: bytes, needle: bytes, start: int, end: int) -> int:
    pos = haystack.find(needle, start, end)
    while pos != -1 and pos % 2:
        pos = haystack.find(needle, pos + 1, end)
    return pos


def insertions(source: np.ndarray, recording: np.ndarray) -> list[tuple[int, int]]:
    """(source sample index, samples inserted) for each silence the device added to the source.

    The recording is the source with silences inserted where a stream switched, and a few samples zeroed
    where a stream started; both are found by re-synchronising on the next loud block of the source.
    """
    block = 48
    src_bytes, rec_bytes = source.tobytes(), recording.tobytes()
    loud_blocks = np.abs(source.astype(np.int32)) > QUIET

    def next_loud(index: int) -> int:
        ahead = np.flatnonzero(loud_blocks[index:])
        return -1 if len(ahead) == 0 else index + int(ahead[0])

    # The first samples of a stream may be zeroed by the device: synchronise a little way in.
    k = next_loud(RATE // 100)
    pos = -1
    while k >= 0 and pos < 0 and k < RATE:
        pos = _find_block(rec_bytes, src_bytes[2 * k : 2 * (k + block)], 0, len(rec_bytes))
        if pos < 0:
            k = next_loud(k + block)
    if k < 0 or pos < 0:
        raise RuntimeError("the source was not found in the recording")
    i_s, i_r = k, pos // 2
    found = []
    while i_s < len(source):
        length = min(len(source) - i_s, len(recording) - i_r)
        mismatch = np.flatnonzero(recording[i_r : i_r + length] != source[i_s : i_s + length])
        if len(mismatch) == 0:
            break
        i_s += int(mismatch[0])
        i_r += int(mismatch[0])
        k = next_loud(i_s + block)
        if k < 0 or k + block > len(source) - RATE // 50:
            break  # the last 20 ms: a stream's end may be cut by the device's final period
        needle = src_bytes[2 * k : 2 * (k + block)]
        pos = _find_block(rec_bytes, needle, 2 * i_r, 2 * (i_r + RATE + k - i_s))
        if pos < 0:
            raise RuntimeError(f"lost the source at sample {i_s}")
        shift = pos // 2 - i_r - (k - i_s)
        if shift > 0:
            found.append((i_s, shift))
        i_s, i_r = k, pos // 2
    return found


def speech_audio(seconds: float) -> bytes:
    """Real speech from the offline server, as a reading would receive it."""
    from core.endpoints import Endpoint, EndpointKind
    from core.offline.server import OfflineServer, ServerConfig
    from core.options import SpeakOptions
    from core.pacing import Limits
    from core.playback import Playback, PlaybackListener, PlaybackRequest

    class Keep(PlaybackListener):
        def __init__(self) -> None:
            self.audio = bytearray()

        def on_audio(self, data: bytes) -> None:
            self.audio += data

    text = (
        "Reading aloud helps people who find reading hard, and it gives tired eyes a rest. The quick brown "
        "fox jumps over the lazy dog, then it runs into the forest where nobody can find it. "
    ) * max(1, int(seconds / 12))
    keep = Keep()
    with OfflineServer(ServerConfig(chars_per_minute=None, flushes_per_minute=None)) as server:
        endpoint = Endpoint(EndpointKind.CUSTOM, server.url, None, Limits.unlimited(), server.url, server.url)
        playback = Playback(PlaybackRequest(text, SpeakOptions(), endpoint), keep)
        playback.start()
        playback.wait(120)
    return bytes(keep.audio)


def measure_playback_stop(sink: PacedSink, backend: str) -> tuple[float, float]:
    """Playback.stop() (the window's and the command line's Stop) until the server has Close, and until the
    device is silent, in ms, while a reading plays."""
    from core.endpoints import Endpoint, EndpointKind
    from core.options import SpeakOptions
    from core.pacing import Limits
    from core.playback import Playback, PlaybackRequest

    server = ClockServer(tone(0.5, 330.0))
    recording = sink.record()
    output = _player(backend, _Events())
    endpoint = Endpoint(EndpointKind.CUSTOM, server.url, None, Limits.unlimited(), server.url, server.url)
    # Long enough that the reader is still sending (held back by what has been heard) when Stop comes.
    playback = Playback(PlaybackRequest("One sentence. " * 400, SpeakOptions(), endpoint), output=output)
    playback.start()
    time.sleep(1.0)  # playing, with more audio queued
    stop_at = time.monotonic()
    playback.stop()
    playback.wait(5)
    time.sleep(0.5)
    output.close()
    server.stop()
    samples, times = recording.stop()
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > QUIET)
    if server.close_at is None or server.close_at < stop_at:
        raise RuntimeError("the reading had ended before Stop: nothing was measured")
    return (server.close_at - stop_at) * 1000, (times[loud[-1]] - stop_at) * 1000


def measure_gaps(sink: PacedSink, backend: str, audio: bytes) -> dict:
    recording = sink.record()
    events = _Events()
    player = _player(backend, events, lead_in_ms=0)
    player.begin()
    for start in range(0, len(audio), 8192):  # as fast as the server sends: faster than real time
        player.feed(audio[start : start + 8192])
    player.end_of_stream()
    events.drained.wait(len(audio) / 2 / RATE + 30)
    forced = getattr(player, "forced_cuts", 0)
    segments = len(getattr(player, "handed", [])) or 1
    player.close()
    samples, _ = recording.stop()
    source = np.frombuffer(audio, dtype="<i2")
    found = insertions(source, samples)
    minutes = len(source) / RATE / 60
    in_speech = []
    for index, length in found:
        # `index` is where the recording first differs from the source. Inside digital silence (exact zeros)
        # that is the end of the silence, wherever in it the insertion fell: so look only before it.
        around = source[max(0, index - RATE // 200) : index]
        if len(around) and np.abs(around.astype(np.int32)).max() >= QUIET:
            in_speech.append(length)
    lengths_ms = [length * 1000 / RATE for _, length in found]
    return {
        "minutes": minutes,
        "segments": segments,
        "forced_cuts": forced,
        "inserted_silences_per_minute": len(found) / minutes,
        "inserted_ms_median": float(np.median(lengths_ms)) if lengths_ms else 0.0,
        "gaps_in_speech_per_minute": len(in_speech) / minutes,
    }


def run_all(backends: list[str] | None, gap_seconds: float) -> dict:
    results: dict = {}
    audio = speech_audio(gap_seconds)
    with PacedSink() as sink:
        # Before libasound or PortAudio is first used in this process: both read the device list once.
        os.environ.update(sink.env)
        from core.audio import available_backends

        for backend in backends or available_backends():
            starts = [measure_start(sink, backend, 0) for _ in range(5)]
            starts_lead = [measure_start(sink, backend, 150) for _ in range(3)]
            stops = [measure_stop(sink, backend) for _ in range(5)]
            playback_stops = [measure_playback_stop(sink, backend) for _ in range(5)]
            results[backend] = {
                "playback_stop_to_close_ms": summary([c for c, _ in playback_stops]),
                "playback_stop_to_silence_ms": summary([s for _, s in playback_stops]),
                "start_ms": summary(starts),
                "start_with_lead_in_ms": summary(starts_lead),
                "stop_to_silence_ms": summary([s for s, _ in stops]),
                "stop_call_ms": summary([c for _, c in stops]),
                "pause": measure_pause(sink, backend),
                "gaps": measure_gaps(sink, backend, audio),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--check", action="store_true", help="print the results as JSON only")
    parser.add_argument("--seconds", type=float, default=60, help="speech played for the gap count")
    parser.add_argument("--backend", action="append", help="simpleaudio and/or sounddevice (default both)")
    args = parser.parse_args()
    results = run_all(args.backend, args.seconds)
    if args.check:
        json.dump(results, sys.stdout)
        return
    rows = []
    for backend, r in results.items():
        rows += [
            (f"{backend}: first byte fed to first sample heard", "ms", r["start_ms"]),
            (f"{backend}: the same with the 150 ms lead-in", "ms", r["start_with_lead_in_ms"]),
            (f"{backend}: stop() call to silence", "ms", r["stop_to_silence_ms"]),
            (f"{backend}: stop() call itself", "ms", r["stop_call_ms"]),
            (f"{backend}: Stop (Playback.stop) to Close at the server", "ms", r["playback_stop_to_close_ms"]),
            (f"{backend}: Stop (Playback.stop) to silence", "ms", r["playback_stop_to_silence_ms"]),
            (f"{backend}: pause() call to silence", "ms", r["pause"]["sound_after_pause_ms"]),
            (f"{backend}: gaps inside speech", "/min", r["gaps"]["gaps_in_speech_per_minute"]),
            (f"{backend}: silences added (all)", "/min", r["gaps"]["inserted_silences_per_minute"]),
            (f"{backend}: added silence, median length", "ms", r["gaps"]["inserted_ms_median"]),
            (f"{backend}: cuts forced into sound", "count", float(r["gaps"]["forced_cuts"])),
        ]
    report("Playback on a paced PulseAudio null sink", rows, args.json)
    for backend, r in results.items():
        print(f"{backend} pause: {r['pause']}")


if __name__ == "__main__":
    main()
