"""The offline server's fault switches (`serve --fault`), and readings through the real offline voice surviving
each of them."""

import io

import pytest

from core.cli import main
from core.offline.faults import FaultError, Faults, parse_faults
from core.options import SpeakOptions, speak_url
from core.playback import Playback, PlaybackListener, PlaybackRequest
from core.reader import Reader, ReaderConfig, ReaderListener
from core.retry import Reconnecting, RetryPolicy
from tests.core.helpers import local_endpoint

SENTENCES = " ".join(f"This is sentence number {n} of the test." for n in range(1, 13))


def test_the_fault_forms_are_read():
    assert parse_faults(["drop-after-bytes=5000"]) == Faults(drop_after_bytes=5000)
    assert parse_faults(["close=1011:NET-0001: idle@5s"]) == Faults(close_code=1011, close_reason="NET-0001: idle",
                                                                    close_after=5.0)
    assert parse_faults(["max-age=30s"]).close_reason.startswith("NET-0003")
    assert parse_faults(["refuse=429:retry-after=1:times=0"]) == Faults(refuse_status=429, refuse_retry_after=1.0,
                                                                       refuse_times=0)
    assert parse_faults(["stall-after-bytes=10", "garbage"]) == Faults(stall_after_bytes=10, garbage=True)
    for bad in ["drop-after-bytes=0", "close=99:x@1s", "refuse=200", "max-age=soon", "garbage=1", "explode"]:
        with pytest.raises(FaultError, match="serve --help"):
            parse_faults([bad])


class Events(PlaybackListener):
    def __init__(self):
        self.connection, self.warnings = [], []

    def on_connection(self, event):
        self.connection.append(event)

    def on_warning(self, message):
        self.warnings.append(message)


def read(server, text=SENTENCES):
    events = Events()
    playback = Playback(PlaybackRequest(text, SpeakOptions(), local_endpoint(server.url)), events,
                        retry=RetryPolicy(first=0.05, cap=0.5, budget=20))
    playback.start()
    result = playback.wait(120)
    assert result is not None
    return result, events


@pytest.mark.parametrize("faults", [
    Faults(drop_after_bytes=200_000),
    Faults(close_code=1011, close_reason="NET-0003: the connection reached its maximum age", close_after=0.4),
    Faults(refuse_status=429, refuse_retry_after=0.2),
    Faults(refuse_status=503, refuse_times=2),
], ids=["drop-after-bytes", "max-age", "refuse-429", "refuse-503-twice"])
def test_a_reading_through_the_offline_voice_survives(faults, make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=None, faults=faults)
    result, events = read(server)
    assert result.ok and result.reading.complete, str(result)
    assert result.reading.reconnects >= 1 and any(isinstance(e, Reconnecting) for e in events.connection)


def test_garbage_is_tolerated(make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=None, faults=Faults(garbage=True))
    result, events = read(server, "Hello there. How are you?")
    assert result.ok and result.reading.reconnects == 0
    assert any("not JSON" in w or "invalid JSON" in w for w in events.warnings), events.warnings


class Done(ReaderListener):
    def on_connection(self, event):
        self.last = event


def test_a_stalled_connection_is_given_up_on_after_the_reply_timeout_and_resumed(make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=None, faults=Faults(stall_after_bytes=150_000))
    config = ReaderConfig(speak_url(server.url, SpeakOptions()), reply_timeout=0.5,
                          retry=RetryPolicy(first=0.05, cap=0.5, budget=20))
    reader = Reader(SENTENCES, config, Done())
    reader.start()
    result = reader.wait(120)
    assert result is not None and result.ok and result.complete, str(result)
    assert result.reconnects >= 1


def test_serve_takes_faults_and_speak_survives_them(make_server):
    # The command line's own server, as a user would start it, is in test_cli; here, the fault reaches speak.
    server = make_server(chars_per_minute=None, flushes_per_minute=None, faults=Faults(drop_after_bytes=200_000))
    out = io.StringIO()
    code = main(["speak", SENTENCES, "--url", server.url, "--no-play"], stdin=io.StringIO(), stdout=out)
    assert code == 0, out.getvalue()
    assert "Reconnecting (attempt 1)... Connection lost: the network connection dropped" in out.getvalue()
    assert out.getvalue().splitlines()[-1].startswith("Closed: 1000 Normal Closure (")
