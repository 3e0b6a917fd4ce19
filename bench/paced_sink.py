"""A paced sound device without a sound card: a private PulseAudio server with a null sink, and a
recorder of its monitor that notes when each block of played audio came out.

ALSA's file device takes audio as fast as it is written, so timing (start latency, gaps, pause, stop)
needs this instead. Needs the apt packages pulseaudio, pulseaudio-utils and libasound2-plugins.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

RATE = 24000
_BLOCK_BYTES = 240  # 5 ms of the monitor per read: the resolution of the arrival times


def available() -> bool:
    """True when PulseAudio, its tools and ALSA's pulse plugin are installed."""
    tools = all(shutil.which(tool) for tool in ("pulseaudio", "pacat", "parec"))
    return tools and any(Path("/usr/lib").glob("**/alsa-lib/libasound_module_pcm_pulse.so"))


class PacedSink:
    """Start with `with PacedSink() as sink:`; `sink.env` is what a process needs to play into it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="aloud-pulse-"))
        self.socket = self.dir / "native"
        self.env = {
            "PULSE_SERVER": f"unix:{self.socket}",
            "ALSA_CONFIG_PATH": str(self.dir / "asound.conf"),
        }
        self._procs: list[subprocess.Popen] = []

    def __enter__(self) -> "PacedSink":
        (self.dir / "asound.conf").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
        (self.dir / "default.pa").write_text(
            f"load-module module-null-sink sink_name=aloud_null rate={RATE} channels=1 format=s16le\n"
            "set-default-sink aloud_null\n"
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.socket}\n"
        )
        env = {**os.environ, "XDG_RUNTIME_DIR": str(self.dir), "HOME": str(self.dir), **self.env}
        self._env = env
        self._procs.append(subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(self.dir / "default.pa"), "--daemonize=no", "--exit-idle-time=-1",
             "--use-pid-file=no", "--disallow-exit", "--log-target=stderr", "--log-level=error"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if time.monotonic() > deadline or self._procs[0].poll() is not None:
                self.__exit__()
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.05)
        # Without a low-latency stream open, the null sink runs at 2 s latency and plays late and lumpy.
        self._procs.append(subprocess.Popen(
            ["pacat", f"--rate={RATE}", "--channels=1", "--latency-msec=20", "/dev/zero"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._procs.clear()
        shutil.rmtree(self.dir, ignore_errors=True)

    def record(self) -> "Recording":
        return Recording(self._env)


class Recording:
    """The sink's monitor, recorded from now until stop(), with the wall time each 5 ms block arrived."""

    def __init__(self, env: dict[str, str]) -> None:
        self._proc = subprocess.Popen(
            ["parec", "--device=aloud_null.monitor", "--format=s16le", f"--rate={RATE}", "--channels=1",
             "--latency-msec=5", "--raw"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
        )
        self._blocks: list[tuple[float, bytes]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._blocks and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        pending = b""
        while True:
            data = self._proc.stdout.read(_BLOCK_BYTES)
            if not data:
                return
            pending += data
            now = time.monotonic()
            while len(pending) >= _BLOCK_BYTES:
                self._blocks.append((now, pending[:_BLOCK_BYTES]))
                pending = pending[_BLOCK_BYTES:]

    def stop(self) -> tuple[np.ndarray, np.ndarray]:
        """The samples, and for each sample the wall time its block arrived."""
        time.sleep(0.1)
        self._proc.terminate()
        self._proc.wait(5)
        self._thread.join(5)
        samples = np.frombuffer(b"".join(b for _, b in self._blocks), dtype="<i2")
        times = np.repeat(np.array([t for t, _ in self._blocks]), _BLOCK_BYTES // 2)
        return samples, times
