"""Aloud on a Wayland desktop: a real compositor (sway, headless) where, as on GNOME and KDE, only the app with
the keyboard may read the clipboard. A key bound to `aloud read-selection` is pressed while another app has it,
so the command must read the selection itself, and the running Aloud reads exactly that."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from tests.core.flaky_server import FlakyToneServer
from tests.gui.desk import Desk, wait_until

OTHER_APP = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication, QLineEdit
    app = QApplication(sys.argv)
    editor = QLineEdit()
    editor.setWindowTitle("Another app")
    editor.show()
    app.exec()
""")


class Sway:
    """A headless sway. It refuses to run as root, so under root (CI) it runs as an ordinary user in a user
    namespace of its own; its clients may be anyone."""

    def __init__(self, folder) -> None:
        self.runtime = folder / "runtime"
        self.runtime.mkdir(mode=0o777)
        self.runtime.chmod(0o777)  # the namespace's user makes its socket here
        config = folder / "sway.conf"
        config.write_text("output HEADLESS-1 resolution 1280x800\n")
        command = ["sway", "--config", str(config)]
        if os.getuid() == 0:
            command = ["unshare", "--user", "--map-user=1000", "--map-group=1000", *command]
        self.env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(XDG_RUNTIME_DIR=str(self.runtime), WLR_BACKENDS="headless", WLR_LIBINPUT_NO_DEVICES="1",
                        WLR_RENDERER="pixman")
        self.log = folder / "sway.log"
        self.process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=self.log.open("wb"))
        wait_until(lambda: self.display or self.process.poll() is not None, 20, "sway to start")
        if self.process.poll() is not None:
            raise AssertionError(f"sway did not start: {self.log.read_text()[-2000:]}")
        self.env["WAYLAND_DISPLAY"] = self.display

    @property
    def display(self) -> str | None:
        sockets = [p.name for p in self.runtime.glob("wayland-*") if not p.name.endswith(".lock")]
        return sockets[0] if sockets else None

    def focused_title(self) -> str | None:
        ipc = next(self.runtime.glob("sway-ipc.*.sock"))
        tree = subprocess.run(["swaymsg", "--socket", str(ipc), "--raw", "-t", "get_tree"], capture_output=True,
                              text=True, timeout=10, check=True).stdout
        nodes = [json.loads(tree)]
        while nodes:
            node = nodes.pop()
            if node.get("focused") and node.get("type") == "con":
                return node.get("name")
            nodes += node.get("nodes", []) + node.get("floating_nodes", [])
        return None

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def wayland_desk(tmp_path):
    missing = [tool for tool in ("sway", "swaymsg", "wl-copy", "wl-paste") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {', '.join(missing)} (scripts/setup.sh --tests)")
        pytest.skip(f"needs {', '.join(missing)} (scripts/setup.sh --tests)")
    sway = Sway(tmp_path)
    desk = Desk(tmp_path)
    desk.env.pop("DISPLAY", None)
    desk.env.update(QT_QPA_PLATFORM="wayland", XDG_RUNTIME_DIR=sway.env["XDG_RUNTIME_DIR"],
                    WAYLAND_DISPLAY=sway.env["WAYLAND_DISPLAY"])
    yield desk, sway
    if desk.listening():
        desk.command("quit", timeout=20)
    sway.close()


def copy_in_another_app(desk, text: str, primary: bool) -> None:
    # wl-copy stays behind to serve the copy, holding its output open: none is taken.
    subprocess.run(["wl-copy", *(["--primary"] if primary else [])], input=text.encode(), env=desk.env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=True)


def test_on_wayland_read_selection_reads_what_was_selected_in_the_app_that_has_the_keyboard(wayland_desk):
    desk, sway = wayland_desk
    with FlakyToneServer() as server, desk.running(server.url):
        wait_until(lambda: (sway.focused_title() or "").endswith("Aloud"), 20, "Aloud's window on the Wayland desktop")
        other = subprocess.Popen([sys.executable, "-c", OTHER_APP], env={**desk.env, "ALOUD_INSTANCE": ""})
        try:
            wait_until(lambda: sway.focused_title() == "Another app", 20, "the other app to take the keyboard")
            copy_in_another_app(desk, "Selected in a Wayland app.", primary=True)
            copy_in_another_app(desk, "Copied in a Wayland app.", primary=False)
            time.sleep(0.3)
            # What the running Aloud can see for itself: nothing, as it does not have the keyboard.
            blind = {k: v for k, v in desk.env.items() if k != "WAYLAND_DISPLAY"}
            unseen = subprocess.run(desk.command_line("read-clipboard"), env=blind, capture_output=True, text=True,
                                    timeout=30)
            assert (unseen.returncode, unseen.stderr.strip()) == (1, "aloud: The clipboard holds no text."), unseen
            said = desk.command("read-selection")
            assert said.returncode == 0 and said.stdout.strip() == "Reading 26 characters from the selection.", said
            wait_until(lambda: len(server.flushes) >= 1, 20, "the selection to be read")
            said = desk.command("read-clipboard")
            assert said.returncode == 0 and said.stdout.strip() == "Reading 24 characters from the clipboard.", said
            wait_until(lambda: len(server.flushes) >= 2, 20, "the clipboard to be read")
            assert [text.strip() for text, _, _ in server.flushes] == ["Selected in a Wayland app.",
                                                                       "Copied in a Wayland app."]
            # A copy of an image is not text: said in one line, and nothing is read.
            subprocess.run(["wl-copy", "--type", "image/png"], input=b"\x89PNG\r\n", env=desk.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=True)
            image = desk.command("read-clipboard")
            assert (image.returncode, image.stderr) == (1, "aloud: The clipboard holds no text.\n"), image
        finally:
            other.terminate()
            other.wait(10)


def test_on_wayland_the_trays_read_clipboard_reads_what_another_app_copied(wayland_desk):
    from tests.a11y.tray_host import private_tray

    desk, sway = wayland_desk
    with private_tray(desk.env) as host, FlakyToneServer() as server, desk.running(server.url):
        host.wait_for_item()
        other = subprocess.Popen([sys.executable, "-c", OTHER_APP], env={**desk.env, "ALOUD_INSTANCE": ""})
        try:
            wait_until(lambda: sway.focused_title() == "Another app", 20, "the other app to take the keyboard")
            copy_in_another_app(desk, "Copied while Aloud sat in the tray.", primary=False)
            time.sleep(0.3)
            host.click_menu_item("Read Clipboard")  # the panel's menu: Aloud does not get the keyboard
            wait_until(lambda: len(server.flushes) >= 1, 20, "the tray's Read Clipboard")
            assert [text.strip() for text, _, _ in server.flushes] == ["Copied while Aloud sat in the tray."]
        finally:
            other.terminate()
            other.wait(10)
