"""Readings that survive their connection: drops at random points, retryable closes and refusals resume, final
ones stop with their message, and a stop during the wait between tries is instant."""

import io
import random
import time

import pytest

from core.cli import main
from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.playback import Playback, PlaybackListener, PlaybackRequest, PlaybackState
from core.reader import Reader, ReaderConfig, ReaderListener
from core.retry import Reconnected, Reconnecting, RetryPolicy
from core.wav import read_wav
from tests.conftest import assert_same_audio
from tests.core.flaky_server import FlakyToneServer
from tests.core.helpers import ToneVoiceServer, local_endpoint

FAST_RETRY = RetryPolicy(first=0.05, cap=0.2, budget=10)
LEAD_IN_BYTES = 24000 * 150 // 1000 * 2  # the silence the player starts with


def book(sentences=120, seed=3):
    rng = random.Random(seed)
    words = "reading aloud helps people who find print hard and gives tired eyes a rest every day".split()
    return " ".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))).capitalize() + "."
                    for _ in range(sentences))


def read(server, text, tmp_path, **config):
    """Read through Playback into a WAV file (the Save Audio path), as the command line and the window do."""
    events = []

    class Events(PlaybackListener):
        def on_connection(self, event):
            events.append(event)

    endpoint = local_endpoint(server.url)
    playback = Playback(PlaybackRequest(text, SpeakOptions(), endpoint), Events(), record_to=tmp_path / "out.wav",
                        retry=config.get("retry", FAST_RETRY))
    playback.start()
    result = playback.wait(120)
    assert result is not None, "the reading never ended"
    return result, events, read_wav(tmp_path / "out.wav")[3]


def test_twenty_drops_at_random_points_lose_nothing_and_repeat_only_the_interrupted_sentence(tmp_path):
    text = book()
    total = len(text) * 480  # the tone voice's bytes a character
    drops = random.Random(7).sample(range(1000, total - 1000), 20)
    with FlakyToneServer(drop_at=drops) as server:
        result, events, audio = read(server, text, tmp_path)
    assert result.ok and result.reading.complete, str(result)
    assert result.reading.reconnects == 20 and str(result).endswith("(20 reconnects)")
    assert sum(isinstance(e, Reconnected) for e in events) == 20
    # Exactly what the server sent, in order: nothing dropped by the client, nothing added, and a sample cut by a
    # drop not played (its first byte would shift all that follows into noise).
    assert any(drop % 2 for drop in drops)
    assert audio == server.audio_in_whole_samples()
    # The flushes that went out whole are the text, once each, in order: nothing skipped, nothing repeated.
    assert "".join(t for t, _, whole in server.flushes if whole) == text
    # Each cut-short flush is heard again from its start: the next whole flush begins with the same text.
    for index, (cut_text, sent, whole) in enumerate(server.flushes):
        if not whole:
            following = next(t for t, _, w in server.flushes[index + 1:] if w)
            assert following.startswith(cut_text[:40]) or cut_text.startswith(following[:40])
            assert ToneVoiceServer.tone(cut_text).startswith(sent)


@pytest.mark.parametrize("code, reason", [
    (1011, "NET-0000: internal error"), (1011, "NET-0001: idle"), (1011, "NET-0002: failed to send"),
    (1011, "NET-0003: 60-minute limit"), (1001, "going away"), (1012, "restart"), (1013, "try again later"),
])
def test_a_retryable_close_resumes(code, reason, tmp_path):
    text = "First sentence here. " + book(6)
    with FlakyToneServer(close_first_with=(code, reason)) as server:
        result, events, audio = read(server, text, tmp_path)
    assert result.ok and result.reading.reconnects == 1, str(result)
    assert str(result) == "Closed: 1000 Normal Closure (1 reconnect)"
    assert isinstance(events[0], Reconnecting) and f"Closed: {code} {reason}" in str(events[0])
    assert audio == bytes(server.sent) and "".join(t for t, _, w in server.flushes) == text


@pytest.mark.parametrize("code, reason", [
    (1008, "DATA-0000: invalid message"), (1009, "BIG-0001: too long"), (1003, "MESSAGE-0000: binary"),
    (1007, "invalid payload"),
])
def test_a_final_close_stops_with_its_message(code, reason, tmp_path):
    with FlakyToneServer(close_first_with=(code, reason)) as server:
        result, events, _ = read(server, "First sentence here. " + book(6), tmp_path)
    assert result.state is PlaybackState.FAILED and result.reading.reconnects == 0
    assert str(result).startswith(f"Closed: {code} {reason}") and events == []
    assert server.connections == 1


@pytest.mark.parametrize("status, retry_after", [(429, 0.3), (503, None), (500, None)])
def test_a_busy_or_failing_handshake_is_tried_again(status, retry_after, tmp_path):
    with FlakyToneServer(refuse_first=2, refuse_status=status, retry_after=retry_after) as server:
        started = time.monotonic()
        result, events, audio = read(server, "Hello there. How are you?", tmp_path)
    assert result.ok, str(result)
    assert [type(e) for e in events] == [Reconnecting, Reconnecting, Reconnected]
    assert f"HTTP {status}" in str(events[0])
    if retry_after is not None:  # Retry-After is honoured: two waits of 0.3 s
        assert events[0].delay == retry_after and time.monotonic() - started >= 2 * retry_after
    assert audio == bytes(server.sent)


@pytest.mark.parametrize("status, words", [(401, "API key was refused"), (403, "not allowed"), (400, "rejected")])
def test_a_refused_key_or_setting_is_final(status, words, tmp_path):
    with FlakyToneServer(refuse_first=5, refuse_status=status) as server:
        result, events, _ = read(server, "Hello.", tmp_path)
    assert result.state is PlaybackState.FAILED and words in str(result) and events == []
    assert server.handshakes == 1


class Ended(ReaderListener):
    def __init__(self):
        self.events = []

    def on_connection(self, event):
        self.events.append(event)


def test_stop_during_the_wait_between_tries_is_instant_and_sends_nothing_more():
    with FlakyToneServer(refuse_first=100, refuse_status=503, retry_after=30) as server:
        listener = Ended()
        reader = Reader("Hello.", ReaderConfig(server.url + "/v1/speak"), listener)
        reader.start()
        deadline = time.monotonic() + 5
        while not listener.events and time.monotonic() < deadline:
            time.sleep(0.01)
        assert isinstance(listener.events[0], Reconnecting) and listener.events[0].delay == 30
        started = time.monotonic()
        reader.stop()
        result = reader.wait(2)
        assert result is not None and result.stopped and time.monotonic() - started < 0.5
        time.sleep(0.3)
    assert server.handshakes == 1


def test_a_fault_that_recurs_before_any_progress_gives_up_within_the_budget(tmp_path):
    """A connection that always drops before a sentence comes back must not be retried for ever."""
    with FlakyToneServer(drop_at=[100 * i for i in range(1, 10_000)]) as server:
        started = time.monotonic()
        result, events, _ = read(server, "A sentence long enough to be cut before it ends.", tmp_path,
                                 retry=RetryPolicy(first=0.05, cap=0.2, budget=1.5))
    assert result.state is PlaybackState.FAILED and time.monotonic() - started < 5
    assert str(result).startswith("Connection lost: the network connection dropped")
    assert sum(isinstance(e, Reconnecting) for e in events) >= 3


def test_the_command_line_says_each_reconnect_and_exits_0(monkeypatch):
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    with FlakyToneServer(close_first_with=(1011, "NET-0002: failed")) as server:
        out = io.StringIO()
        code = main(["speak", "One sentence. " + book(4), "--url", server.url, "--no-play"], stdin=io.StringIO(),
                    stdout=out)
    lines = out.getvalue().splitlines()
    assert code == 0, out.getvalue()
    assert any(line.startswith("Reconnecting (attempt 1)... Closed: 1011 NET-0002: failed.")
               and line.endswith("Trying for up to 120 s more.") for line in lines)  # the budget, seen
    assert any(line.startswith("Reconnected after ") for line in lines)
    assert lines[-1] == "Closed: 1000 Normal Closure (1 reconnect)"


class Follower(ReaderListener):
    """A listener whose position the test moves: paused (stays put), or keeping up with what arrives."""

    def __init__(self):
        self.received = 0
        self.following = False
        self.events = []
        self.connections = 0

    def played(self):
        return self.received if self.following else 0

    def on_audio(self, data):
        self.received += len(data)

    def on_metadata(self, metadata):
        self.connections += 1

    def on_connection(self, event):
        self.events.append(event)


def test_a_pause_longer_than_the_idle_timeout_costs_one_new_connection_when_it_ends(make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=None, idle_timeout=0.4)
    text = " ".join(f"Sentence number {n} is here." for n in range(1, 25))
    listener = Follower()
    config = ReaderConfig(speak_url(server.url, SpeakOptions()), limits=Limits.unlimited(), lookahead_chars=100,
                          retry=FAST_RETRY)
    reader = Reader(text, config, listener, played_bytes=listener.played)
    reader.start()
    time.sleep(1.6)  # paused from the start: four of the server's idle timeouts
    assert listener.events == [], "reconnected while paused"
    listener.following = True  # resumed
    result = reader.wait(60)
    assert result is not None and result.ok and result.complete, str(result)
    assert result.reconnects == 1 and listener.connections == 2
    assert [type(e) for e in listener.events] == [Reconnecting, Reconnected]


def test_drops_heard_through_a_real_player_lose_nothing(alsa_capture, player):
    """What the listener hears, through the audio device: every sentence's audio in order, the sentences cut
    short by a drop played as far as they came and then again from their start."""
    text = book(40, seed=5)
    drops = random.Random(11).sample(range(1000, len(text) * 480 - 1000), 8)
    with FlakyToneServer(drop_at=drops) as server:
        playback = Playback(PlaybackRequest(text, SpeakOptions(), local_endpoint(server.url)), output=player,
                            retry=FAST_RETRY)
        playback.start()
        result = playback.wait(120)
    assert result is not None and result.ok and result.reading.complete, str(result)
    assert result.reading.reconnects == 8
    assert any(drop % 2 for drop in drops)
    assert_same_audio(alsa_capture()[LEAD_IN_BYTES:], server.audio_in_whole_samples())
    assert "".join(t for t, _, whole in server.flushes if whole) == text
