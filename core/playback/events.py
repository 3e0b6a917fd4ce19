"""What a playback is and says: its states, the request it reads, the sentence heard, its result, and the
one listener that the window, the command line and Save Audio each implement.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core import protocol
from core.audio import AudioError
from core.endpoints import Endpoint
from core.options import SpeakOptions
from core.reader import ReadResult, Span
from core.retry import ConnectionEvent


class PlaybackState(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    SPEAKING = "speaking"
    PAUSED = "paused"
    STOPPING = "stopping"  # Close was sent; waiting for the server's close frame
    STOPPED = "stopped"  # the user stopped it
    FINISHED = "finished"  # everything was received and played (or saved)
    FAILED = "failed"  # the connection, the server or the audio output failed

    @property
    def active(self) -> bool:
        return self in ACTIVE

    @property
    def ended(self) -> bool:
        return self in ENDED

    @property
    def running(self) -> bool:
        """Connecting, speaking or paused: a reading that Stop or Pause acts on, whose sentence is tracked."""
        return self in RUNNING


ACTIVE = frozenset({PlaybackState.CONNECTING, PlaybackState.SPEAKING, PlaybackState.PAUSED, PlaybackState.STOPPING})
ENDED = frozenset({PlaybackState.STOPPED, PlaybackState.FINISHED, PlaybackState.FAILED})
RUNNING = frozenset({PlaybackState.CONNECTING, PlaybackState.SPEAKING, PlaybackState.PAUSED})


@dataclass(frozen=True)
class PlaybackRequest:
    """What to read, how, and where: text[start:end] with these options through this endpoint."""

    text: str
    options: SpeakOptions  # its `speed` is not used: `speed` below is reached as core/speed.py decides
    endpoint: Endpoint
    start: int = 0
    end: int | None = None
    speed: float = 1.0  # 0.5-4
    smart_speed: bool = True  # pauses shrink more than speech above 1.5x


@dataclass(frozen=True)
class Heard:
    """The sentence being heard now: character offsets into the request's text."""

    start: int
    end: int


@dataclass(frozen=True)
class PlaybackResult:
    state: PlaybackState  # STOPPED, FINISHED or FAILED
    reading: ReadResult  # the connection's result: its closure or connection error, timings, bytes
    audio_error: AudioError | None = None
    recorded_bytes: int = 0  # audio data written to the recording
    recording_kept: bool = False  # the recording file exists (complete, or partial where allowed)

    @property
    def ok(self) -> bool:
        return self.state is PlaybackState.FINISHED and self.audio_error is None

    def __str__(self) -> str:
        return str(self.reading)


class PlaybackListener:
    """Override what you need. Calls come from the playback's threads (never the caller's), in order."""

    def on_state(self, state: PlaybackState) -> None: ...

    def on_metadata(self, metadata: protocol.Metadata) -> None: ...

    def on_audio(self, data: bytes) -> None:
        """A copy of each audio frame as it arrives (the output already has it): for observers only."""

    def on_span_received(self, span: Span) -> None:
        """All the audio of text[span.start:span.end] has arrived (progress)."""

    def on_heard(self, heard: Heard) -> None: ...

    def on_warning(self, message: str) -> None: ...

    def on_connection(self, event: ConnectionEvent) -> None:
        """The connection failed and the reading is reconnecting (the audio received plays on), or a new
        connection took it over."""

    def on_audio_error(self, error: AudioError) -> None: ...

    def on_closed(self, reading: ReadResult) -> None:
        """The connection ended (audio may still be playing): its closure, or why it could not open."""

    def on_finished(self, result: PlaybackResult) -> None:
        """The reading is over and its result final (the recording closed, or removed): the last call."""
