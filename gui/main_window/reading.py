"""The window's reading control: where a reading goes and where it starts, speak/pause/stop, sentence and
paragraph navigation, and what the speech worker (in its own thread) reports back.

A QObject of its own, not a mixin of the window: PySide6 6.11 calls a @Slot that a QMainWindow subclass
inherits from a plain mixin on the *emitting* thread (measured), so the slots that hear from worker threads
live on the QObject classes that define them.
"""

from __future__ import annotations

import bisect
import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

from core import navigation
from core.endpoints import Endpoint, Preference, choose_endpoint, start_embedded_server_in_background
from core.listening import ListeningPace, describe_position
from core.options import OptionError, SpeakOptions
from core.playback import PlaybackRequest, PlaybackState, ReadResult
from core.speed import describe as describe_speed
from gui.settings import api_key
from gui.speech_worker import SpeechRequest, SpeechWorker
from gui.worker_thread import WorkerThread

if TYPE_CHECKING:
    from gui.main_window.window import MainWindow

log = logging.getLogger(__name__)

STATE_WORDS = {
    PlaybackState.IDLE: "Ready",
    PlaybackState.CONNECTING: "Connecting…",
    PlaybackState.SPEAKING: "Speaking",
    PlaybackState.PAUSED: "Paused",
    PlaybackState.STOPPING: "Stopping…",
    PlaybackState.STOPPED: "Stopped",
    PlaybackState.FINISHED: "Finished",
    PlaybackState.FAILED: "Stopped by an error",
}
KEY_SOURCES = {"environment": "DEEPGRAM_API_KEY", "keyring": "the keyring"}


class ReadingControl(QObject):
    """Starts, pauses and stops readings through a SpeechWorker in its own thread, and shows what it reports."""

    request_start = Signal(object)
    request_pause = Signal()
    request_resume = Signal()
    request_stop = Signal()
    request_volume = Signal(float)
    request_speed = Signal(float, bool)  # speed, shorter pauses
    key_known = Signal()  # the keyring has been read (from its own thread)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = PlaybackState.IDLE
        self.pace = ListeningPace()  # for the time left in the status bar
        self._audio_problem = ""
        self.worker = SpeechWorker()
        self.request_start.connect(self.worker.start)
        self.request_pause.connect(self.worker.pause)
        self.request_resume.connect(self.worker.resume)
        self.request_stop.connect(self.worker.stop)
        self.request_volume.connect(self.worker.set_volume)
        self.request_speed.connect(self.worker.set_speed)
        self.worker.state_changed.connect(self._on_state)
        self.worker.metadata_received.connect(self._on_metadata)
        self.worker.heard.connect(self._on_heard)
        self.worker.first_audio.connect(self._on_first_audio)
        self.worker.warning.connect(self._on_warning)
        self.worker.connection.connect(self._on_connection)
        self.worker.audio_error.connect(self._on_audio_error)
        self.worker.closed.connect(self._on_closed)
        self.key_known.connect(self._on_key_known)
        self._thread = WorkerThread(self.worker, "aloud-speech", self)

    # --- where readings go and what they ask for ----------------------------------------------------

    def options(self) -> SpeakOptions:
        window = self.window
        s = window.settings
        return SpeakOptions(model=window.voice_bar.model(), encoding=s.encoding, sample_rate=s.sample_rate or None
                            ).validate()

    def playback_request(self, start: int, end: int) -> PlaybackRequest:
        """A reading of the editor's text[start:end], as the window is set (raises OptionError)."""
        window = self.window
        return PlaybackRequest(window.text.text(), self.options(), self.endpoint(), start, end,
                               window.voice_bar.speed_value(), window.settings.smart_speed)

    def change_speed(self, speed: float) -> None:
        """The reading under way goes on at `speed` (the next one starts at it anyway)."""
        self.request_speed.emit(speed, self.window.settings.smart_speed)

    def endpoint(self) -> Endpoint:
        """Where readings go: --url for this run, else the Settings (core decides what that means)."""
        window = self.window
        key, source = api_key(window.keys)
        if window.url_override:
            return choose_endpoint(Preference.SELF_HOSTED, url=window.url_override, api_key=key, for_this_run=True)
        s = window.settings
        return choose_endpoint(Preference(s.endpoint), url=s.self_hosted_url, api_key=key,
                               key_source=KEY_SOURCES.get(source, ""), allow_insecure_key=s.allow_insecure_key)

    def say_endpoint(self) -> None:
        window = self.window
        window.voice_label.setText(f"Voice: {window.voice_bar.model()}")
        try:
            endpoint = self.endpoint()
        except OptionError as exc:
            window.closure_label.setText(f"The endpoint cannot be used: {exc}.")
            return
        hint = " (Settings, Ctrl+,)" if endpoint.no_key else ""
        window.closure_label.setText(f"Reading with {endpoint.description}{hint}.")

    # --- speak, pause, stop -------------------------------------------------------------------------

    @Slot()
    def speak(self) -> None:
        """Read the selection, or from the start of the sentence under the cursor to the end."""
        editor_text = self.window.text
        selection = editor_text.selection()
        if selection is not None:
            self.speak_range(*selection)
            return
        text = editor_text.text()
        self.speak_range(navigation.sentence_start(text, editor_text.cursor_offset()), len(text))

    def speak_range(self, start: int, end: int) -> None:
        """Read characters start to end (Python's offsets into the editor's text)."""
        window = self.window
        if window.documents.loader.loading:
            window.announce("Still opening the document: try again in a moment.", window.closure_label)
            return
        if not window.text.any_visible(start, end):
            window.announce("Nothing to read: type or open some text first.", window.closure_label)
            return
        try:
            request = self.playback_request(start, end)
        except OptionError as exc:
            window.announce(f"Cannot read: {exc}.", window.closure_label)
            return
        at = f" · {describe_speed(request.speed)}" if request.speed != 1.0 else ""
        window.voice_label.setText(f"Voice: {request.options.model} · {request.endpoint.label}{at}")
        window.highlight.clear()  # the last reading's sentence is not where this one is
        window.closure_label.clear()
        self._audio_problem = ""
        self.pace.restart()
        self.request_start.emit(SpeechRequest(request, window.settings.backend, window.voice_bar.volume_level()))

    @Slot()
    def toggle_pause(self) -> None:
        if self.state is PlaybackState.PAUSED:
            self.request_resume.emit()
        elif self.state in (PlaybackState.SPEAKING, PlaybackState.CONNECTING):
            self.request_pause.emit()

    @Slot()
    def stop(self) -> None:
        self.request_stop.emit()

    def shutdown(self) -> None:
        """Stop reading and join the worker's thread."""
        self._thread.shutdown()

    # --- navigation ---------------------------------------------------------------------------------

    # Each looks at the neighbourhood of where we are (core.navigation), never the whole document: a key
    # press in a book costs what it costs in a page.

    @Slot()
    def next_paragraph(self) -> None:
        self._move(navigation.next_paragraph_start)

    @Slot()
    def previous_paragraph(self) -> None:
        self._move(navigation.previous_paragraph_start)

    @Slot()
    def next_sentence(self) -> None:
        self._move(navigation.next_sentence_start)

    @Slot()
    def previous_sentence(self) -> None:
        self._move(navigation.previous_sentence_start)

    @Slot()
    def next_chapter(self) -> None:
        self._move(lambda text, offset: next((o for o in self.window.contents.offsets if o > offset), None))

    @Slot()
    def previous_chapter(self) -> None:
        """The start of the chapter being read or under the cursor; at its start, the one before."""
        offsets = self.window.contents.offsets

        def find(text: str, offset: int) -> int | None:
            index = bisect.bisect_left(offsets, offset) - 1
            return offsets[index] if index >= 0 else None

        self._move(find)

    def _move(self, find) -> None:
        """Read from the next start after where we are, or the last one before it (which, from the middle
        of a sentence or paragraph, is its own start, as a media player's "previous" does)."""
        text = self.window.text.text()
        target = find(text, self._current_offset(text))
        if target is not None:
            self.move_and_speak(target)

    def _current_offset(self, text: str) -> int:
        heard = self.window.highlight.range
        if heard is not None and self.state.running:
            return heard[0]
        return navigation.sentence_start(text, self.window.text.cursor_offset())

    def move_and_speak(self, offset: int) -> None:
        editor = self.window.editor
        cursor = editor.textCursor()
        cursor.setPosition(self.window.text.position(offset))
        editor.setTextCursor(cursor)
        self.speak_range(offset, len(self.window.text.text()))

    # --- what the worker reports (GUI thread) ---------------------------------------------------------

    @Slot()
    def _on_key_known(self) -> None:
        if not self.window.closure_label.text():  # a message shown since start-up stays
            self.say_endpoint()
        try:
            offline = self.endpoint().offline
        except OptionError:
            return
        if offline:  # start the offline voice now, so that the first F5 need not wait for it
            start_embedded_server_in_background()

    @Slot(object)
    def _on_state(self, state: PlaybackState) -> None:
        self.set_state(state)

    def set_state(self, state: PlaybackState) -> None:
        window = self.window
        self.state = state
        words = STATE_WORDS[state]
        window.state_label.setText(words)
        window.pause_action.setText("&Resume" if state is PlaybackState.PAUSED else "&Pause")
        window.pause_action.setEnabled(state.running)
        window.stop_action.setEnabled(state.active)
        window.tray.show_state(state)
        if state.ended:
            window.documents.remember_position(window.highlight.range, finished=state is PlaybackState.FINISHED)
        if state.ended or state in (PlaybackState.IDLE, PlaybackState.CONNECTING):
            window.highlight.clear()
        if state is not PlaybackState.IDLE:
            window.announce(words, window.state_label)

    @Slot(str, str)
    def _on_metadata(self, model: str, request_id: str) -> None:
        log.info("metadata: %s request %s", model, request_id)

    @Slot(int, int)
    def _on_heard(self, start: int, end: int) -> None:
        window = self.window
        window.highlight.show(start, end)
        window.contents.follow(start)
        self.pace.heard(start, time.monotonic())
        window.position_label.setText(describe_position(window.documents.document, len(window.text.text()), start,
                                                        self.pace.chars_per_second))

    @Slot(float)
    def _on_first_audio(self, seconds: float) -> None:
        self.window.latency_label.setText(f"First audio: {seconds * 1000:.0f} ms")

    @Slot(str)
    def _on_warning(self, message: str) -> None:
        # Warnings are rare and change what is heard (the offline voice reading instead, say): said, not only shown.
        status_bar = self.window.statusBar()
        status_bar.showMessage(message, 10000)
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(status_bar, message))

    @Slot(str)
    def _on_connection(self, message: str) -> None:
        # Shown until the next news (no timeout: a reconnect can take a while), and said.
        status_bar = self.window.statusBar()
        status_bar.showMessage(message)
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(status_bar, message))

    @Slot(str)
    def _on_audio_error(self, message: str) -> None:
        self._audio_problem = f"Audio: {message}."
        self.window.announce(self._audio_problem, self.window.closure_label)

    @Slot(object)
    def _on_closed(self, reading: ReadResult) -> None:
        text = str(reading)
        if reading.error is not None and reading.error.status in (401, 403):
            text += " Settings (Ctrl+,) holds the key; with none, Aloud uses its offline voice."
        if self._audio_problem:  # the closure must not hide why nothing was heard
            text = f"{self._audio_problem} {text}"
        self.window.announce(text, self.window.closure_label)

