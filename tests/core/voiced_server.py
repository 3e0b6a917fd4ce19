"""A /v1/speak server shaped like Aura-2 for the speed tests: each Flush's text becomes a voiced sound (a 150 Hz
fundamental with harmonics, its loudness rising and falling as syllables do) whose length follows the text and
the `speed` asked for, then a pause, as a voice's sentence ends. It refuses `speed` as the client must never
send it: outside 0.7-1.5, or for a voice that is not Aura-2. It keeps each connection's query."""

import math
import struct
from urllib.parse import parse_qs, urlsplit

from tests.core.helpers import ToneVoiceServer

F0 = 150.0  # Hz
SPEECH_PER_CHAR = 0.05  # seconds of sound a character, at speed 1
PAUSE = 0.4  # seconds of silence after each Flush's sound, at speed 1
RATE = 24000


def voiced(seconds: float, rate: int = RATE) -> list[int]:
    count = int(seconds * rate)
    values = []
    for i in range(count):
        t = i / rate
        swell = 0.55 + 0.45 * math.sin(2 * math.pi * 4 * t)  # four syllables a second
        sound = sum(math.sin(2 * math.pi * F0 * k * t) / k for k in range(1, 6))
        values.append(int(5000 * swell * sound))
    return values


def sentence_audio(text: str, speed: float = 1.0) -> bytes:
    """What the server sends for one Flush's text: its sound, then the pause."""
    values = voiced(len(text) * SPEECH_PER_CHAR / speed) + [0] * int(PAUSE / speed * RATE)
    return struct.pack(f"<{len(values)}h", *values)


class VoicedServer(ToneVoiceServer):
    def __init__(self) -> None:
        self.queries: list[dict[str, str]] = []
        super().__init__()

    def _serve(self, ws) -> None:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(ws.request.path).query).items()}
        self.queries.append(query)
        speed = float(query.get("speed", "1"))
        if "speed" in query and (not query.get("model", "").startswith("aura-2-") or not 0.7 <= speed <= 1.5):
            ws.close(1008, "INVALID_QUERY_PARAMETER: speed")
            return
        self.answer(ws, lambda text: sentence_audio(text.strip(), speed))
