"""A reading being heard or saved, for every face (window, command line, Save Audio): `Playback` joins a
reader to an audio output and a recording; `events` holds its states, request, result and listener.
"""

from __future__ import annotations

from core.audio import BACKENDS, AudioError, AudioOutput, available_backends, create_output
from core.audio.output import DEFAULT_LEAD_IN_MS
from core.playback.events import Heard, PlaybackListener, PlaybackRequest, PlaybackResult, PlaybackState
from core.playback.playback import Playback
from core.reader import ReadResult, Span
from core.retry import ConnectionEvent, Reconnected, Reconnecting

__all__ = [
    "BACKENDS", "DEFAULT_LEAD_IN_MS", "AudioError", "AudioOutput", "ConnectionEvent", "Heard", "Playback",
    "PlaybackListener", "PlaybackRequest", "PlaybackResult", "PlaybackState", "ReadResult", "Reconnected",
    "Reconnecting", "Span", "available_backends", "open_output",
]


def open_output(backend: str = "auto", *, volume: float = 1.0, lead_in_ms: int = DEFAULT_LEAD_IN_MS) -> AudioOutput:
    """A sound-device player for `backend`. Raises ValueError naming the problem when it cannot be had."""
    output = create_output(backend, lead_in_ms=lead_in_ms)
    output.volume = volume
    return output
