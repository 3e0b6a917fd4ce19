"""The tone voice failing on purpose, for the tests of readings that outlive their connections."""

import json
import socket
import threading
import time

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from tests.core.helpers import ToneVoiceServer

NET_0003 = "NET-0003: the connection reached its maximum age"


class FlakyToneServer(ToneVoiceServer):
    """The tone voice (audio decided by the text alone), failing on purpose: dropping the TCP connection at given
    points of all the audio it sends, closing its first connection after its first Flushed with a given code,
    refusing handshakes, closing each connection at a maximum age as Deepgram does at 60 minutes, answering
    Flushes late, or dropping a connection that still owes audio once a newer one opens. It keeps what each Flush
    was and how much of its audio went out."""

    def __init__(self, drop_at=(), close_first_with=None, refuse_first=0, refuse_status=503, retry_after=None, *,
                 refuse_numbers=(), max_age=None, answer_delay=0.0, drop_when_replaced=False):
        self.drops = sorted(drop_at)
        self.close_first_with = close_first_with
        self.flushes: list[tuple[str, bytes, bool]] = []  # text, audio sent, whether all of it went
        self.connections = 0
        self.handshakes = 0
        self.aged_out = 0  # connections closed for their age
        self.max_age, self.answer_delay, self.drop_when_replaced = max_age, answer_delay, drop_when_replaced
        self._refused = set(range(1, refuse_first + 1)) | set(refuse_numbers)
        self._refuse_status, self._retry_after = refuse_status, retry_after
        self._lock = threading.Lock()  # connections are served on threads of their own
        self.sent, self.received = bytearray(), []  # (not ToneVoiceServer.__init__: its server has no refusals)
        self._server = serve(self._serve, "127.0.0.1", 0, compression=None, close_timeout=0.5,
                             process_request=self._refuse)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _refuse(self, connection, request):
        with self._lock:
            self.handshakes += 1
            refused = self.handshakes in self._refused
        if refused:
            response = connection.respond(self._refuse_status, "busy on purpose")
            if self._retry_after is not None:
                response.headers["Retry-After"] = str(self._retry_after)
            return response
        return None

    def _serve(self, ws):
        with self._lock:
            self.connections += 1
            number = self.connections
        deadline = None if self.max_age is None else time.monotonic() + self.max_age
        ws.send(json.dumps({"type": "Metadata", "request_id": "t", "model_name": "tone", "model_version": "1",
                            "model_uuid": "t"}))
        pending, flushes = [], 0
        while True:
            try:
                message = ws.recv(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                self.aged_out += 1
                ws.close(1011, NET_0003)
                return
            except ConnectionClosed:
                return
            kind = json.loads(message)["type"]
            if kind == "Speak":
                pending.append(json.loads(message)["text"])
            elif kind == "Flush":
                time.sleep(self.answer_delay)
                if self.drop_when_replaced and self.connections > number:
                    self._drop(ws)  # what this connection owes is lost with it
                    return
                text = "".join(pending)
                pending.clear()
                with self._lock:
                    audio = self.tone(text)
                    cut = self._cut(len(audio))
                    sent = audio if cut is None else audio[:cut]
                    self.sent += sent
                    self.flushes.append((text, sent, cut is None))
                for at in range(0, len(sent), self.FRAME_BYTES):
                    ws.send(sent[at:at + self.FRAME_BYTES])
                if cut is not None:
                    self._drop(ws)
                    return
                ws.send(json.dumps({"type": "Flushed", "sequence_id": flushes}))
                flushes += 1
                if number == 1 and self.close_first_with is not None:
                    ws.close(*self.close_first_with)
                    return
            elif kind == "Close":
                ws.close(1000)
                return

    def audio_in_whole_samples(self):
        """What a listener hears of the audio sent: a drop may cut a sample, whose first byte is not played."""
        return b"".join(sent[:len(sent) - len(sent) % 2] for _, sent, _ in self.flushes)

    @staticmethod
    def _drop(ws):
        # No close frame: the end of the stream, as when a network goes. Half-closed, and closed a moment later,
        # so that what was sent arrives (a reset could discard it, and then the test could not know what the
        # client received).
        try:
            ws.socket.shutdown(socket.SHUT_WR)
        except OSError:  # the client left first
            return
        time.sleep(0.2)

    def _cut(self, size):
        """Where in the next `size` bytes the connection is to drop, if it is."""
        if self.drops and self.drops[0] < len(self.sent) + size:
            return max(0, self.drops.pop(0) - len(self.sent))
        return None
