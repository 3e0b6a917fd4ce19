"""The offline server's bounds, tried as an attacker would: floods of connections, idle handshakes, text with
no Flush, clients that leave mid-synthesis, half a UTF-16 pair; and the fair turns its clients take."""

import json
import logging
import socket
import threading
import time

import pytest

from core.offline.stream import EngineTurns
from core.options import SpeakOptions, speak_url
from core.session import ConnectError, Session
from tests.core.helpers import Recorder, raw_connect, read_until_close, read_until_flushed, wait_until


def url(server, **options):
    return speak_url(server.url, SpeakOptions(**options))


def address(server):
    host, port = server.url.removeprefix("ws://").rsplit(":", 1)
    return host, int(port)


def synth_threads():
    return [t for t in threading.enumerate() if t.name == "aloud-offline-synth"]


def test_connections_over_the_limit_get_a_clear_refusal_and_threads_stay_bounded(make_server):
    server = make_server(max_connections=4, handshake_timeout=1.0)
    before = threading.active_count()
    idle = [socket.create_connection(address(server)) for _ in range(200)]  # never send a handshake
    try:
        time.sleep(0.5)
        # Four held (a thread for the handshake and one for receiving, each), the refusals come and go.
        assert threading.active_count() - before <= 4 * 2 + 4 + 2
        with pytest.raises(ConnectError) as refused:
            Session(url(server), Recorder()).connect()
        assert refused.value.status == 503
        assert "serving its limit of 4 connections at once" in str(refused.value)
        # The handshakes that never came are dropped, and the server takes readers again.
        time.sleep(1.5)
        ws = raw_connect(url(server))
        ws.send('{"type": "Close"}')
        assert read_until_close(ws)[2] == 1000
    finally:
        for sock in idle:
            sock.close()
    assert wait_until(lambda: threading.active_count() - before <= 2, 5)


def test_a_handshake_never_sent_is_dropped(make_server):
    server = make_server(handshake_timeout=0.3)
    sock = socket.create_connection(address(server))
    sock.settimeout(5)
    started = time.monotonic()
    assert sock.recv(100) == b""  # closed by the server
    assert time.monotonic() - started < 2
    sock.close()


def test_text_without_a_flush_is_bounded_even_without_limits(make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    ws = raw_connect(url(server))
    for _ in range(30):  # 60,000 characters, none flushed: the 26th goes over
        ws.send(json.dumps({"type": "Speak", "text": "word " * 400}))
    _, _, code, reason = read_until_close(ws)
    assert (code, reason) == (1008, "too much text waiting to be spoken (the limit is 50000 characters)")


def speaking_a_long_flush(server):
    """A connection whose one Flush holds 40,000 characters, once its first audio came: (it, seconds to that)."""
    ws = raw_connect(url(server))
    for _ in range(20):
        ws.send(json.dumps({"type": "Speak", "text": "A sentence of some words to speak. " * 57}))
    ws.send('{"type": "Flush"}')
    started = time.monotonic()
    while ws.recv_data()[0] != 2:
        pass
    return ws, time.monotonic() - started


def test_a_long_flush_starts_at_once_and_stops_when_the_client_leaves(make_server):
    ws, first_audio = speaking_a_long_flush(make_server(chars_per_minute=None, flushes_per_minute=None))
    assert first_audio < 2, f"{first_audio:.1f} s: the whole flush was split before speaking"
    assert synth_threads()
    ws.sock.shutdown(socket.SHUT_RDWR)
    ws.sock.close()
    assert wait_until(lambda: not synth_threads(), 2), "synthesis went on after the client left"


def test_close_during_a_long_synthesis_is_answered_at_once(make_server):
    ws, _ = speaking_a_long_flush(make_server(chars_per_minute=None, flushes_per_minute=None))
    ws.send('{"type": "Close"}')
    started = time.monotonic()
    _, _, code, _ = read_until_close(ws)
    assert code == 1000 and time.monotonic() - started < 1.5


def test_half_a_utf16_pair_is_skipped_not_a_crash(offline_server, caplog):
    caplog.set_level(logging.WARNING)
    ws = raw_connect(url(offline_server))
    ws.send('{"type": "Speak", "text": "Half a pair \\ud800 here. And \\udfff there."}')
    ws.send('{"type": "Flush"}')
    messages, audio = read_until_flushed(ws)
    ws.send('{"type": "Close"}')
    assert read_until_close(ws)[2] == 1000
    assert messages[-1] == {"type": "Flushed", "sequence_id": 0} and len(audio) > 24000
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_engine_turns_go_to_whoever_runs_out_of_audio_first():
    """Earliest deadline first; among equal deadlines, first come first served."""
    turns = EngineTurns()
    order = []
    release = threading.Event()

    def holder():
        with turns.turn(0.0):
            release.wait(5)
            order.append("holder")

    def waiter(name, deadline):
        with turns.turn(deadline):
            order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    time.sleep(0.05)
    others = []
    for name, deadline in [("late", 30.0), ("new reader", 0.0), ("soon", 2.0), ("also new", 0.0)]:
        thread = threading.Thread(target=waiter, args=(name, deadline))
        thread.start()
        assert wait_until(lambda: len(turns._waiting) == len(others) + 1, 2)
        others.append(thread)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert order == ["holder", "new reader", "also new", "soon", "late"]
