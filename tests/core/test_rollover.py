"""A reading longer than a connection may live moves to a fresh connection before the limit: at a sentence
boundary, the next connection opened and answering before the old one is closed, so the join has no gap and
nothing is heard twice; a handover that fails is recovered like any failed connection."""

import io
import threading
import time

from core.cli import main
from core.offline.faults import parse_faults
from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.reader import Reader, ReaderConfig, ReaderListener
from core.retry import RetryPolicy
from core.wav import read_wav
from tests.core.flaky_server import FlakyToneServer
from tests.core.helpers import ToneVoiceServer
from tests.core.test_reconnect import book

FAST_RETRY = RetryPolicy(first=0.05, cap=0.2, budget=10)


class RealTimePlayer(ReaderListener):
    """Plays what arrives at the pace of speech, from the first audio on, and adds up the time it had nothing to
    play before the reading ended: the gaps a listener would hear."""

    def __init__(self, bytes_per_second):
        self.rate = bytes_per_second
        self.audio = bytearray()
        self.position = 0.0
        self.starved = 0.0
        self.connections = 0
        self.events = []
        self._last = None
        self._lock = threading.Lock()

    def played(self):
        with self._lock:
            return int(self._advance())

    def _advance(self):
        now = time.monotonic()
        if self._last is not None:
            self.position += (now - self._last) * self.rate
            if self.position > len(self.audio):
                self.starved += (self.position - len(self.audio)) / self.rate
                self.position = len(self.audio)
        self._last = now if self._last is not None or self.audio else None
        return self.position

    def on_audio(self, data):
        with self._lock:
            self._advance()
            self.audio += data
            if self._last is None:
                self._last = time.monotonic()

    def on_metadata(self, metadata):
        self.connections += 1

    def on_connection(self, event):
        self.events.append(event)


def read(url, text, max_age, player, lookahead_chars=300):
    config = ReaderConfig(url, limits=Limits(None, None, max_connection_age=max_age), lookahead_chars=lookahead_chars,
                          retry=FAST_RETRY)
    reader = Reader(text, config, player, played_bytes=player.played)
    reader.start()
    result = reader.wait(60)
    assert result is not None, "the reading never ended"
    return result


def test_a_reading_longer_than_a_connection_may_live_rolls_over_with_no_gap_and_nothing_repeated():
    text = book(60)  # about 30 s of the tone voice, read at the pace of speech: about 40 connection ages
    text = text[:text.index(".", 700) + 1]  # about 7 s of it
    player = RealTimePlayer(48_000)
    with FlakyToneServer(max_age=1.0) as server:
        result = read(server.url + "/v1/speak", text, 1.0, player)
    assert result.ok and result.complete, str(result)
    assert result.reconnects == 0 and player.events == [], "the age limit was met as a failure"
    assert result.rollovers >= 3 and player.connections == result.rollovers + 1
    assert server.aged_out == 0
    # The played audio is the text's, once: nothing repeated at a join, nothing lost.
    assert "".join(t for t, _, _ in server.flushes) == text
    assert bytes(player.audio) == ToneVoiceServer.tone(text)
    # And the player never ran dry: each new connection answered while the old one's audio still played.
    assert player.starved < 0.1, f"{player.starved:.2f} s of silence"


def test_the_offline_voice_rolls_over_before_its_age_limit(make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=None, faults=parse_faults(["max-age=1.5s"]))
    text = " ".join(f"This is sentence number {n}." for n in range(1, 10))
    player = RealTimePlayer(48_000)
    result = read(speak_url(server.url, SpeakOptions()), text, 1.5, player, lookahead_chars=50)
    assert result.ok and result.complete, str(result)
    assert result.reconnects == 0 and player.events == [] and result.rollovers >= 2
    assert player.starved < 0.2, f"{player.starved:.2f} s of silence"


def test_an_old_connection_that_drops_during_the_handover_is_recovered_like_any_drop():
    # Flushes are answered late, so the old connection owes audio when the next one opens; then it drops.
    text = book(40)[:400]
    text = text[:text.rindex(".") + 1]
    player = RealTimePlayer(48_000)
    with FlakyToneServer(max_age=1.0, answer_delay=0.3, drop_when_replaced=True) as server:
        result = read(server.url + "/v1/speak", text, 1.0, player, lookahead_chars=150)
    assert result.ok and result.complete, str(result)
    assert result.reconnects >= 1
    # What the server sent went to the player, in order and only once, and the text was all spoken; a sentence
    # held back on the abandoned new connection was sent again on the next one.
    assert "".join(t for t, _, whole in server.flushes if whole).endswith(text[-40:])
    assert bytes(player.audio) == ToneVoiceServer.tone(text)


def test_a_new_connection_refused_at_the_handover_leaves_the_reading_on_the_old_one_until_it_ends():
    text = book(40)[:500]
    text = text[:text.rindex(".") + 1]
    player = RealTimePlayer(48_000)
    with FlakyToneServer(max_age=1.5, refuse_numbers=[2], refuse_status=503) as server:
        result = read(server.url + "/v1/speak", text, 1.5, player, lookahead_chars=150)
    assert result.ok and result.complete, str(result)
    # The refused handover is not retried on that connection: its age limit ends it, and the reading reconnects.
    assert server.handshakes >= 3 and server.aged_out >= 1 and result.reconnects >= 1
    assert "".join(t for t, _, whole in server.flushes if whole) == text


def test_the_command_line_told_the_servers_age_limit_rolls_over_before_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    text = book(200, seed=9)[:1000]  # paced by Deepgram's 20 Flushes a minute: about 6 s, several connection ages
    text = text[:text.rindex(".") + 1]
    with FlakyToneServer(max_age=1.0) as server:
        out = io.StringIO()
        code = main(["speak", text, "--url", server.url, "--max-connection-age", "1", "--no-play",
                     "--out", str(tmp_path / "out.wav")], stdin=io.StringIO(), stdout=out)
    assert code == 0, out.getvalue()
    assert "Reconnecting" not in out.getvalue() and "Closed: 1000 Normal Closure\n" in out.getvalue()
    assert server.connections >= 3 and server.aged_out == 0
    assert "".join(t for t, _, _ in server.flushes) == text
    assert read_wav(tmp_path / "out.wav")[3] == ToneVoiceServer.tone(text)


def test_a_connection_age_under_a_second_is_refused(capsys):
    assert main(["speak", "Hello.", "--max-connection-age", "0.5", "--no-play"], stdin=io.StringIO()) == 2
    assert "--max-connection-age 0.5 is below 1 second" in capsys.readouterr().err
