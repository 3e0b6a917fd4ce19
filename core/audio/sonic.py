"""Pitch-kept speed change of 16-bit speech, streaming: Sonic (Bill Cox; Apache-2.0), the speech speed-up
eSpeak NG and Android's media player use. Aloud calls the copy built into the eSpeak NG library it already
ships (espeakng-loader), so the stretcher costs the bundle nothing and is the same build on every install.
"""

from __future__ import annotations

import ctypes
import threading

import espeakng_loader

MIN_RATIO, MAX_RATIO = 0.25, 6.0  # what one stream is asked for: 0.5x-4x overall, split with the voice's own


class SonicError(RuntimeError):
    """Sonic could not be loaded, or failed (out of memory)."""


_lock = threading.Lock()
_library = None


def _load():
    global _library
    with _lock:
        if _library is None:
            try:
                lib = ctypes.CDLL(espeakng_loader.get_library_path())
                lib.sonicCreateStream.restype = ctypes.c_void_p
            except (OSError, AttributeError) as exc:
                raise SonicError(f"the speed changer (Sonic, in eSpeak NG) is not available: {exc}") from None
            lib.sonicCreateStream.argtypes = [ctypes.c_int, ctypes.c_int]
            lib.sonicDestroyStream.argtypes = [ctypes.c_void_p]
            lib.sonicSetSpeed.argtypes = [ctypes.c_void_p, ctypes.c_float]
            lib.sonicSetQuality.argtypes = [ctypes.c_void_p, ctypes.c_int]
            lib.sonicWriteShortToStream.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
            lib.sonicWriteShortToStream.restype = ctypes.c_int
            lib.sonicReadShortFromStream.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
            lib.sonicReadShortFromStream.restype = ctypes.c_int
            lib.sonicFlushStream.argtypes = [ctypes.c_void_p]
            lib.sonicFlushStream.restype = ctypes.c_int
            lib.sonicSamplesAvailable.argtypes = [ctypes.c_void_p]
            lib.sonicSamplesAvailable.restype = ctypes.c_int
            _library = lib
    return _library


def available() -> bool:
    try:
        _load()
    except SonicError:
        return False
    return True


class SonicStream:
    """One mono stream. `write()` takes 16-bit PCM and returns what is ready; `flush()` returns the rest at the
    end. The ratio may change between writes and applies from the next one. Not thread-safe: one owner."""

    def __init__(self, rate: int, ratio: float = 1.0) -> None:
        self._lib = _load()
        self._stream = self._lib.sonicCreateStream(rate, 1)
        if not self._stream:
            raise SonicError("Sonic could not create a stream (out of memory)")
        self._lib.sonicSetQuality(self._stream, 0)  # 0: its fast pitch search, made for speech
        self._ratio = 0.0
        self.ratio = ratio

    @property
    def ratio(self) -> float:
        return self._ratio

    @ratio.setter
    def ratio(self, value: float) -> None:
        value = min(MAX_RATIO, max(MIN_RATIO, float(value)))
        if value != self._ratio:
            self._ratio = value
            self._lib.sonicSetSpeed(self._stream, value)

    def write(self, pcm: bytes) -> bytes:
        if len(pcm) >= 2:
            if not self._lib.sonicWriteShortToStream(self._stream, pcm, len(pcm) // 2):
                raise SonicError("Sonic ran out of memory")
        return self._read()

    def flush(self) -> bytes:
        if not self._lib.sonicFlushStream(self._stream):
            raise SonicError("Sonic ran out of memory")
        return self._read()

    def close(self) -> None:
        if self._stream:
            self._lib.sonicDestroyStream(self._stream)
            self._stream = None

    def __del__(self) -> None:  # a stream dropped without close() (an exception on the way) is freed all the same
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _read(self) -> bytes:
        count = self._lib.sonicSamplesAvailable(self._stream)
        if count <= 0:
            return b""
        buffer = ctypes.create_string_buffer(count * 2)
        got = self._lib.sonicReadShortFromStream(self._stream, buffer, count)
        return buffer.raw[: 2 * got]
