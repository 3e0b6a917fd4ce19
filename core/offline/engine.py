"""The interface a synthesis engine gives the offline server: one sentence of text in, PCM out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol


@dataclass(frozen=True)
class EngineVoice:
    """What the engine needs to know of an Aura voice to imitate it."""

    name: str  # the Aura voice name, e.g. "thalia"; lets an engine give each voice its own variant
    language: str  # ISO 639-1, from the model's suffix
    gender: str = ""  # "feminine", "masculine" or ""


class SynthesisEngine(Protocol):
    name: str
    version: str
    sample_rate: int  # of the PCM synthesize() returns

    def supports(self, language: str) -> bool: ...

    def synthesize(
        self, text: str, voice: EngineVoice, speed: float = 1.0, cancelled: Callable[[], bool] | None = None
    ) -> bytes:
        """Signed 16-bit little-endian mono PCM at `sample_rate` for one sentence (b"" if cancelled)."""
        ...
