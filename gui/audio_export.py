"""Saving the spoken audio of a document (or a selection) to a WAV file, in a worker thread, with progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from core.endpoints import Endpoint
from core.options import SpeakOptions, speak_url
from core.reader import Chunk, Reader, ReaderConfig, ReaderListener, ReadResult
from core.wav import WavWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportRequest:
    text: str
    start: int
    end: int
    options: SpeakOptions
    endpoint: Endpoint
    path: Path
    allow_insecure_key: bool = False


class _Writer(ReaderListener):
    def __init__(self, worker: "ExportWorker", wav: WavWriter, start: int, end: int) -> None:
        self.worker, self.wav, self.start, self.end = worker, wav, start, end

    def on_audio(self, chunk: bytes) -> None:
        self.wav.write(chunk)

    def on_chunk_done(self, chunk: Chunk) -> None:
        try:
            self.worker.progress.emit(chunk.end - self.start, self.end - self.start)
        except RuntimeError:
            pass  # the window is gone

    def on_finished(self, result: ReadResult) -> None:
        try:
            self.worker._done.emit(result)
        except RuntimeError:
            pass


class ExportWorker(QObject):
    """Lives in its own thread; `start` and `cancel` are queued to it from the window."""

    progress = Signal(int, int)  # characters whose audio is saved, characters in all
    finished = Signal(str, bool)  # a sentence for the status bar, and whether the file is complete
    _done = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._reader: Reader | None = None
        self._wav: WavWriter | None = None
        self._request: ExportRequest | None = None
        self._done.connect(self._on_done)

    @Slot(object)
    def start(self, request: ExportRequest) -> None:
        try:
            wav = WavWriter(request.path, request.options.encoding, request.options.rate)
        except OSError as exc:
            self.finished.emit(f"Cannot write {request.path.name}: {exc.strerror or exc}.", False)
            return
        self._request, self._wav = request, wav
        endpoint = request.endpoint
        config = ReaderConfig(speak_url(endpoint.base_url, request.options), endpoint.api_key,
                              request.allow_insecure_key, endpoint.limits)
        self._reader = Reader(request.text, config, _Writer(self, wav, request.start, request.end),
                              start=request.start, end=request.end)
        self._reader.start()

    @Slot()
    def cancel(self) -> None:
        if self._reader is not None:
            self._reader.stop()

    @Slot()
    def shutdown(self) -> None:
        reader = self._reader
        if reader is not None:
            reader.stop()
            reader.wait(3)

    @Slot(object)
    def _on_done(self, result: ReadResult) -> None:
        request, wav = self._request, self._wav
        self._reader = self._wav = self._request = None
        if request is None or wav is None:
            return
        wav.close()
        if result.ok and result.complete:
            seconds = wav.data_bytes / (request.options.rate * request.options.bytes_per_sample)
            self.finished.emit(f"Saved {seconds:.1f} s of audio to {request.path.name}.", True)
            return
        # A part-file would look like a whole one: remove it.
        try:
            request.path.unlink()
        except OSError as exc:
            log.info("could not remove %s: %s", request.path, exc)
        if result.stopped:
            self.finished.emit("Saving the audio was cancelled; no file was written.", False)
        else:
            self.finished.emit(f"Saving the audio failed: {result}", False)
