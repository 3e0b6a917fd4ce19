"""core.offline.child: the window's offline voice in a process of its own, which speaks the same protocol and
never outlives the process that started it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import endpoints
from core.offline.child import VoiceProcess
from core.options import SpeakOptions
from core.playback import Playback, PlaybackRequest, PlaybackState
from tests.core.helpers import synthesize, wait_until

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not yet reaped by its (dead) parent is a zombie: gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_the_voice_in_its_own_process_speaks_and_stops():
    voice = VoiceProcess().start()
    try:
        assert voice.pid != os.getpid() and voice.url.startswith("ws://127.0.0.1:")
        audio = synthesize(voice.url, "Hello from a process of its own.")
        assert len(audio) > 24000  # over half a second of 24 kHz speech
    finally:
        pid = voice.pid
        voice.stop()
    assert not alive(pid)


_PARENT = """
import sys
from core.offline.child import VoiceProcess
from core.options import SpeakOptions
from core.playback import Playback, PlaybackRequest, PlaybackState
voice = VoiceProcess().start()
print(voice.pid, flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("how", ["killed", "exits"])
def test_the_voice_ends_with_the_process_that_started_it(how):
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert alive(child)
    if how == "killed":
        parent.send_signal(signal.SIGKILL)  # no chance to stop its child: the child sees its stdin close
    else:
        parent.stdin.close()
    parent.wait(10)
    assert wait_until(lambda: not alive(child), 10), "the offline voice outlived its parent"


def test_the_window_runs_its_offline_voice_apart_and_the_command_line_in_process():
    endpoints.stop_embedded_server()
    endpoints.run_offline_voice_apart(True)
    try:
        apart = endpoints.embedded_server()
        assert isinstance(apart, VoiceProcess) and apart.pid != os.getpid()
        assert len(synthesize(endpoints.offline_endpoint().url(), "One more.")) > 0
    finally:
        endpoints.stop_embedded_server()
        endpoints.run_offline_voice_apart(False)
    here = endpoints.embedded_server()
    assert not isinstance(here, VoiceProcess)
    endpoints.stop_embedded_server()


def test_a_voice_that_cannot_start_is_an_error_not_a_hang(monkeypatch):
    monkeypatch.setattr("core.offline.child.command", lambda: [sys.executable, "-c", "print('no voice here')"])
    started = time.monotonic()
    with pytest.raises(OSError, match="its process said 'no voice here'"):
        VoiceProcess().start()
    assert time.monotonic() - started < 5


def test_a_reading_whose_offline_voice_cannot_start_fails_saying_so(monkeypatch):
    monkeypatch.setattr("core.offline.child.command", lambda: [sys.executable, "-c", "pass"])
    endpoints.stop_embedded_server()
    endpoints.run_offline_voice_apart(True)
    try:
        request = PlaybackRequest("Nothing will be heard.", SpeakOptions(), endpoints.offline_endpoint())
        playback = Playback(request)  # returns at once: the voice starts on the reading's thread
        playback.start()
        result = playback.wait(10)
    finally:
        endpoints.stop_embedded_server()
        endpoints.run_offline_voice_apart(False)
    assert result.state is PlaybackState.FAILED
    assert str(result.reading) == "Cannot start the offline voice: its process exited."
