"""Aloud: reads text aloud through Deepgram's streaming text-to-speech, or its embedded offline voice.

`python main.py [FILE] [--url BASE_URL]` opens the window (or hands FILE to the one already open);
`python main.py speak|serve|voices|contents|text ...` runs the command line; `python main.py read-selection|
read-clipboard|read|read-text|pause|stop|show|quit` drives the running window.
"""

import argparse
import os
import sys

CLI_COMMANDS = {"speak", "serve", "voices", "contents", "text"}
# Commands for the running Aloud (core/remote_cli.py), the ones bound to keys.
REMOTE_COMMANDS = {"read-selection", "read-clipboard", "read", "read-text", "pause", "stop", "show", "quit"}


def launcher() -> list[str]:
    """The command line that starts this Aloud's window: the packaged executable, or Python and this file."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, os.path.abspath(__file__)]


def main(argv: list[str]) -> int:
    # The commands (possibly after --debug) belong to the command line.
    if any(a in CLI_COMMANDS for a in argv[:2]):
        from core.cli import main as cli_main

        return cli_main(argv)
    if argv[:1] and argv[0] in REMOTE_COMMANDS:
        from core.remote_cli import main as remote_main

        return remote_main(argv, launcher())
    parser = argparse.ArgumentParser(
        prog="aloud", description="Open the Aloud window. Commands: speak, serve, voices, contents, text (aloud speak "
        "--help); for the running window: read-selection, read-clipboard, read, read-text, pause, stop, show, quit.")
    parser.add_argument("file", nargs="?", help="a text or Markdown file to open")
    parser.add_argument("--url", metavar="BASE_URL", help="use this endpoint for this run (settings unchanged)")
    parser.add_argument("--debug", action="store_true", help="log details to standard error")
    parser.add_argument("--self-test", action="store_true",
                        help="read a sentence offscreen with the offline voice, check the result, and exit")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--background", action="store_true",
                        help="start in the tray without showing the window (as the commands start Aloud)")
    args = parser.parse_args(argv)
    if args.version:
        from core import __version__

        print(f"Aloud {__version__}")
        return 0
    if args.self_test:
        from gui.self_test import run as self_test

        return self_test()
    from gui.app import run

    return run(args.file, args.url, args.debug, background=args.background)


def run() -> int:
    """The `aloud` console script (pyproject.toml)."""
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
