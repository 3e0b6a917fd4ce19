"""A speed change during a reading is heard within half a second, on a paced sound device (a private PulseAudio
null sink), in what the device played: `python -m bench.speed` reports the figures."""

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
def test_a_doubled_speed_is_heard_within_half_a_second(changes, backend):
    for run in changes[backend]:
        assert run["change_heard_after_ms"] is not None, run
        assert run["change_heard_after_ms"] < 500, run
        # What came before the change played at 1x (a burst every 100 ms for 2 s), and after it at 2x.
        assert run["bursts_before"] >= 19
        assert run["interval_after_ms"] == pytest.approx(50, abs=5)
