"""Aloud: reads text aloud through Deepgram's streaming text-to-speech, or its embedded offline voice.

`python main.py [FILE] [--url BASE_URL]` opens the window; `python main.py speak|serve|voices ...` runs the
command line.
"""

import argparse
import sys

CLI_COMMANDS = {"speak", "serve", "voices", "-h", "--help"}


def main(argv: list[str]) -> int:
    if argv and argv[0] in CLI_COMMANDS or any(a in CLI_COMMANDS - {"-h", "--help"} for a in argv[:2]):
        from core.cli import main as cli_main

        return cli_main(argv)
    parser = argparse.ArgumentParser(prog="aloud", description="Open the Aloud window.")
    parser.add_argument("file", nargs="?", help="a text or Markdown file to open")
    parser.add_argument("--url", metavar="BASE_URL", help="use this endpoint for this run (settings unchanged)")
    parser.add_argument("--debug", action="store_true", help="log details to standard error")
    args = parser.parse_args(argv)
    from gui.app import run

    return run(args.file, args.url, args.debug)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
