"""Aloud: reads text aloud through Deepgram's streaming text-to-speech, or its embedded offline voice."""

import sys

from core.cli import main

if __name__ == "__main__":
    sys.exit(main())
