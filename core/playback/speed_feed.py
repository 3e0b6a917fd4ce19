"""Between the audio received and the player: the speed chain, run no further ahead of what is heard than the
player's lookahead (a quarter of a second for sounddevice), so that a new speed is heard within half a second;
and the map from what is heard back to the audio received, for the highlight and the reading position.
"""

from __future__ import annotations

import logging
import threading

from core import g711
from core.audio import AudioOutput
from core.audio.sonic import SonicError
from core.audio.speed_chain import SpeedChain
from core.speed import SpeedPlan

log = logging.getLogger(__name__)

BLOCK_SECONDS = 0.05  # of output made at a time
HISTORY_SECONDS = 6.0  # of received audio kept behind what is heard: a player taking back for a new speed
# rewinds at most 0.8 s of what it played (to the start of a word), which at 4x is 4.8 s received
POLL_SECONDS = 0.02  # how often the player's position is looked at while it has enough


class Decoder:
    """Received audio (linear16, mulaw or alaw, in pieces of any length) to whole 16-bit samples."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._carry = b""  # an odd byte of linear16, waiting for its other half

    def __call__(self, data: bytes) -> bytes:
        if self._encoding in ("mulaw", "alaw"):
            return g711.decode(data, self._encoding)
        data = self._carry + data
        cut = len(data) & ~1
        pcm, self._carry = data[:cut], data[cut:]
        return pcm


class SpeedFeed:
    """Feeds `output` (begun as linear16 by the caller) from a thread of its own. Any thread may call feed(),
    end_of_stream(), change() and stop(); none of them blocks on the player or the speed change."""

    def __init__(self, output: AudioOutput, encoding: str, rate: int, plan: SpeedPlan,
                 on_error=lambda message: None) -> None:
        self._output = output
        self._rate = rate
        self.plan = plan
        self._on_error = on_error
        self._chain = SpeedChain(rate, plan.client, plan.smart_pauses)
        self._cond = threading.Condition()
        self._decode = Decoder(encoding)
        self._source = bytearray()  # received audio, decoded, not yet through the chain
        self._final = False
        self._stopped = False
        self._retake = False  # a new speed: take back what the player holds at the old one
        self._history = bytearray()  # received audio already through the chain, from sample _history_from
        self._history_from = 0

    def start(self) -> None:
        threading.Thread(target=self._run, name="aloud-speed", daemon=True).start()

    def feed(self, data: bytes) -> None:
        pcm = self._decode(data)
        with self._cond:
            if not self._stopped:
                self._source += pcm
                self._cond.notify_all()

    def end_of_stream(self) -> None:
        with self._cond:
            self._final = True
            self._cond.notify_all()

    def change(self, speed: float, smart: bool) -> None:
        """A new speed for the rest of the reading (raises OptionError outside 0.5-4)."""
        plan = self.plan.changed_to(speed, smart)
        with self._cond:
            self.plan = plan
            self._retake = True
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._source = bytearray()
            self._cond.notify_all()

    def heard(self) -> int:
        """Samples of the received audio heard so far."""
        return self._chain.source_at(self._output.position)

    # --- the feeding thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._feed_all()
        except SonicError as exc:
            log.warning("speed change failed: %s", exc)
            self._on_error(str(exc))
        finally:
            self._chain.close()

    def _feed_all(self) -> None:
        chain, output = self._chain, self._output
        while True:
            with self._cond:
                while not self._stopped and not self._has_work():
                    self._cond.wait(POLL_SECONDS)
                if self._stopped:
                    return
                retake, self._retake = self._retake, False
            if retake:
                self._take_back()
            with self._cond:
                chain.ratio, chain.smart_pauses = self.plan.client, self.plan.smart_pauses
                take = 2 * max(1, int(BLOCK_SECONDS * self._rate * chain.ratio))
                block = bytes(self._source[:take])
                del self._source[:take]
                ending = self._final and not self._source
            self._history += block
            out = chain.feed(block) if block else b""
            if ending:
                out += chain.finish()
            with self._cond:
                if self._stopped:
                    return
            if out:
                output.feed(out)
            chain.forget_before(output.position - 30 * self._rate)
            self._forget_history(chain.source_at(output.position))
            if ending:  # a speed chosen after this plays from what is still queued, at most a lookahead away
                output.end_of_stream()
                return

    def _take_back(self) -> None:
        """What the player has not played goes back to be made again at the new speed (simpleaudio, fed 2 s ahead:
        without this a new speed would wait for those 2 s)."""
        at = self._output.take_back()
        if at is None:
            return
        end = self._history_from + len(self._history) // 2
        source = min(end, max(self._history_from, self._chain.source_at(at)))
        cut = 2 * (source - self._history_from)
        with self._cond:
            self._source[:0] = self._history[cut:]
        del self._history[cut:]
        self._chain.restart_at(at, source)

    def _forget_history(self, heard: int) -> None:
        excess = heard - int(HISTORY_SECONDS * self._rate) - self._history_from
        if excess > self._rate:  # a second at a time
            del self._history[:2 * excess]
            self._history_from += excess

    def _has_work(self) -> bool:
        if self._retake:
            return True
        if not self._source and not self._final:
            return False
        queued = self._output.received - self._output.position
        return queued < self._output.lookahead_seconds * self._rate or (self._final and not self._source)


class SpeedRecorder:
    """The recording's side of the speed change (Save Audio, `speak --out`): every received byte through a
    chain of its own, at the speed the reading started with, in the reading's encoding. Runs on the caller's
    thread, as fast as the audio comes."""

    def __init__(self, write, encoding: str, rate: int, plan: SpeedPlan) -> None:
        self._write = write
        self._encoding = encoding
        self._chain = SpeedChain(rate, plan.client, plan.smart_pauses)
        self._decode = Decoder(encoding)

    def feed(self, data: bytes) -> None:
        self._put(self._chain.feed(self._decode(data)))

    def finish(self) -> None:
        self._put(self._chain.finish())
        self._chain.close()

    def _put(self, pcm: bytes) -> None:
        if pcm:
            self._write(g711.encode(pcm, self._encoding) if self._encoding in ("mulaw", "alaw") else pcm)
