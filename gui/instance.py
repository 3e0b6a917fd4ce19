"""The running Aloud's end of `aloud read-selection` and the other commands: a QLocalServer at this user's
address (core/remote.py) that takes short requests from this user only, each answered with one reply line.
A client that sends garbage, too much or too slowly is dropped without disturbing the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from core.remote import (MAX_REQUEST_BYTES, REQUEST_TIMEOUT, Reply, Request, RequestError, decode_request,
                         encode_reply, instance_address, peer_is_same_user)

log = logging.getLogger(__name__)

MAX_CLIENTS = 8  # at once: a key held down sends a few; more are refused until these are answered


class InstanceServer(QObject):
    """Listens for requests and hands each to `handler`, whose Reply goes back to the client."""

    def __init__(self, handler: Callable[[Request], Reply], parent: QObject | None = None,
                 address: str | None = None) -> None:
        super().__init__(parent)
        self._handler = handler
        self.address = address or instance_address()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._clients: dict[QLocalSocket, bytearray] = {}

    def listen(self) -> bool:
        """Start listening. The caller has made sure no Aloud answers at the address, so a socket file left
        there is a crashed instance's, and is removed."""
        if self._server.listen(self.address):
            return True
        QLocalServer.removeServer(self.address)
        if self._server.listen(self.address):
            return True
        log.warning("cannot take commands at %s: %s", self.address, self._server.errorString())
        return False

    def close(self) -> None:
        for client in list(self._clients):
            client.abort()
        self._server.close()

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            client = self._server.nextPendingConnection()
            if len(self._clients) >= MAX_CLIENTS or not peer_is_same_user(int(client.socketDescriptor())):
                client.abort()
                client.deleteLater()
                continue
            self._clients[client] = bytearray()
            client.readyRead.connect(lambda c=client: self._read(c))
            client.disconnected.connect(lambda c=client: self._drop(c))
            QTimer.singleShot(int(REQUEST_TIMEOUT * 1000), client, lambda c=client: self._too_slow(c))

    def _read(self, client: QLocalSocket) -> None:
        buffer = self._clients.get(client)
        if buffer is None:
            return
        buffer += bytes(client.read(MAX_REQUEST_BYTES + 1 - len(buffer)).data())
        if b"\n" in buffer:
            line = bytes(buffer.split(b"\n", 1)[0])
            try:
                reply = self._handler(decode_request(line))
            except RequestError as exc:
                reply = Reply(False, str(exc))
            self._answer(client, reply)
        elif len(buffer) > MAX_REQUEST_BYTES:
            self._answer(client, Reply(False, "the request is too large"))

    def _answer(self, client: QLocalSocket, reply: Reply) -> None:
        self._clients.pop(client, None)
        client.write(encode_reply(reply))
        client.disconnectFromServer()  # after what was written has gone
        client.disconnected.connect(client.deleteLater)

    def _too_slow(self, client: QLocalSocket) -> None:
        if client in self._clients:
            self._drop(client)
            client.abort()

    def _drop(self, client: QLocalSocket) -> None:
        if self._clients.pop(client, None) is not None:
            client.deleteLater()
