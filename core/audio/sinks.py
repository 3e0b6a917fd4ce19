"""Outputs that are not a sound device: a null sink (for --no-play) and a WAV file of what is played."""

from __future__ import annotations

from pathlib import Path

from core.audio.output import AudioListener, AudioOutput, PlayerState
from core.wav import WavWriter


class NullOutput(AudioOutput):
    """Takes audio as fast as it comes and plays nothing; its position is everything received."""

    name = "null"
    paced = False

    def __init__(self, listener: AudioListener | None = None, **kwargs) -> None:
        super().__init__(listener, lead_in_ms=0, **kwargs)

    def feed(self, data: bytes) -> None:
        first = self._fed == 0
        super().feed(data)
        with self._cond:
            pcm, self._pcm = bytes(self._pcm), bytearray()
            playing = self._state in (PlayerState.BUFFERING, PlayerState.PLAYING)
            if playing:
                self._state = PlayerState.PLAYING
        if pcm and playing:
            self._consume(pcm)
            if first:
                self.listener.on_started()

    def end_of_stream(self) -> None:
        super().end_of_stream()
        with self._cond:
            done = self._state in (PlayerState.BUFFERING, PlayerState.PLAYING)
            if done:
                self._state = PlayerState.DRAINED
        if done:
            self._finish()
            self.listener.on_drained()

    def _consume(self, pcm: bytes) -> None:
        pass

    def _finish(self) -> None:
        pass

    def _played_position(self) -> int:
        return self._fed


class WavOutput(NullOutput):
    """Writes what would be played (16-bit PCM, volume applied) to a WAV file as it streams."""

    name = "wav"

    def __init__(self, path: str | Path, listener: AudioListener | None = None, **kwargs) -> None:
        super().__init__(listener, **kwargs)
        self.path = Path(path)
        self._writer: WavWriter | None = None

    def begin(self, encoding: str = "linear16", rate: int = 24000) -> None:
        self._finish()
        super().begin(encoding, rate)
        self._writer = WavWriter(self.path, "linear16", rate)

    def _consume(self, pcm: bytes) -> None:
        if self._writer is not None:
            self._writer.write(self._apply_volume(pcm))

    def _finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def stop(self) -> None:
        super().stop()
        self._finish()
