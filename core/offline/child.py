"""The embedded offline voice in a process of its own, for the window: synthesis and resampling run in pure
Python, and in the window's process they held the interpreter lock that the GUI thread needs (stalls of
30-70 ms on each key press while a reading started; 10-15 ms with the voice in its own process, measured by
bench.gui).

The child prints its URL on one line, then serves until its standard input closes: when the parent stops
it, exits or dies, so a child never outlives its window.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

START_TIMEOUT = 20.0  # seconds for the child to start and say where it listens (eSpeak NG's data included)
_READY = "LISTENING "


def command() -> list[str]:
    """How to start the child: the packaged app runs itself with a hidden command; Python runs this module."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "serve", "--for-parent"]
    return [sys.executable, "-m", "core.offline.child"]


class VoiceProcess:
    """The offline voice server in a child process on an ephemeral loopback port. Start with `start()`."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> "VoiceProcess":
        """Start the child and wait until it listens. Raises OSError when it cannot start."""
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # where `core` is, from a checkout or site-packages
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
                                   encoding="utf-8", errors="replace")
        self._process = process
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        said = line[0].strip() if line else ""
        if not said.startswith(_READY):
            self.stop()
            detail = (f"did not start within {START_TIMEOUT:.0f} s" if not line
                      else f"said {said[:200]!r}" if said else "exited")
            raise OSError(f"its process {detail}")
        self.url = said[len(_READY):]
        log.info("offline voice (process %d) listening on %s", process.pid, self.url)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()  # the child's signal to stop
        except OSError:
            pass
        try:
            process.wait(3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(3)
        if process.stdout is not None:
            process.stdout.close()


def serve_for_parent() -> int:
    """The child's side: serve on a loopback port until standard input closes."""
    from core.offline.server import OfflineServer, ServerConfig

    logging.basicConfig(level=logging.WARNING, format="aloud offline voice: %(levelname)s %(name)s: %(message)s")
    server = OfflineServer(ServerConfig.embedded()).start()
    try:
        print(f"{_READY}{server.url}", flush=True)
        while sys.stdin.read(4096):
            pass  # nothing is sent; end of file means the parent is done (or gone)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(serve_for_parent())
