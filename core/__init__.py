"""Aloud's Qt-free core: the protocol, the session and reader, audio output, the offline voice, the CLI."""

__version__ = "0.1.0"
