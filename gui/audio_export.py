"""Saving the spoken audio of a document (or a selection) to a WAV file, in a worker thread, with progress:
a core `Playback` with a recording and no player.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from core.playback import Playback, PlaybackListener, PlaybackRequest, PlaybackResult, PlaybackState, Span


@dataclass(frozen=True)
class ExportRequest:
    playback: PlaybackRequest
    path: Path


class _Progress(PlaybackListener):
    def __init__(self, worker: "ExportWorker", request: PlaybackRequest) -> None:
        self._worker = worker
        self._start = request.start
        self._total = (len(request.text) if request.end is None else request.end) - request.start

    def on_span_received(self, span: Span) -> None:
        try:
            self._worker.progress.emit(span.end - self._start, self._total)
        except RuntimeError:
            pass  # the window is gone

    def on_finished(self, result: PlaybackResult) -> None:
        try:
            self._worker._done.emit(result)
        except RuntimeError:
            pass


class ExportWorker(QObject):
    """Lives in its own thread; `start` and `cancel` are queued to it from the window."""

    progress = Signal(int, int)  # characters whose audio is saved, characters in all
    finished = Signal(str, bool)  # a sentence for the status bar, and whether the file is complete
    _done = Signal(object)  # PlaybackResult

    def __init__(self) -> None:
        super().__init__()
        self._playback: Playback | None = None
        self._path: Path | None = None
        self._done.connect(self._on_done)

    @Slot(object)
    def start(self, request: ExportRequest) -> None:
        try:
            # keep_partial_recording=False: a cancelled or failed save leaves no part-file that looks whole.
            playback = Playback(request.playback, _Progress(self, request.playback), record_to=request.path,
                                keep_partial_recording=False)
        except OSError as exc:
            self.finished.emit(f"Cannot write {request.path.name}: {exc.strerror or exc}.", False)
            return
        self._playback, self._path = playback, request.path
        playback.start()

    @Slot()
    def cancel(self) -> None:
        if self._playback is not None:
            self._playback.stop()

    @Slot()
    def shutdown(self) -> None:
        playback = self._playback
        if playback is not None:
            playback.stop()
            playback.wait(3)

    @Slot(object)
    def _on_done(self, result: PlaybackResult) -> None:
        playback, path = self._playback, self._path
        self._playback = self._path = None
        if playback is None or path is None:
            return
        if result.ok:
            options = playback.request.options
            seconds = result.recorded_bytes / (options.rate * options.bytes_per_sample)
            self.finished.emit(f"Saved {seconds:.1f} s of audio to {path.name}.", True)
        elif result.state is PlaybackState.STOPPED:
            self.finished.emit("Saving the audio was cancelled; no file was written.", False)
        else:
            self.finished.emit(f"Saving the audio failed: {result}", False)
