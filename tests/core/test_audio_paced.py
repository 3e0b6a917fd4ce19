"""Timing behaviour on a paced sound device (a private PulseAudio null sink): pause holds, stop silences,
speech is cut only in silence. The figures themselves are reported by `python -m bench.audio`.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import paced_sink

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not paced_sink.available(), reason="needs pulseaudio, pulseaudio-utils, libasound2-plugins"),
]


@pytest.fixture(scope="module")
def paced():
    # In a process of its own: ALSA and PortAudio read their device list once per process, and this one
    # plays to the file device.
    proc = subprocess.run([sys.executable, "-m", "bench.audio", "--check", "--seconds", "20"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("backend", ["simpleaudio", "sounddevice"])
def test_pause_silences_the_device_and_holds_the_position(paced, backend):
    pause = paced[backend]["pause"]
    assert pause["silent_while_paused"]
    # sounddevice plays out its 100 ms buffer; simpleaudio drains its ALSA buffer (about 300 ms)
    assert pause["sound_after_pause_ms"] < (250 if backend == "sounddevice" else 500)
    assert pause["position_moved_while_paused"] == 0
    # A 300 Hz tone is above the threshold 97.4% of the time: anything less means audio was lost.
    assert pause["heard_seconds"] >= 0.96 * pause["source_seconds"], "everything is played after resume"


@pytest.mark.parametrize("backend", ["simpleaudio", "sounddevice"])
def test_speech_is_never_cut_inside_a_sound(paced, backend):
    gaps = paced[backend]["gaps"]
    assert gaps["gaps_in_speech_per_minute"] == 0
    assert gaps["forced_cuts"] == 0


def test_sounddevice_plays_one_stream_without_added_silence(paced):
    assert paced["sounddevice"]["gaps"]["inserted_silences_per_minute"] == 0


def test_stop_silences_the_device(paced):
    # sounddevice aborts its stream; simpleaudio's thread drains the ALSA buffer first (about 300 ms).
    assert paced["sounddevice"]["stop_to_silence_ms"]["max"] < 50
    assert paced["simpleaudio"]["stop_to_silence_ms"]["max"] < 500
    for backend in ("simpleaudio", "sounddevice"):
        assert paced[backend]["stop_call_ms"]["max"] < 250, "stop() never blocks for long"


def test_audio_starts_promptly(paced):
    for backend in ("simpleaudio", "sounddevice"):
        assert paced[backend]["start_ms"]["median"] < 150
