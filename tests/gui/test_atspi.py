"""The window as a screen reader meets it, from outside: the app runs on a virtual X server with a private D-Bus
session and the AT-SPI bus, and a process of its own (tests/a11y/atspi_client.py, with Debian's pyatspi) walks
its tree, reads the document and the status bar, and presses Tab, F5, F6, F7, F1 and Escape as a user does.

Needs Xvfb, xdotool, dbus-daemon, at-spi2-core and python3-pyatspi (`scripts/setup.sh --tests`). Without them
the test is skipped, except in CI, where it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "tests" / "a11y" / "atspi_client.py"
BUS_LAUNCHER = Path("/usr/libexec/at-spi-bus-launcher")
SYSTEM_PYTHON = "/usr/bin/python3"
TABS = 9  # more than the controls: the cycle comes back to the document

TAB_ORDER = [  # the focus as the bus reports it, from the document, while nothing is being read
    "push button: Speak",
    "push button: Previous Sentence",
    "push button: Next Sentence",
    "combo box: Thalia – English, feminine",  # a combo box's name is its text on Linux (Qt's convention)
    "spin button: Speaking speed",
    "slider: Speaking speed slider",
    "slider: Volume",
    "text: Document",
]


def _missing() -> list[str]:
    missing = [tool for tool in ("Xvfb", "xdotool", "dbus-daemon") if shutil.which(tool) is None]
    if not BUS_LAUNCHER.exists():
        missing.append("at-spi2-core")
    if subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True).returncode != 0:
        missing.append("python3-pyatspi")
    return missing


class Desktop:
    """Xvfb, a D-Bus session bus and the AT-SPI bus, each a process, stopped in reverse order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: list[subprocess.Popen] = []
        self.document = folder / "book.txt"
        self.env = dict(os.environ)

    def start(self) -> "Desktop":
        read, write = os.pipe()
        self._spawn(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                    pass_fds=(write,))
        os.close(write)
        with os.fdopen(read) as display:
            self.env["DISPLAY"] = ":" + display.readline().strip()
        bus = self._spawn(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        self._spawn([str(BUS_LAUNCHER), "--launch-immediately"])
        return self

    def _spawn(self, command: list[str], **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        proc = subprocess.Popen(command, env=self.env, stderr=subprocess.DEVNULL, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def _focus_window(env: dict[str, str]) -> None:
    """There is no window manager to give the new window the keyboard: give it, as a click would."""
    found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "Aloud"], env=env,
                           capture_output=True, text=True, timeout=20)
    for window in found.stdout.split():
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, capture_output=True, timeout=10)


@pytest.fixture(scope="module")
def desktop(tmp_path_factory):
    """A virtual desktop with the accessibility bus, and the environment the app runs in on it."""
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the AT-SPI test; missing: {', '.join(missing)}")
        pytest.skip(f"needs {', '.join(missing)} (scripts/setup.sh --tests installs them)")
    folder = tmp_path_factory.mktemp("atspi")
    document = folder / "book.txt"
    document.write_text(" ".join(f"Sentence number {i} keeps the reader busy for a while." for i in range(40)),
                        encoding="utf-8")
    (folder / "asound.conf").write_text(f'pcm.!default {{ type file slave.pcm "nullpcm" file "{folder}/played.raw" '
                                        'format raw }\npcm.nullpcm { type null }\n')
    desktop = Desktop(folder).start()
    desktop.env.update({"QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "QT_QPA_PLATFORM": "xcb",
                        "ALSA_CONFIG_PATH": str(folder / "asound.conf"), "XDG_CONFIG_HOME": str(folder / "config")})
    desktop.env.pop("DEEPGRAM_API_KEY", None)
    yield desktop
    desktop.stop()


def _run_app(desktop: Desktop, client_args: list[str], *app_args: str, config: str = "config",
             document: Path | None = None) -> dict:
    """Start the app on the desktop with `document` (the test's book.txt) open, run the AT-SPI client against it,
    stop the app: the client's report. config: the app's settings folder, so that one run's (a reading position
    remembered) do not reach another."""
    env = {**desktop.env, "XDG_CONFIG_HOME": str(desktop.folder / config)}
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), str(document or desktop.document), *app_args],
                           env=env,
                           cwd=desktop.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _focus_window(env)
        client = subprocess.run([SYSTEM_PYTHON, str(CLIENT), *client_args], env=env, capture_output=True, text=True,
                                timeout=90)
        assert client.returncode == 0, client.stderr[-3000:]
        return json.loads(client.stdout.strip().splitlines()[-1])
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()


@pytest.fixture(scope="module")
def seen(desktop):
    report = _run_app(desktop, [str(TABS)])
    report["document_text"] = desktop.document.read_text(encoding="utf-8")
    return report


@pytest.fixture(scope="module")
def seen_through_drops(desktop):
    """The app reading through the offline voice made to drop each connection after 100 kB of audio."""
    server = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--port", "0", "--no-limits",
                               "--fault", "drop-after-bytes=100000"], env=desktop.env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().split()[4].removesuffix("/v1/speak")  # "Offline voice listening on URL ..."
        # Settings of its own: the first run's reading position would have the window ask whether to continue.
        return _run_app(desktop, ["reconnecting"], "--url", url, config="config-drops")
    finally:
        server.terminate()
        server.wait(10)


def test_every_interactive_object_on_the_bus_is_named(seen):
    objects = seen["objects"]
    assert len(objects) >= 15  # the document, 5 toolbar buttons, the voice box and its field, speed, volume, menus
    assert [o for o in objects if not o["label"].strip()] == []
    buttons = {o["name"]: o["description"] for o in objects if o["role"] == "push button"}
    # The shortcut is in each toolbar button's description (its tooltip), where Orca reads it.
    assert buttons["Speak"] == "Speak (F5)" and buttons["Stop"] == "Stop (F7, Esc)"
    # And the voice bar's: each control's description ends with the key that reaches it.
    described = {o["name"]: o["description"] for o in objects if o["role"] in ("spin button", "slider")}
    assert [o["description"] for o in objects if o["role"] == "combo box"][0].endswith("(Ctrl+Shift+V)")
    assert described["Speaking speed"].endswith("(Alt+D)") and described["Volume"].endswith("(Alt+L)")
    assert described["Speaking speed slider"].endswith("(Ctrl+] faster, Ctrl+[ slower)")
    assert {o["name"] for o in objects if o["role"] == "menu item"} >= {"File", "Playback", "Edit", "View", "Help"}


def test_the_document_and_the_status_bar_are_readable(seen):
    assert seen["document"] == seen["document_text"]
    assert "Reading state: Ready" in seen["status"]
    assert any(s.startswith("Voice in use: Voice: aura-2-thalia-en") for s in seen["status"])


def test_tab_visits_every_control_in_order_and_types_nothing(seen):
    assert seen["focus"][:len(TAB_ORDER)] == TAB_ORDER
    assert seen["after_tabs"] == seen["document_text"], "a tab was typed into the document"


def _between_keys(events):
    """The announcements after each key press, in order."""
    said: dict[str, list[str]] = {}
    key = None
    for event in events:
        if event["type"] == "key":
            key = f"{len(said)}:{event['name']}"
            said[key] = []
        elif key is not None and event["type"].startswith("object:announcement"):
            said[key].append(event["data"])
    return said


def test_f5_f6_f7_by_keyboard_are_announced_once_each(seen):
    said = _between_keys(seen["events"])
    assert said["0:F5"] == ["Connecting…", "Speaking"]
    assert said["1:F6"] == ["Paused"]
    assert said["2:F6"] == ["Speaking"]
    assert said["3:F7"] == ["Stopping…", "Closed: 1000 Normal Closure", "Stopped"]
    names = [e["data"] for e in seen["events"] if e["type"].startswith("object:property-change:accessible-name")]
    assert "Reading state: Paused" in names and "Last result: Closed: 1000 Normal Closure" in names


def test_f1_lists_the_shortcuts_and_escape_returns_to_the_document(seen):
    page = "\n".join(seen["shortcuts_page"])
    for line in ("Speak: F5", "Stop: F7, Esc", "Insert Tab Character: Ctrl+Tab", "Menus: F10"):
        assert line in page
    assert seen["focus"][seen["focus_before_escape"]:seen["focus_before_escape"] + 1] == ["text: Document"]


def test_the_settings_dialog_is_named_throughout_and_escape_returns_to_the_document(seen):
    controls = seen["settings"]
    assert len(controls) >= 8, controls  # endpoint, URL, key, encoding, rate, backend, text size, theme, buttons
    assert [c for c in controls if not c["label"].strip()] == []
    assert seen["focus"][-1] == "text: Document"
    assert seen["focus_before_settings_escape"] < len(seen["focus"])  # the focus did come back, after the dialog


@pytest.fixture(scope="module")
def seen_with_a_book(desktop):
    """The app with an EPUB open: its Contents panel."""
    book = ROOT.parent / "shared" / "books" / "alice-epub3.epub"
    return _run_app(desktop, ["contents"], config="config-book", document=book)


def test_a_books_contents_are_named_listed_and_reached_by_ctrl_t_and_by_tab(seen_with_a_book):
    trees = seen_with_a_book["trees"]
    assert [t["label"] for t in trees] == ["Contents"], trees
    entries = seen_with_a_book["entries"]
    assert "Down The Rabbit-Hole" in entries and "Alice's Evidence" in entries, entries
    assert seen_with_a_book["after_ctrl_t"].endswith(": Contents"), seen_with_a_book["focus"]
    # Tab from the list goes round every control and comes back to it: the list is in the cycle.
    cycle = seen_with_a_book["tab_cycle"]
    assert any(f.endswith(": Document") for f in cycle) and cycle.count(seen_with_a_book["after_ctrl_t"]) >= 2, cycle


def test_a_reconnect_is_announced_as_it_happens_and_when_it_is_over(seen_through_drops):
    said = [e["data"] for e in seen_through_drops["events"] if e["type"].startswith("object:announcement")]
    assert seen_through_drops["reconnected"], said
    trying = next(i for i, text in enumerate(said) if text.startswith("Reconnecting (attempt 1)..."))
    assert "Connection lost: the network connection dropped" in said[trying]
    assert any(text.startswith("Reconnected after ") for text in said[trying + 1:])
    # The status bar says it too, where a screen reader's review finds it.
    names = [e["data"] for e in seen_through_drops["events"]
             if e["type"].startswith("object:property-change:accessible-name")]
    assert any("Reconnected after" in name for name in names), names
    # And the closure counts the reconnects.
    assert any(name.startswith("Last result: Closed: 1000 Normal Closure (") and "reconnect" in name
               for name in names), names
