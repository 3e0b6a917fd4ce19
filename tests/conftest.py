"""Shared test set-up: Qt offscreen, and real offline servers on ephemeral loopback ports."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Everything played in the test process goes to ALSA's file device (shared/notes/audio.md): each stream
# the player opens becomes out.raw, out.raw.0001, ... This must be set before libasound is first used.
ALSA_DIR = Path(tempfile.mkdtemp(prefix="aloud-alsa-"))
ALSA_CAPTURE = ALSA_DIR / "out.raw"
(ALSA_DIR / "asound.conf").write_text(
    f'pcm.!default {{ type file slave.pcm "nullpcm" file "{ALSA_CAPTURE}" format raw truncate false }}\n'
    "pcm.nullpcm { type null }\n"
)
os.environ["ALSA_CONFIG_PATH"] = str(ALSA_DIR / "asound.conf")

import pytest  # noqa: E402

from core.offline.server import OfflineServer, ServerConfig  # noqa: E402


@pytest.fixture(autouse=True)
def own_instance_address(tmp_path_factory, monkeypatch):
    """Every test's Aloud processes take commands at an address of their own: never the developer's running
    Aloud, nor another test's."""
    monkeypatch.setenv("ALOUD_INSTANCE", str(tmp_path_factory.mktemp("instance") / "aloud.sock"))


@pytest.fixture(scope="session")
def offline_server():
    """The offline voice with Deepgram's limits, shared by tests that do not change its config."""
    with OfflineServer() as server:
        yield server


@pytest.fixture
def make_server():
    """Start an offline server with a custom ServerConfig; stopped after the test."""
    servers = []

    def start(**config) -> OfflineServer:
        server = OfflineServer(ServerConfig(**config)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def capture_files() -> list[Path]:
    """The file device's captures, one file a stream, in the order the streams were opened."""
    def order(path: Path) -> int:
        suffix = path.name[len(ALSA_CAPTURE.name):]
        return int(suffix[1:]) if suffix else 0

    return sorted(ALSA_DIR.glob(ALSA_CAPTURE.name + "*"), key=order)


@pytest.fixture
def player():
    """A real player (sounddevice, through ALSA's file device), closed after the test."""
    from core.playback import open_output

    output = open_output("sounddevice")
    yield output
    output.close()


@pytest.fixture
def alsa_capture():
    """Clears the file device's captures; returns a function giving everything played since, in order."""
    for path in capture_files():
        path.unlink()

    def captured() -> bytes:
        return b"".join(path.read_bytes() for path in capture_files())

    return captured


def assert_same_audio(played: bytes, expected: bytes) -> None:
    """Byte-for-byte equality, reported briefly: pytest's own diff of two large byte strings takes minutes."""
    if played == expected:
        return
    first = next((i for i, (a, b) in enumerate(zip(played, expected)) if a != b), min(len(played), len(expected)))
    raise AssertionError(
        f"audio differs: played {len(played)} bytes, expected {len(expected)}; first difference at byte {first}"
    )
