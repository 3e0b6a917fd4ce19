"""`aloud read-text`, `pause`, `stop`, `quit` and the others between real processes: a running Aloud (offscreen,
playing into ALSA's file device) driven by a second process, and a command that finds none running and starts
one. Each process has its own settings, its own instance address and its own capture."""

import os
import shutil
import subprocess
import time

import pytest

from tests.conftest import assert_same_audio
from tests.core.flaky_server import FlakyToneServer
from tests.gui.desk import LEAD, LONG, Desk, wait_until

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


@pytest.fixture
def x_desk(desk):
    """The desk on a virtual X display (Xvfb), where the selection and the clipboard cross processes."""
    missing = [tool for tool in ("Xvfb", "xclip", "xdotool") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {', '.join(missing)} (scripts/setup.sh --tests)")
        pytest.skip(f"needs {', '.join(missing)} (scripts/setup.sh --tests)")
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as display:
        desk.env.update(DISPLAY=":" + display.readline().strip(), QT_QPA_PLATFORM="xcb")
    yield desk
    if desk.listening():
        desk.command("quit", timeout=20)
    xvfb.terminate()
    xvfb.wait(10)


def copy_in_another_app(desk, text: str, selection: str) -> None:
    """What selecting (primary) or copying (clipboard) in another app does: xclip owns the selection."""
    subprocess.run(["xclip", "-selection", selection], input=text, text=True, env=desk.env, check=True, timeout=10)


def test_read_selection_and_read_clipboard_read_what_another_app_selected_and_copied(x_desk):
    desk = x_desk
    with FlakyToneServer() as server, desk.running(server.url):
        copy_in_another_app(desk, "Words selected in a browser.", "primary")
        copy_in_another_app(desk, "Words copied from a mail.", "clipboard")
        said = desk.command("read-selection")
        assert said.returncode == 0 and "from the selection" in said.stdout, said
        wait_until(lambda: len(server.flushes) >= 1, 20, "the selection to be read")
        said = desk.command("read-clipboard")
        assert said.returncode == 0 and "from the clipboard" in said.stdout, said
        wait_until(lambda: len(server.flushes) >= 2, 20, "the clipboard to be read")
        assert [text.strip() for text, _, _ in server.flushes] == ["Words selected in a browser.",
                                                                   "Words copied from a mail."]


def test_watching_the_clipboard_reads_each_new_copy_once_and_never_its_own(x_desk):
    desk = x_desk
    with FlakyToneServer() as server, desk.running(server.url):
        found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "Aloud"],
                               env=desk.env, capture_output=True, text=True, timeout=20).stdout.split()
        window = found[0]

        def keys(*names: str) -> None:
            subprocess.run(["xdotool", "windowfocus", "--sync", window], env=desk.env, timeout=10)
            subprocess.run(["xdotool", "key", "--window", window, *names], env=desk.env, timeout=10, check=True)

        keys("ctrl+shift+w")  # Playback > Watch Clipboard
        time.sleep(0.5)
        copy_in_another_app(desk, "The first copy.", "clipboard")
        wait_until(lambda: len(server.flushes) >= 1, 20, "the first copy to be read")
        copy_in_another_app(desk, "The second copy.", "clipboard")
        wait_until(lambda: len(server.flushes) >= 2, 20, "the second copy to be read")
        # Aloud's own copy (Ctrl+A, Ctrl+C in its editor) is not read.
        keys("ctrl+a", "ctrl+c")
        time.sleep(1.5)
        assert [text.strip() for text, _, _ in server.flushes] == ["The first copy.", "The second copy."]
        # The copy did happen: the clipboard is Aloud's editor's now (only a Qt text editor offers ODF text).
        targets = subprocess.run(["xclip", "-o", "-t", "TARGETS", "-selection", "clipboard"], env=desk.env,
                                 capture_output=True, text=True, timeout=10)
        assert "application/vnd.oasis.opendocument.text" in targets.stdout.split()


def test_the_global_key_reads_the_selection_whichever_app_has_the_keyboard(x_desk):
    desk = x_desk
    config = desk.folder / "config" / "Aloud"
    config.mkdir(parents=True)
    (config / "Aloud.conf").write_text("[General]\nglobal_shortcut=Ctrl+Alt+R\n")
    with FlakyToneServer() as server, desk.running(server.url):
        copy_in_another_app(desk, "Selected somewhere else.", "primary")
        # The key goes to whatever has the focus: the X server gives it to Aloud, which grabbed it.
        subprocess.run(["xdotool", "key", "ctrl+alt+r"], env=desk.env, timeout=10, check=True)
        wait_until(lambda: len(server.flushes) >= 1, 20, "the global key to read the selection")
        assert [text.strip() for text, _, _ in server.flushes] == ["Selected somewhere else."]


def test_a_key_another_app_has_taken_is_refused_in_one_line(x_desk, monkeypatch):
    from core.x11_keys import ShortcutError, X11KeyGrab

    monkeypatch.setenv("DISPLAY", x_desk.env["DISPLAY"])
    heard = []
    first = X11KeyGrab("Ctrl+Alt+T", lambda: heard.append(1))
    first.start()
    try:
        with pytest.raises(ShortcutError, match=r"^Ctrl\+Alt\+T is taken by another app$"):
            X11KeyGrab("Ctrl+Alt+T", lambda: None).start()
        with pytest.raises(ShortcutError, match="'Hyper' is not Ctrl, Alt, Shift or Super"):
            X11KeyGrab("Hyper+T", lambda: None).start()
        subprocess.run(["xdotool", "key", "ctrl+alt+t"], env=x_desk.env, timeout=10, check=True)
        wait_until(lambda: heard == [1], 10, "the grabbed key to be heard")
    finally:
        first.stop()


def visible_aloud_windows(desk) -> list[str]:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Aloud"], env=desk.env,
                           capture_output=True, text=True, timeout=10)
    return found.stdout.split()


def close_as_a_window_manager_does(desk, window: str) -> None:
    """WM_DELETE_WINDOW, as the title bar's close button sends it (there is no window manager here)."""
    from Xlib import X, display, protocol

    screen = display.Display(desk.env["DISPLAY"])
    try:
        target = screen.create_resource_object("window", int(window))
        protocols, delete = screen.intern_atom("WM_PROTOCOLS"), screen.intern_atom("WM_DELETE_WINDOW")
        event = protocol.event.ClientMessage(window=target, client_type=protocols, data=(32, [delete, X.CurrentTime,
                                                                                            0, 0, 0]))
        target.send_event(event, event_mask=X.NoEventMask)
        screen.sync()
    finally:
        screen.close()


def test_in_a_real_tray_aloud_starts_hidden_closes_to_it_and_its_menu_works(x_desk):
    from tests.a11y.tray_host import private_tray

    desk = x_desk
    config = desk.folder / "config" / "Aloud"
    config.mkdir(parents=True)
    (config / "Aloud.conf").write_text("[General]\nclose_to_tray=true\n")
    with private_tray(desk.env) as host:
        with FlakyToneServer() as server:
            aloud = desk.start("--background", "--url", server.url)
            wait_until(desk.listening, 30, "Aloud to take commands")
            host.wait_for_item()
            assert visible_aloud_windows(desk) == [], "started for a command, Aloud waits in the tray"
            host.click_icon()  # a click on the icon shows the window
            wait_until(lambda: visible_aloud_windows(desk), 10, "the window to show")
            close_as_a_window_manager_does(desk, visible_aloud_windows(desk)[0])
            wait_until(lambda: not visible_aloud_windows(desk), 10, "the window to close into the tray")
            assert aloud.poll() is None and desk.listening()
            wait_until(lambda: "told_close_to_tray=true" in (config / "Aloud.conf").read_text(), 10,
                       "the first close into the tray to be remembered as said")
            assert {"Read Clipboard", "Read Selection", "Pause", "Stop", "Watch Clipboard", "Show Window",
                    "Quit"} <= set(host.menu_items())
            copy_in_another_app(desk, "Words read from the tray.", "clipboard")
            host.click_menu_item("Read Clipboard")
            wait_until(lambda: len(server.flushes) >= 1, 20, "the tray's Read Clipboard")
            assert [text.strip() for text, _, _ in server.flushes] == ["Words read from the tray."]
            host.click_menu_item("Quit")
            assert aloud.wait(20) == 0
