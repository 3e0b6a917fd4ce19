"""eSpeak NG through ctypes (the library and data shipped by espeakng-loader), behind one global lock.

libespeak-ng keeps global state and crashes under concurrent calls, so every call holds `_LOCK`.
"""

from __future__ import annotations

import ctypes
import threading
import zlib
from pathlib import Path
from typing import Callable

import espeakng_loader

from core.offline.engine import EngineVoice

_LOCK = threading.Lock()

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_RATE = 1  # espeakRATE
_DEFAULT_WPM = 175
# Above 450 words a minute eSpeak NG speeds its 450 wpm speech up with Sonic, and its speech comes out about 10%
# slower than asked (measured on three texts at 2.75x-4x: 1.09-1.11); asked for that much more, it is on speed.
_SONIC_FROM_WPM, _SONIC_SHORTFALL = 450, 1.10
# Audio per callback. The synthesis runs without the interpreter lock; each callback must take it back, which
# with other threads busy (other clients' resampling) can wait a switch interval of 5 ms or more. eSpeak's
# default of 60 ms made a sentence's synthesis wait that long hundreds of times (bench.server_load).
_BUFFER_MS = 2000

# eSpeak voice per Aura language. Aura's Spanish voices are mostly Latin American.
_LANGUAGES = {"en": "en-us", "es": "es-419", "de": "de", "nl": "nl", "fr": "fr", "it": "it", "ja": "ja"}
_VARIANTS = {"feminine": ("f1", "f2", "f3", "f4", "f5"), "masculine": ("m1", "m2", "m3", "m4", "m6", "m7")}

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakError(RuntimeError):
    pass


class _Library:
    """The loaded library, initialised once per process."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        # espeak_Initialize wants the folder that contains espeak-ng-data.
        data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_parent, 0)
        if rate <= 0:
            raise EspeakError(f"eSpeak NG failed to initialise (data in {data_parent.decode()})")
        self.lib = lib
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        self._cancelled: Callable[[], bool] | None = None
        # Kept referenced for the life of the process: the library holds the pointer.
        self._callback = _SynthCallback(self._on_audio)
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav, count, _events) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 1 if self._cancelled is not None and self._cancelled() else 0

    def synthesize(self, text: str, voice_name: str, wpm: int, cancelled: Callable[[], bool] | None) -> bytes:
        if self.lib.espeak_SetVoiceByName(voice_name.encode()) != 0:
            raise EspeakError(f"eSpeak NG has no voice {voice_name!r}")
        self.lib.espeak_SetParameter(_RATE, wpm, 0)
        self._chunks = []
        self._cancelled = cancelled
        data = text.encode("utf-8")
        result = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
        self._cancelled = None
        if result != 0:
            raise EspeakError(f"eSpeak NG synthesis failed (error {result})")
        if cancelled is not None and cancelled():
            return b""
        return b"".join(self._chunks)


_library: _Library | None = None


def _get_library() -> _Library:
    global _library
    if _library is None:
        _library = _Library()
    return _library


def words_per_minute(speed: float) -> int:
    """eSpeak's rate for a speed (1.0: its default 175 wpm) at which its speech lasts 1/speed as long."""
    wpm = _DEFAULT_WPM * speed
    return round(wpm * _SONIC_SHORTFALL if wpm > _SONIC_FROM_WPM else wpm)


class EspeakEngine:
    """The first offline engine: robotic but instant (~900x real time) and in every language Aura has."""

    name = "espeak-ng"

    def __init__(self) -> None:
        with _LOCK:
            self.sample_rate = _get_library().sample_rate
        self.version = "1.52"

    def supports(self, language: str) -> bool:
        return language in _LANGUAGES

    @staticmethod
    def voice_name(voice: EngineVoice) -> str:
        base = _LANGUAGES[voice.language]
        variants = _VARIANTS.get(voice.gender)
        if not variants:
            return base
        # The same Aura voice always gets the same variant, so voices stay told apart offline.
        return f"{base}+{variants[zlib.crc32(voice.name.encode()) % len(variants)]}"

    def synthesize(
        self, text: str, voice: EngineVoice, speed: float = 1.0, cancelled: Callable[[], bool] | None = None
    ) -> bytes:
        if not self.supports(voice.language):
            raise EspeakError(f"no offline voice for language {voice.language!r}")
        with _LOCK:
            return _get_library().synthesize(text, self.voice_name(voice), words_per_minute(speed), cancelled)
