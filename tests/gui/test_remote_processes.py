"""`aloud read-text`, `pause`, `stop`, `quit` and the others between real processes: a running Aloud (offscreen,
playing into ALSA's file device) driven by a second process, and a command that finds none running and starts
one. Each process has its own settings, its own instance address and its own capture."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import assert_same_audio
from tests.core.flaky_server import FlakyToneServer

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "main.py"
LEAD = 24000 * 150 // 1000 * 2  # the player's lead-in of silence
LONG = " ".join(f"Sentence {n} keeps the reader busy while the commands arrive." for n in range(40))


class Desk:
    """The environment of one user's Aloud: where it listens, its settings, and what it plays."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.capture = folder / "played.raw"
        (folder / "asound.conf").write_text(
            f'pcm.!default {{ type file slave.pcm "nullpcm" file "{self.capture}" format raw truncate false }}\n'
            "pcm.nullpcm { type null }\n")
        self.env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
        self.env.update(QT_QPA_PLATFORM="offscreen", ALSA_CONFIG_PATH=str(folder / "asound.conf"),
                        ALOUD_INSTANCE=str(folder / "aloud.sock"), XDG_CONFIG_HOME=str(folder / "config"))

    def command(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(MAIN), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(MAIN), *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def played(self) -> bytes:
        files = sorted(self.folder.glob("played.raw*"), key=lambda p: (len(p.name), p.name))
        return b"".join(path.read_bytes() for path in files)

    def listening(self) -> bool:
        return (self.folder / "aloud.sock").exists()


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def desk(tmp_path):
    desk = Desk(tmp_path)
    yield desk
    if desk.listening():
        desk.command("quit", timeout=20)


def test_a_second_process_makes_the_running_aloud_read_pause_and_stop(desk):
    with FlakyToneServer(answer_delay=0.25) as server:  # Flushes answered late: a reading lasts seconds
        first = desk.start("--url", server.url)
        try:
            wait_until(desk.listening, 30, "the first Aloud to take commands")
            said = desk.command("read-text", "Hello from another app.")
            assert said.returncode == 0 and said.stdout.strip() == "Reading 23 characters from the text given.", said
            # What the first Aloud played is the voice's audio for that text, byte for byte.
            wait_until(lambda: len(server.sent) > 0 and len(desk.played()) >= LEAD + len(server.sent), 30,
                       "the text to be played")
            assert_same_audio(desk.played()[LEAD:LEAD + len(server.sent)], bytes(server.sent))
            assert server.flushes and "".join(t for t, _, _ in server.flushes).strip() == "Hello from another app."

            assert desk.command("read-text", LONG).returncode == 0
            time.sleep(1.0)
            paused = desk.command("pause")
            assert (paused.returncode, paused.stdout.strip()) == (0, "Paused."), paused
            resumed = desk.command("pause")
            assert (resumed.returncode, resumed.stdout.strip()) == (0, "Resumed."), resumed
            stopped = desk.command("stop")
            assert (stopped.returncode, stopped.stdout.strip()) == (0, "Stopped."), stopped
            wait_until(lambda: desk.command("pause").returncode == 1, 10, "the reading to stop")
            assert desk.command("pause").stderr.strip() == "aloud: Nothing is being read."
            shown = desk.command("show")
            assert (shown.returncode, shown.stdout.strip()) == (0, "Shown."), shown
            # A second start of the window hands over to the first and ends.
            second = desk.command(timeout=30)
            assert second.returncode == 0 and first.poll() is None
            assert desk.command("quit").returncode == 0
            first.wait(20)
        finally:
            first.kill()
    assert first.returncode == 0


def test_with_no_aloud_running_a_command_starts_one_and_is_delivered(desk):
    assert not desk.listening()
    said = desk.command("read-text", "Nobody was running.", timeout=60)
    assert said.returncode == 0 and said.stdout.strip() == "Reading 19 characters from the text given.", said
    assert desk.listening()
    wait_until(lambda: len(desk.played()) > LEAD + 24000, 30, "the new Aloud to play the text (offline voice)")
    assert desk.command("quit").returncode == 0
    wait_until(lambda: not desk.listening(), 20, "the started Aloud to quit")
    # With none running, stop has nothing to do and says so.
    idle = desk.command("stop")
    assert (idle.returncode, idle.stdout.strip()) == (0, "Aloud is not running.")


def test_commands_refuse_what_they_cannot_do_with_one_line(desk):
    missing = desk.command("read", str(desk.folder / "missing.epub"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no such file" in missing.stderr
    empty = desk.command("read-text", "   ")
    assert empty.returncode == 2 and "there is no text to read" in empty.stderr
    assert not desk.listening()  # neither started an Aloud
