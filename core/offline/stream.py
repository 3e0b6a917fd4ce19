"""One client of the offline server: its messages on the connection's thread, its synthesis on a worker that
takes turns at the engine with every other client, sentence by sentence."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import queue
import re
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection

from core import g711, protocol
from core.chunking import iter_segments
from core.offline.engine import EngineVoice
from core.offline.resample import Resampler
from core.options import SpeakOptions
from core.pacing import SlidingWindow

if TYPE_CHECKING:
    from core.offline.server import OfflineServer

log = logging.getLogger(__name__)

_RESAMPLE_SLICE = 4096  # engine samples (0.19 s at 22,050 Hz) resampled and sent at a time
_SURROGATES = re.compile("[\ud800-\udfff]")  # JSON can carry half a UTF-16 pair; no engine can speak one


class CloseWith(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class EngineTurns:
    """Whose work runs next, for all clients: the one whose listener will run out of audio first (earliest
    deadline first). A new reader, with nothing to play yet, goes before readers with seconds of audio in hand;
    among equals, first come first served. Turns are short (a sentence's synthesis, a slice of resampling), and
    the work runs one turn at a time: it is Python, which runs one thread at a time anyway."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[float, int, threading.Event]] = []  # a heap
        self._arrivals = itertools.count()
        self._busy = False

    @contextmanager
    def turn(self, deadline: float) -> Iterator[None]:
        with self._lock:
            if self._busy:
                ready = threading.Event()
                heapq.heappush(self._waiting, (deadline, next(self._arrivals), ready))
            else:
                self._busy, ready = True, None
        if ready is not None:
            ready.wait()  # set by the turn before, which hands over directly
        try:
            yield
        finally:
            with self._lock:
                if self._waiting:
                    heapq.heappop(self._waiting)[2].set()
                else:
                    self._busy = False


@dataclass
class _Job:
    generation: int
    text: str = ""
    sequence_id: int | None = None  # a Flush job when set
    cleared_id: int | None = None  # a Clear acknowledgement when set


class Stream:
    """One client connection: the message loop on the handler thread, synthesis on a worker thread (started
    with the first Flush or Clear, so an idle connection costs no thread of its own)."""

    def __init__(self, server: OfflineServer, conn: ServerConnection, options: SpeakOptions, voice: EngineVoice):
        self.server = server
        self.conn = conn
        self.options = options
        self.voice = voice
        self.config = server.config
        self.request_id = str(uuid.uuid4())
        self.buffer: list[str] = []
        self.generation = 0
        self.closing = False
        self.next_flush_id = 0
        self.next_clear_id = 0
        self.jobs: queue.Queue[_Job | None] = queue.Queue()
        # Text received and not yet spoken (buffered or queued): bounded, with or without the per-minute limits.
        self.pending_chars = 0
        self._pending_lock = threading.Lock()
        window = self.config.rate_window
        self.char_window = (
            SlidingWindow(self.config.chars_per_minute, window) if self.config.chars_per_minute else None
        )
        self.flush_window = (
            SlidingWindow(self.config.flushes_per_minute, window) if self.config.flushes_per_minute else None
        )
        self.worker: threading.Thread | None = None
        # When the client will have played all the audio sent so far, were it playing as it arrives: how urgent
        # this client's next turn at the engine is (0: it has had nothing yet).
        self.audio_until = 0.0
        self.audio_sent = 0  # bytes of audio on this connection (for --fault drop/stall-after-bytes)
        self._pcm_bytes_per_second = options.rate * 2  # 16-bit PCM, before any G.711 encoding

    # --- message loop (handler thread) -------------------------------------------------------

    def run(self) -> None:
        engine = self.server.engine
        self._send_json({
            "type": "Metadata",
            "request_id": self.request_id,
            "model_name": self.options.model,
            "model_version": f"{engine.name}-{engine.version}",
            "model_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"aloud-offline/{self.options.model}")),
        })
        faults = self.config.faults
        close_at = time.monotonic() + faults.close_after if faults.close_after is not None else None
        try:
            while True:
                timeout = self.config.idle_timeout
                if close_at is not None:
                    left = max(0.0, close_at - time.monotonic())
                    timeout = left if timeout is None else min(timeout, left)
                try:
                    message = self.conn.recv(timeout=timeout)
                except TimeoutError:
                    if close_at is not None and time.monotonic() >= close_at:
                        raise CloseWith(faults.close_code or 1011, faults.close_reason) from None
                    if self.pending_chars > sum(map(len, self.buffer)):
                        continue  # still speaking what was flushed: the client is listening, not idle
                    raise CloseWith(1011, "NET-0001: no message received for too long") from None
                if self._handle(message):
                    self._stop_work()
                    self.conn.close(protocol.NORMAL_CLOSURE, "Normal Closure")
                    return
        except CloseWith as close:
            self._stop_work()
            self.conn.close(close.code, close.reason)
        except ConnectionClosed:
            self._stop_work()

    def _handle(self, message: str | bytes) -> bool:
        """Act on one client message; True when the client asked to close."""
        if isinstance(message, bytes):
            raise CloseWith(1003, "MESSAGE-0000: binary frames are not supported")
        if len(message.encode("utf-8", "surrogatepass")) > self.config.max_message_bytes:
            raise CloseWith(1009, "BIG-0000: message too large")
        try:
            parsed = protocol.parse_client_text(message)
        except (ValueError, RecursionError) as exc:
            raise CloseWith(1008, f"DATA-0000: invalid message ({str(exc)[:60]})") from None
        self.server.count_message(type(parsed).__name__)
        if isinstance(parsed, protocol.Speak):
            text = parsed.text
            if len(text) > protocol.MAX_SPEAK_CHARS:
                raise CloseWith(1009, f"BIG-0001: text over {protocol.MAX_SPEAK_CHARS} characters")
            if self.char_window is not None and not self.char_window.add(len(text)):
                raise CloseWith(1008, "DATA-0001: too many characters per minute")
            text = _SURROGATES.sub("", text)
            with self._pending_lock:
                if self.pending_chars + len(text) > self.config.max_pending_chars:
                    raise CloseWith(1008, f"too much text waiting to be spoken (the limit is "
                                          f"{self.config.max_pending_chars} characters)")
                self.pending_chars += len(text)
            self.buffer.append(text)
        elif isinstance(parsed, protocol.Flush):
            if self.flush_window is not None and not self.flush_window.add(1):
                # What the live service sends (not the documented description/code shape).
                self._send_json({
                    "type": "Warning",
                    "warn_code": protocol.EXCESSIVE_FLUSH,
                    "warn_msg": "Rate limit exceeded for flushes. Please try again later.",
                })
                return False
            self._queue(_Job(self.generation, "".join(self.buffer), sequence_id=self.next_flush_id))
            self.next_flush_id += 1
            self.buffer = []
        elif isinstance(parsed, protocol.Clear):
            self._spoken(sum(map(len, self.buffer)))
            self.buffer = []
            self.generation += 1  # the worker drops older jobs and stops the one in progress
            self._queue(_Job(self.generation, cleared_id=self.next_clear_id))
            self.next_clear_id += 1
        elif isinstance(parsed, protocol.Close):
            return True
        return False

    def _queue(self, job: _Job) -> None:
        if self.worker is None:
            self.worker = threading.Thread(target=self._work, name="aloud-offline-synth", daemon=True)
            self.worker.start()
        self.jobs.put(job)

    def _spoken(self, chars: int) -> None:
        with self._pending_lock:
            self.pending_chars -= chars

    def _send_json(self, payload: dict[str, Any]) -> None:
        self.conn.send(json.dumps(payload))

    def _stop_work(self) -> None:
        self.closing = True
        self.generation += 1
        if self.worker is not None:
            self.jobs.put(None)
            self.worker.join(timeout=5)

    # --- synthesis (worker thread) -----------------------------------------------------------

    def _stale(self, job: _Job) -> bool:
        return self.closing or job.generation != self.generation

    def _work(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                try:
                    if job.cleared_id is not None:
                        self._send_json({"type": "Cleared", "sequence_id": job.cleared_id})
                    elif not self._stale(job):
                        self._synthesize(job)
                        if not self._stale(job) and not self._stalled:
                            self._send_json({"type": "Flushed", "sequence_id": job.sequence_id})
                            if self.config.faults.garbage:
                                self.conn.send("{this is not JSON")
                                self._send_json({"type": "SomethingNew", "sequence_id": job.sequence_id})
                finally:
                    self._spoken(len(job.text))
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("offline synthesis failed")
            try:
                self.conn.close(1011, "NET-0000: internal server error")
            except ConnectionClosed:
                pass

    def _synthesize(self, job: _Job) -> None:
        engine = self.server.engine
        turns = self.server.engine_turns
        rate = self.options.rate
        resampler = Resampler(engine.sample_rate, rate) if engine.sample_rate != rate else None
        # A sentence at a time, split as it goes: the first audio of a long Flush comes at once, and a client
        # that leaves stops the work within a sentence.
        segments = iter_segments(job.text) if job.text.strip() else iter(())
        segment = next(segments, None)
        while segment is not None and not self._stale(job):
            following = next(segments, None)
            with turns.turn(self.audio_until):
                if self._stale(job):
                    return
                pcm = engine.synthesize(segment.text, self.voice, self.options.speed, lambda: self._stale(job))
            if resampler is None:
                self._send_audio(pcm, job)
            else:
                # Resampling costs about 1/13 of real time: in slices, the first audio goes out at once, and
                # a reader about to run dry gets the next turn.
                step = 2 * _RESAMPLE_SLICE
                for start in range(0, max(len(pcm), 1), step):
                    if self._stale(job):
                        return
                    final = following is None and start + step >= len(pcm)
                    with turns.turn(self.audio_until):
                        audio = resampler.process(pcm[start: start + step], last=final)
                    self._send_audio(audio, job)
            segment = following

    def _send_audio(self, pcm: bytes, job: _Job) -> None:
        self.audio_until = max(self.audio_until, time.monotonic()) + len(pcm) / self._pcm_bytes_per_second
        data = pcm if self.options.encoding == "linear16" else g711.encode(pcm, self.options.encoding)
        step = self.config.frame_bytes
        for start in range(0, len(data), step):
            if self._stale(job) or self._stalled:
                return
            frame = self._faulty(data[start: start + step])
            if frame:
                self.conn.send(frame)

    @property
    def _stalled(self) -> bool:
        limit = self.config.faults.stall_after_bytes
        return limit is not None and self.audio_sent >= limit

    def _faulty(self, frame: bytes) -> bytes:
        """The frame as --fault wants it: cut at the byte where the connection is to drop (and dropped) or go
        silent. Without faults, the frame as it is."""
        faults = self.config.faults
        limit = faults.drop_after_bytes if faults.drop_after_bytes is not None else faults.stall_after_bytes
        if limit is not None and self.audio_sent + len(frame) >= limit:
            frame = frame[: max(0, limit - self.audio_sent)]
            if faults.drop_after_bytes is not None:
                if frame:
                    self.conn.send(frame)
                    self.audio_sent += len(frame)
                self.conn.socket.shutdown(socket.SHUT_RDWR)  # no close frame: as when a network goes
                raise ConnectionClosed(None, None)
        self.audio_sent += len(frame)
        return frame
