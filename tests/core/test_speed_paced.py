"""A speed change during a reading is heard within half a second, and the sentence
highlighted is the one playing before and after it, on a paced sound device (a private PulseAudio null sink), in what the device
played: `python -m bench.speed` reports the figures."""

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
def changes():
    # In a process of its own: ALSA and PortAudio read their device list once per process.
    proc = subprocess.run([sys.executable, "-m", "bench.speed", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("backend", ["simpleaudio", "sounddevice"])
def test_a_doubled_speed_is_heard_at_once_and_the_highlight_follows(changes, backend):
    for run in changes[backend]:
        assert run["change_heard_after_ms"] is not None, run
        assert run["change_heard_after_ms"] < 500, run
        # What came before the change played at 1x, and after it at 2x.
        assert run["bursts_before"] >= 12  # 2 s of sentences: 0.3 s of silence, then a burst every 0.1 s
        assert run["interval_after_ms"] == pytest.approx(50, abs=5)
        # The sentence said to be heard (the highlight) was the one playing, at 1x and at 2x.
        assert run["sentences_heard"] == 8
        assert run["highlight_checked"] > 100 and run["highlight_wrong"] == 0, run
