"""Reading the Wayland selection through wl-paste is bounded: an app that holds the selection and never sends
it, or sends without end, costs the command at most a few seconds and a fixed amount of memory. The owner is
played here by a wl-paste of our own on PATH (the real one, under a real compositor: tests/gui/test_wayland.py).
"""

import os
import sys
import time

import pytest

from core import remote_cli, wayland_clipboard


@pytest.fixture
def owner(tmp_path, monkeypatch):
    """Install a wl-paste whose selection is text/plain and whose sending is `body` (Python)."""
    def install(body: str) -> None:
        script = tmp_path / "wl-paste"
        script.write_text(f"#!{sys.executable}\nimport sys, time\n"
                          "if '--list-types' in sys.argv:\n    print('text/plain;charset=utf-8'); sys.exit(0)\n"
                          f"{body}\n")
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-test")
    return install


def test_an_owner_that_never_sends_is_given_up_after_the_timeout(owner):
    owner("time.sleep(60)")
    started = time.monotonic()
    with pytest.raises(wayland_clipboard.ClipboardError, match="did not send it within 3 s"):
        wayland_clipboard.read(primary=True, limit=1000)
    assert time.monotonic() - started < wayland_clipboard.PASTE_TIMEOUT + 2


def test_an_owner_that_sends_without_end_is_read_only_up_to_the_limit(owner):
    owner("while True:\n    sys.stdout.write('word ' * 10000)")
    text = wayland_clipboard.read(primary=False, limit=100_000)
    assert len(text) == 100_001 and text.startswith("word word")


def test_the_command_says_in_one_line_what_it_could_not_read(owner, capsys):
    owner("sys.stdout.write('x' * 300_000)")
    assert remote_cli.main(["read-clipboard"], launcher=["false"]) == remote_cli.EXIT_REFUSED
    assert capsys.readouterr().err == ("aloud: the clipboard holds more than 250 KB: paste it into Aloud's window "
                                       "(Ctrl+V)\n")
    owner("sys.stderr.write('No selection\\n'); sys.exit(1)")
    assert remote_cli.main(["read-selection"], launcher=["false"]) == remote_cli.EXIT_REFUSED
    assert capsys.readouterr().err == "aloud: The selection holds no text.\n"
    owner("sys.stderr.write('Failed to connect to a Wayland server\\n'); sys.exit(1)")
    assert remote_cli.main(["read-selection"], launcher=["false"]) == remote_cli.EXIT_REFUSED
    assert capsys.readouterr().err == ("aloud: cannot read the selection: wl-paste failed (Failed to connect to a "
                                       "Wayland server)\n")


def test_with_no_primary_selection_the_clipboard_is_read(owner):
    owner("if '--primary' in sys.argv:\n"
          "    sys.stderr.write('The compositor does not seem to support primary selection\\n'); sys.exit(1)\n"
          "sys.stdout.write('on the clipboard')")
    assert wayland_clipboard.read(primary=True, limit=1000) == "on the clipboard"
