"""core.session against the offline server and against real servers scripted to misbehave."""

import logging
import socket
import threading
import time

import pytest

from core.options import SpeakOptions, speak_url
from core.protocol import Error, Flushed, Metadata, Unknown, Warning
from core.session import ClosureKind, ConnectError, Session
from tests.core.helpers import Recorder, ScriptedServer

KEY = "dg_test_key_0123456789abcdef"


def open_session(url, recorder=None, **kwargs):
    recorder = recorder or Recorder()
    session = Session(url, recorder, **kwargs)
    session.connect()
    return session, recorder


def speak_url_for(server, **options):
    return speak_url(server.url, SpeakOptions(**options))


def test_stop_sends_close_and_ends_with_normal_closure(offline_server):
    session, rec = open_session(speak_url_for(offline_server))
    session.speak("Hello there. ")
    session.flush()
    assert rec.flushed.acquire(timeout=5)
    started = time.monotonic()
    session.close()
    closure = session.wait(5)
    assert closure.kind is ClosureKind.NORMAL and closure.ok
    assert str(closure) == "Closed: 1000 Normal Closure"
    assert time.monotonic() - started < 1
    assert rec.closures == [closure]
    assert isinstance(rec.events[0], Metadata)
    assert len(rec.audio) > 20000


def test_audio_arriving_after_close_is_discarded(make_server):
    server = make_server(frame_bytes=256)
    session, rec = open_session(speak_url_for(server))
    session.speak("A sentence long enough to still be streaming when the client says stop. " * 10)
    session.flush()
    while not rec.audio:
        time.sleep(0.001)
    session.close()
    size_at_close = len(rec.audio)
    assert session.wait(5).ok
    assert len(rec.audio) == size_at_close
    assert not session.speak("more")  # nothing is sent after Close


def test_error_close_carries_code_deepgram_code_and_sentence(offline_server):
    session, rec = open_session(speak_url_for(offline_server))
    session.speak("x" * 2001)
    closure = session.wait(5)
    assert closure.kind is ClosureKind.SERVER_ERROR and not closure.ok
    assert (closure.code, closure.deepgram_code) == (1009, "BIG-0001")
    assert str(closure).startswith("Closed: 1009 BIG-0001")
    assert "2000 characters" in str(closure)


@pytest.mark.parametrize("path, kind, status", [
    ("/v1/speak?model=aura-2-nobody-en", "bad_request", 400),
    ("/nowhere", "bad_request", 404),
])
def test_refused_handshakes_become_typed_errors(offline_server, path, kind, status):
    with pytest.raises(ConnectError) as info:
        open_session(offline_server.url + path)
    error = info.value
    assert (error.kind, error.status) == (kind, status)
    assert error.request_id
    assert "HTTP" in str(error)


def test_wrong_key_says_what_to_fix_and_is_never_logged(make_server, caplog):
    server = make_server(token="the-right-one")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConnectError) as info:
        open_session(speak_url_for(server), api_key=KEY)
    assert info.value.kind == "auth" and info.value.status == 401
    assert "API key" in str(info.value)
    assert KEY not in caplog.text and KEY not in str(info.value)


def test_the_right_token_is_sent_to_a_loopback_server(make_server):
    server = make_server(token=KEY)
    session, _ = open_session(speak_url_for(server), api_key=KEY)
    session.close()
    assert session.wait(5).ok


def test_key_is_withheld_from_plain_ws_to_another_host():
    session = Session("ws://tts.example.com/v1/speak", Recorder(), api_key=KEY)
    assert not any("Authorization" in h for h in session._headers())
    assert session.key_withheld
    allowed = Session("ws://tts.example.com/v1/speak", Recorder(), api_key=KEY, allow_insecure_key=True)
    assert any(h == f"Authorization: Token {KEY}" for h in allowed._headers())


def test_connection_refused_dns_and_timeout_are_distinct():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    with pytest.raises(ConnectError) as info:
        open_session(f"ws://127.0.0.1:{free_port}/v1/speak")
    assert info.value.kind == "refused"

    with pytest.raises(ConnectError) as info:
        open_session("ws://no-such-host.invalid/v1/speak")
    assert info.value.kind == "dns"

    with socket.socket() as silent:  # accepts TCP, never answers the HTTP upgrade
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(ConnectError) as info:
            open_session(f"ws://127.0.0.1:{silent.getsockname()[1]}/v1/speak", connect_timeout=0.3)
        assert info.value.kind == "timeout"


def test_abrupt_drop_is_a_network_failure_not_a_normal_close():
    def handler(conn):
        conn.recv()
        conn.socket.shutdown(socket.SHUT_RDWR)
        conn.socket.close()

    with ScriptedServer(handler) as server:
        session, rec = open_session(server.url + "/v1/speak")
        session.speak("hi")
        closure = session.wait(5)
    assert closure.kind is ClosureKind.DROPPED and closure.code is None
    assert str(closure).startswith("Connection lost")


def test_silent_server_times_out_while_audio_is_expected():
    def handler(conn):
        try:
            while True:
                conn.recv()
        except Exception:
            pass

    with ScriptedServer(handler) as server:
        session, rec = open_session(server.url + "/v1/speak", reply_timeout=0.3)
        time.sleep(0.5)
        assert session.closure is None, "an idle connection with nothing pending is not a timeout"
        session.speak("hi")
        session.flush()
        closure = session.wait(5)
    assert closure.kind is ClosureKind.TIMEOUT
    assert "Timed out" in str(closure)


def test_close_that_is_never_confirmed_still_ends():
    def handler(conn):
        try:
            while True:
                conn.recv()  # ignores Close
        except Exception:
            pass

    with ScriptedServer(handler) as server:
        session, _ = open_session(server.url + "/v1/speak", close_timeout=0.3)
        session.close()
        closure = session.wait(5)
    assert closure.kind is ClosureKind.UNCONFIRMED


def test_malformed_and_unknown_server_frames_do_not_end_the_session():
    def handler(conn):
        conn.recv()
        conn.recv()
        conn.send("{broken json")
        conn.send("[]")
        conn.send('{"type": "Flushed", "sequence_id": "zero"}')
        conn.send(b"\xff\xfe not utf-8", text=True)
        conn.send('{"type": "FutureThing", "x": 1}')
        conn.send('{"type": "Warning", "warn_code": "EXCESSIVE_FLUSH", "warn_msg": "slow down"}')
        conn.send(b"\x01\x02\x03")
        conn.send('{"type": "Flushed", "sequence_id": 0}')
        conn.close(1000, "Normal Closure")

    with ScriptedServer(handler) as server:
        session, rec = open_session(server.url + "/v1/speak")
        session.speak("hi")
        session.flush()
        closure = session.wait(5)
    assert closure.ok
    assert sum(isinstance(e, Error) for e in rec.events) == 4
    assert any(isinstance(e, Unknown) and e.type == "FutureThing" for e in rec.events)
    assert Warning("slow down", "EXCESSIVE_FLUSH") in rec.events
    assert Flushed(0) in rec.events
    assert bytes(rec.audio) == b"\x01\x02\x03"


def test_sending_from_many_threads_at_once(offline_server):
    session, rec = open_session(speak_url_for(offline_server))
    barrier = threading.Barrier(8)

    def send(i):
        barrier.wait()
        for _ in range(20):
            session.speak(f"word{i} ")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.flush()
    assert rec.flushed.acquire(timeout=10)
    session.close()
    assert session.wait(5).ok


def test_abort_cancels_a_connect_in_progress():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        session = Session(f"ws://127.0.0.1:{silent.getsockname()[1]}/v1/speak", Recorder(), connect_timeout=5)
        errors = []
        thread = threading.Thread(target=lambda: errors.append(pytest.raises(ConnectError, session.connect)))
        started = time.monotonic()
        thread.start()
        time.sleep(0.2)
        session.abort()
        thread.join(5)
    assert time.monotonic() - started < 2
    assert errors[0].value.kind == "cancelled"


class RedirectingServer(ScriptedServer):
    """Answers every handshake with `status` and a Location: the server a hostile endpoint points the client at."""

    def __init__(self, location: str, status: int = 302) -> None:
        from websockets.sync.server import serve

        def redirect(connection, request):
            response = connection.respond(status, "")
            response.headers["Location"] = location
            return response

        self.received = []
        self._server = serve(lambda ws: None, "127.0.0.1", 0, process_request=redirect)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


class Listening:
    """A plain TCP listener that notes whatever connects to it (and what it sends first)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.heard: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.sock.getsockname()[1]}/v1/speak"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.heard.append(conn.recv(65536))
            except OSError:
                self.heard.append(b"")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_refused_and_the_key_goes_nowhere_else(status):
    elsewhere = Listening()
    try:
        with RedirectingServer(elsewhere.url, status) as server:
            with pytest.raises(ConnectError) as caught:
                open_session(server.url + "/v1/speak", api_key=KEY)
        time.sleep(0.3)
        assert elsewhere.heard == [], "the client followed the redirect"
        error = caught.value
        assert error.kind == "redirect"
        assert str(error).startswith(f"127.0.0.1 redirected the connection to {elsewhere.url}. Aloud does not")
    finally:
        elsewhere.close()


def test_control_characters_in_a_close_reason_are_not_shown(make_server):
    def close_with_escapes(ws):
        ws.recv()
        ws.close(1008, "DATA-0000 \x1b[2J\x07bad\u202etext\n")

    with ScriptedServer(close_with_escapes) as server:
        session, rec = open_session(server.url)
        session.speak("Hello.")
        closure = session.wait(5)
    assert closure.reason == "DATA-0000 [2Jbadtext"
    assert "\x1b" not in str(closure) and "\u202e" not in str(closure)
