"""A fuzz of what a server may send the client, frame by frame: random text, binary, fragmented, control and close
frames, valid or not. Whatever comes, the session ends once, in bounded time, without a traceback."""

import json
import logging
import queue
import struct
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.session import Session
from tests.core.helpers import Recorder, ScriptedServer
from tests.core.test_hostile_server import frame

REPLY_TIMEOUT = 0.3
CLOSE_TIMEOUT = 0.3

events = st.fixed_dictionaries(
    {"type": st.sampled_from(["Metadata", "Flushed", "Cleared", "Warning", "Other"])},
    optional={
        "sequence_id": st.integers(-5, 5) | st.text(max_size=3),
        "request_id": st.text(max_size=10),
        "description": st.text(max_size=10) | st.integers(),
        "warn_msg": st.text(max_size=10),
    },
).map(lambda event: json.dumps(event).encode())

payloads = st.binary(max_size=200) | events | st.text(max_size=50).map(str.encode)
close_payloads = st.builds(
    lambda code, reason: struct.pack("!H", code) + reason, st.integers(0, 65535), st.binary(max_size=140)
) | st.binary(max_size=3)

frames = st.one_of(
    st.tuples(st.sampled_from([0x0, 0x1, 0x2]), st.booleans(), payloads),  # data, perhaps fragmented
    st.tuples(st.just(0x9), st.just(True), st.binary(max_size=140)),  # ping
    st.tuples(st.just(0xA), st.just(True), st.binary(max_size=20)),  # pong
    st.tuples(st.sampled_from([0x3, 0xB, 0xF]), st.booleans(), st.binary(max_size=10)),  # reserved opcodes
    st.tuples(st.just(0x8), st.just(True), close_payloads),
)
endings = st.sampled_from(["silence", "drop", "close"])


class FuzzServer(ScriptedServer):
    """Plays whatever script the test hands it, raw, after the client's Speak and Flush."""

    def __init__(self):
        self.scripts: queue.Queue = queue.Queue()
        super().__init__(self._serve)

    def _serve(self, conn):
        script, ending = self.scripts.get(timeout=5)
        conn.recv()
        conn.recv()
        try:
            for opcode, fin, payload in script:
                conn.socket.sendall(frame(opcode, payload, fin))
            if ending == "close":
                conn.socket.sendall(frame(0x8, struct.pack("!H", 1000)))
            if ending == "drop":
                conn.socket.close()
                return
            time.sleep(REPLY_TIMEOUT + CLOSE_TIMEOUT + 1)
        except OSError:
            pass


def test_any_frames_from_a_server_end_the_session_cleanly(caplog):
    caplog.set_level(logging.WARNING)
    with FuzzServer() as server:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.lists(frames, max_size=12), endings)
        def run(script, ending):
            server.scripts.put((script, ending))
            recorder = Recorder()
            session = Session(server.url + "/v1/speak", recorder, reply_timeout=REPLY_TIMEOUT,
                              close_timeout=CLOSE_TIMEOUT)
            session.connect()
            session.speak("Hello.")
            session.flush()
            started = time.monotonic()
            closure = session.wait(REPLY_TIMEOUT + 3)
            session.abort()
            assert closure is not None, f"no end after {time.monotonic() - started:.1f} s"
            assert recorder.closed.wait(1) and recorder.closures == [closure]
            assert str(closure).isprintable()

        run()
    # (The test server's own library complains of the raw frames written past it: only the client counts.)
    client = [r for r in caplog.records if r.name.startswith("core") and (r.levelno >= logging.ERROR or r.exc_info)]
    assert not client, caplog.text
