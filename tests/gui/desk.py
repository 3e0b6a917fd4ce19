"""One user's Aloud as separate processes see it: where it listens, its settings, what it plays, and the
commands another process gives it (tests/gui/test_remote_processes.py, test_wayland.py)."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

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

    def command_line(self, *args: str) -> list[str]:
        return [sys.executable, str(MAIN), *args]

    def command(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(self.command_line(*args), env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(MAIN), *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def played(self) -> bytes:
        files = sorted(self.folder.glob("played.raw*"), key=lambda p: (len(p.name), p.name))
        return b"".join(path.read_bytes() for path in files)

    def listening(self) -> bool:
        return (self.folder / "aloud.sock").exists()

    @contextmanager
    def running(self, url: str):
        """An Aloud reading from `url`, taking commands until the block ends (then told to quit)."""
        process = self.start("--url", url)
        try:
            wait_until(self.listening, 30, "Aloud to take commands")
            yield process
        finally:
            self.command("quit", timeout=20)
            try:
                process.wait(20)
            finally:
                process.kill()


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
