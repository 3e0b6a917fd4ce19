"""The commands that drive the running Aloud, the ones users bind to keys: `aloud read-selection`,
`read-clipboard`, `read FILE`, `read-text TEXT`, `pause`, `stop`, `show`, `quit`. With no Aloud running, a
reading command starts one and then delivers itself.

Exit status: 0 delivered and done; 1 the running Aloud could not (nothing selected, no such file); 2 a usage
error; 3 no Aloud could be reached or started.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from core import wayland_clipboard
from core.remote import MAX_REQUEST_BYTES, Action, NoInstance, Reply, Request, RequestError, send

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
MAX_TEXT = MAX_REQUEST_BYTES // 4  # characters a request carries: UTF-8 takes at most 4 bytes each
REMOTE_COMMANDS = {action.value for action in Action if action is not Action.OPEN}
START_TIMEOUT = 30.0  # seconds for a new Aloud to start listening (a cold start of Qt on a slow disk)
_NEEDS_NO_INSTANCE = {Action.PAUSE, Action.STOP, Action.QUIT}  # with none running there is nothing to do

HELP = {
    Action.READ_SELECTION: "read the text selected in any app (the primary selection; the clipboard where "
                           "there is none)",
    Action.READ_CLIPBOARD: "read the text on the clipboard",
    Action.READ_FILE: "open a file (any format Aloud reads) and read it",
    Action.READ_TEXT: "read the text given (- reads it from standard input)",
    Action.PAUSE: "pause the reading, or resume it",
    Action.STOP: "stop the reading",
    Action.SHOW: "show the window",
    Action.QUIT: "quit Aloud",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aloud", description="Drive the running Aloud (starting it when a "
                                     "reading needs it). Bind these to keys: see the README.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for action, text in HELP.items():
        sub = commands.add_parser(action.value, help=text, description=text)
        if action is Action.READ_FILE:
            sub.add_argument("file")
        elif action is Action.READ_TEXT:
            sub.add_argument("text")
    return parser


def main(argv: list[str], launcher: list[str], stdin=None) -> int:
    """launcher: the command line that starts Aloud's window (this executable, or Python and main.py)."""
    args = build_parser().parse_args(argv)
    action = Action(args.command)
    try:
        request = _request(action, args, stdin or sys.stdin)
    except RequestError as exc:
        print(f"aloud: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _Refused as exc:
        print(f"aloud: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        return _deliver(request, launcher)
    except RequestError as exc:
        print(f"aloud: {exc}", file=sys.stderr)
        return EXIT_USAGE


class _Refused(Exception):
    """What the command itself found it cannot do (nothing selected), said as the running Aloud would."""


def _request(action: Action, args, stdin) -> Request:
    if action is Action.READ_FILE:
        path = Path(args.file).expanduser().resolve()
        if not path.is_file():
            raise RequestError(f"cannot read {args.file}: no such file")
        return Request(action, str(path))
    if action is Action.READ_TEXT:
        text = args.text
        if text == "-":
            text = stdin.read(MAX_TEXT + 1)
            if len(text) > MAX_TEXT:
                raise RequestError(f"standard input holds more than {MAX_TEXT // 1000} KB: open it as a file "
                                   "with `aloud read FILE`")
        if not text.strip():
            raise RequestError("there is no text to read")
        return Request(action, text)
    if action in (Action.READ_SELECTION, Action.READ_CLIPBOARD) and _reads_selection_itself():
        return Request(action, _selection_text(action))
    return Request(action)


def _reads_selection_itself() -> bool:
    """On Wayland only the app with the keyboard may read the selection, and when a key runs this command
    that is the app the text was selected in, never Aloud: so the command reads it, with wl-paste."""
    return wayland_clipboard.on_wayland() and wayland_clipboard.available()


def _selection_text(action: Action) -> str:
    origin = "selection" if action is Action.READ_SELECTION else "clipboard"
    try:
        text = wayland_clipboard.read(primary=action is Action.READ_SELECTION, limit=MAX_TEXT)
    except wayland_clipboard.ClipboardError as exc:
        raise _Refused(f"cannot read the {origin}: {exc}") from None
    if len(text) > MAX_TEXT:
        raise _Refused(f"the {origin} holds more than {MAX_TEXT // 1000} KB: paste it into Aloud's window (Ctrl+V)")
    if not text.strip():
        raise _Refused(f"The {origin} holds no text.")
    return text


def _deliver(request: Request, launcher: list[str]) -> int:
    try:
        return _report(send(request))
    except NoInstance:
        if request.action in _NEEDS_NO_INSTANCE:
            print("Aloud is not running.")
            return EXIT_OK
    except OSError as exc:
        print(f"aloud: the running Aloud did not answer ({exc})", file=sys.stderr)
        return EXIT_UNREACHABLE
    return _start_and_deliver(request, launcher)


def _start_and_deliver(request: Request, launcher: list[str]) -> int:
    try:
        process = subprocess.Popen([*launcher, "--background"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, **_detached())
    except OSError as exc:
        print(f"aloud: cannot start Aloud ({exc})", file=sys.stderr)
        return EXIT_UNREACHABLE
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            return _report(send(request))
        except NoInstance:
            if process.poll() is not None:
                print(f"aloud: Aloud stopped as it started (exit status {process.returncode})", file=sys.stderr)
                return EXIT_UNREACHABLE
            time.sleep(0.05)
        except OSError as exc:
            print(f"aloud: the new Aloud did not answer ({exc})", file=sys.stderr)
            return EXIT_UNREACHABLE
    print(f"aloud: Aloud did not start within {START_TIMEOUT:.0f} s", file=sys.stderr)
    return EXIT_UNREACHABLE


def command_line(argv0: str, executable: str, frozen: bool) -> str:
    """The command that runs this Aloud from anywhere, for key bindings: the packaged executable, the `aloud`
    script, or Python with main.py."""
    if frozen:
        return _quoted(executable)
    program = str(Path(argv0).resolve())
    if program.endswith(".py"):
        return f"{_quoted(executable)} {_quoted(program)}"
    return _quoted(program)


def binding_help(command: str) -> str:
    """What the Help menu says about binding the commands to keys, with this install's command line."""
    arguments = {Action.READ_FILE: " FILE", Action.READ_TEXT: ' "TEXT"'}
    listed = "\n".join(f"{command} {action.value}{arguments.get(action, '')}: {text}" for action, text in HELP.items())
    return (f"Select text in any app and run \"{command} read-selection\" to hear it. Bind it to a key in your "
            "desktop's keyboard settings:\n\n"
            "GNOME: Settings > Keyboard > Custom Shortcuts. KDE: System Settings > Shortcuts > Add New > Command. "
            "Xfce: Settings > Keyboard > Application Shortcuts. Windows: a shortcut's Properties > Shortcut key "
            "(copy first: Windows has no selection to read). macOS: the Shortcuts app, Run Shell Script. On "
            "Wayland the command reads the selection with wl-paste (install wl-clipboard).\n\n"
            f"The commands:\n{listed}")


def _quoted(path: str) -> str:
    return f'"{path}"' if " " in path else path


def _detached() -> dict:
    """Popen arguments that let the new Aloud outlive this command (and its terminal)."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        return {"creationflags": subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _report(reply: Reply) -> int:
    if reply.ok:
        print(reply.message)
        return EXIT_OK
    print(f"aloud: {reply.message}", file=sys.stderr)
    return EXIT_REFUSED
