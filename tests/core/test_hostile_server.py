"""The client against servers that misbehave on purpose: huge or endless messages, pings instead of audio,
stray replies, broken close frames and escape sequences. Every one ends in bounded time with one clear line."""

import io
import json
import os
import struct
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from core.cli import main
from core.frames import MAX_MESSAGE_BYTES
from core.reader import Reader, ReaderConfig, ReaderListener
from core.retry import RetryPolicy
from core.protocol import Flushed
from core.session import ClosureKind, Session
from tests.core.helpers import Recorder, ScriptedServer, ToneVoiceServer, synthesize

ROOT = Path(__file__).resolve().parents[2]


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A server frame (unmasked), length encoded as RFC 6455 says."""
    head = bytes([(0x80 if fin else 0) | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([127]) + struct.pack("!Q", len(payload))
    return head + payload


def wait_for_speak_and_flush(conn) -> None:
    conn.recv()
    conn.recv()


def linger(conn, seconds: float = 10) -> None:
    """Keep the connection open without answering, until the client leaves."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            conn.recv(timeout=deadline - time.monotonic())
    except Exception:
        pass


def session_against(handler, **kwargs):
    """Run a session that sends Speak + Flush against `handler`; return its closure and the seconds it took."""
    with ScriptedServer(handler) as server:
        recorder = Recorder()
        session = Session(server.url + "/v1/speak", recorder, **kwargs)
        started = time.monotonic()
        session.connect()
        session.speak("Hello.")
        session.flush()
        closure = session.wait(10)
        took = time.monotonic() - started
        session.abort()
    assert closure is not None, "the session never ended"
    assert recorder.closures == [closure]
    return closure, took, recorder


def test_a_frame_larger_than_any_audio_is_refused_by_its_header():
    def huge(conn):
        wait_for_speak_and_flush(conn)
        conn.socket.sendall(frame(0x2, b"", fin=True)[:1] + bytes([127]) + struct.pack("!Q", 50 * 2**20))
        conn.socket.sendall(b"\0" * 2**20)  # the start of it; the client must not wait for the rest
        linger(conn)

    closure, took, rec = session_against(huge)
    assert closure.kind is ClosureKind.BROKEN
    assert str(closure) == ("Connection lost: the server sent a message of 52,428,800 bytes (the limit is "
                            f"{MAX_MESSAGE_BYTES:,}): Aloud refused it and closed the connection")
    assert took < 3 and not rec.audio


def test_fragments_count_toward_the_size_cap():
    def fragments(conn):
        wait_for_speak_and_flush(conn)
        conn.send(b"\0" * 65536 for _ in range(100))  # one message in 100 fragments: 6.5 MB

    closure, _, rec = session_against(fragments)
    assert "the server sent a message of 4,259,840 bytes" in str(closure)
    assert not rec.audio


def test_pings_do_not_stand_in_for_audio():
    def pings(conn):
        wait_for_speak_and_flush(conn)
        for _ in range(200):
            conn.ping()
            time.sleep(0.02)

    closure, took, _ = session_against(pings, reply_timeout=0.5)
    assert closure.kind is ClosureKind.TIMEOUT, str(closure)
    assert took < 3


def test_a_frame_trickling_in_a_byte_at_a_time_times_out():
    def trickle(conn):
        wait_for_speak_and_flush(conn)
        conn.socket.sendall(bytes([0x82, 126]) + struct.pack("!H", 1000))
        for _ in range(200):
            conn.socket.sendall(b"\0")
            time.sleep(0.02)

    closure, took, rec = session_against(trickle, reply_timeout=0.5)
    assert closure.kind is ClosureKind.TIMEOUT and took < 3
    assert not rec.audio


def test_a_fragmented_message_that_never_ends_times_out():
    def endless(conn):
        wait_for_speak_and_flush(conn)

        def parts():
            for _ in range(200):
                yield b"\0\0"
                time.sleep(0.02)

        try:
            conn.send(parts())
        except Exception:
            pass

    closure, took, rec = session_against(endless, reply_timeout=0.5)
    assert closure.kind is ClosureKind.TIMEOUT and took < 3
    assert not rec.audio


class Finished(ReaderListener):
    def __init__(self):
        self.warnings = []
        self.done = threading.Event()

    def on_warning(self, message):
        self.warnings.append(message)

    def on_finished(self, result):
        self.done.set()


def test_a_flush_left_unanswered_among_chatter_ends_the_reading():
    """Answers the first Flush (and repeats its Flushed), then sends only warnings: the reading must end."""
    def answers_once(conn):
        flushes = 0
        for message in conn:
            kind = json.loads(message)["type"]
            if kind == "Flush" and flushes == 0:
                conn.send(b"\1\1" * 20)
                conn.send(json.dumps({"type": "Flushed", "sequence_id": 0}))
                flushes += 1
            elif kind == "Flush":
                for _ in range(100):
                    conn.send(json.dumps({"type": "Flushed", "sequence_id": 0}))
                    conn.send(json.dumps({"type": "Warning", "description": "still here", "code": "X"}))
                    time.sleep(0.05)
                return

    with ScriptedServer(answers_once) as server:
        listener = Finished()
        # No reconnecting (a silent server is retryable): this is about the session's own bound on the wait.
        config = ReaderConfig(server.url + "/v1/speak", reply_timeout=0.5, retry=RetryPolicy(budget=0))
        reader = Reader("First sentence. Second sentence.", config, listener)
        started = time.monotonic()
        reader.start()
        result = reader.wait(10)
    assert result is not None and time.monotonic() - started < 4
    assert not result.ok and not result.complete
    assert str(result).startswith("Timed out: no audio came for")
    assert any("sequence_id 0 answers no Flush" in w for w in listener.warnings)


class StrayFlushedServer(ToneVoiceServer):
    """Says Flushed for Flushes never sent (999, -5) before each real answer."""

    def _serve(self, ws):
        original_send = ws.send

        def send(message, *args, **kwargs):
            if isinstance(message, str) and '"Flushed"' in message:
                original_send(json.dumps({"type": "Flushed", "sequence_id": 999}))
                original_send(json.dumps({"type": "Flushed", "sequence_id": -5}))
            elif isinstance(message, bytes) and not getattr(send, "paused", False):
                send.paused = True
                time.sleep(0.2)  # the stray ids arrive first, while the real audio is still to come
            return original_send(message, *args, **kwargs)

        ws.send = send
        super()._serve(ws)


def test_a_stray_flushed_does_not_lose_the_last_sentence():
    with StrayFlushedServer() as server:
        text = "One sentence here. And the last one."
        audio = synthesize(server.url, text)
    assert audio == bytes(server.sent) and len(audio) == len(text) * 480


@pytest.mark.parametrize("reason, shown", [
    (b"x" * 200, "x" * 200),
    (b"bad \xff\xfe utf-8", "bad \ufffd\ufffd utf-8"),
])
def test_an_oversized_or_undecodable_close_reason_is_still_shown(reason, shown):
    def close(conn):
        wait_for_speak_and_flush(conn)
        conn.socket.sendall(frame(0x8, struct.pack("!H", 4000) + reason))
        linger(conn, 2)

    closure, _, _ = session_against(close)
    assert closure.kind is ClosureKind.SERVER_ERROR
    assert (closure.code, closure.reason) == (4000, shown)
    assert str(closure).startswith(f"Closed: 4000 {shown[:20]}")


def test_what_a_server_says_reaches_the_terminal_without_control_characters():
    def hostile(conn):
        conn.send(json.dumps({"type": "Metadata", "request_id": "\x1b]0;owned\x07id", "model_name": "m\x1b[2J",
                              "model_version": "\r\x1b[1AClosed: 1000 Normal Closure", "model_uuid": "u"}))
        for message in conn:
            kind = json.loads(message)["type"]
            if kind == "Flush":
                conn.send(json.dumps({"type": "Warning", "description": "\x1b[31mred\u202e\n", "code": "\x07"}))
                conn.send(json.dumps({"type": "Fut\x1b[2Jure"}))
                conn.send(json.dumps({"type": "Flushed", "sequence_id": "\x1b[2J"}))
                conn.send(b"\0\0" * 100)
                conn.send(json.dumps({"type": "Flushed", "sequence_id": 0}))
            elif kind == "Close":
                conn.close(1000, "Normal\x1b[2J Closure")
                return

    with ScriptedServer(hostile) as server:
        out = io.StringIO()
        code = main(["speak", "Hi there.", "--url", server.url, "--no-play"], stdin=io.StringIO(), stdout=out)
    printed = out.getvalue()
    assert code == 0, printed
    # What is left of an escape sequence is plain text: it can no longer move the cursor or retitle the window.
    assert "Warning: Server warning: [31mred\n" in printed and "Closed: 1000 Normal[2J Closure\n" in printed
    assert [c for c in printed if unicodedata.category(c) in ("Cc", "Cf") and c != "\n"] == []


def test_speak_against_a_huge_frame_exits_1_with_one_line_and_little_memory():
    """As a process: the exit status, the one line, and the peak memory of refusing a 50 MB frame."""
    def huge(conn):
        wait_for_speak_and_flush(conn)
        try:
            conn.send(b"\0" * 50 * 2**20)
        except Exception:
            pass

    # VmHWM, not ru_maxrss: the latter keeps the forking test process's size across exec.
    program = (
        "import re, runpy, sys\n"
        "sys.argv = ['main.py'] + sys.argv[1:]\n"
        "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
        "finally:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print('peak', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    with ScriptedServer(huge) as server:
        done = subprocess.run([sys.executable, "-c", program, "speak", "Hello.", "--url", server.url, "--no-play",
                               "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("Connection lost: the server sent a message of 52,428,800")
    assert "Traceback" not in done.stderr
    peak_kb = int(done.stderr.split("peak")[-1])
    assert peak_kb < 60_000, f"peak RSS {peak_kb} KB: the frame was held"


def test_a_flushed_arriving_before_send_returns_is_still_accepted():
    """A server on loopback can answer before the sending thread has noted its Flush: it must not look stray."""
    def instant(conn):
        flushes = 0
        for message in conn:
            if json.loads(message)["type"] == "Flush":
                conn.send(json.dumps({"type": "Flushed", "sequence_id": flushes}))
                flushes += 1

    with ScriptedServer(instant) as server:
        recorder = Recorder()
        session = Session(server.url + "/v1/speak", recorder)
        session.connect()
        for _ in range(300):
            session.flush()
        assert all(recorder.flushed.acquire(timeout=5) for _ in range(300))
        session.abort()
    assert [e for e in recorder.events if not isinstance(e, Flushed)] == []


def test_a_server_that_ignores_every_flush_is_left_and_the_reading_gives_up_in_bounded_time():
    """Each ignored Flush is tried again later; a server that ignores them all is not waited on for ever."""
    flushes = []
    connections = []

    def ignore_flushes(conn):
        connections.append(conn)
        for message in conn:
            if json.loads(message)["type"] == "Flush":
                flushes.append(len(connections))
                conn.send(json.dumps({"type": "Warning", "warn_code": "EXCESSIVE_FLUSH", "warn_msg": "slow down"}))

    from core.pacing import Limits
    from core.sending import MAX_IGNORED_FLUSHES

    with ScriptedServer(ignore_flushes) as server:
        # A short rate window, so that each Flush is tried again a tenth of a second later.
        config = ReaderConfig(server.url + "/v1/speak", limits=Limits(None, 100, window=0.4),
                              retry=RetryPolicy(first=0.05, cap=0.1, budget=1.0))
        reader = Reader("One sentence.", config, ReaderListener())
        started = time.monotonic()
        reader.start()
        result = reader.wait(20)
    assert result is not None and not result.ok and time.monotonic() - started < 5, str(result)
    assert str(result).startswith(f"Connection lost: the server ignored {MAX_IGNORED_FLUSHES} Flushes in a row")
    # Each connection was sent the first Flush and its retries, and no more.
    assert len(connections) >= 2
    assert all(flushes.count(n) == MAX_IGNORED_FLUSHES for n in range(1, len(connections) + 1))
