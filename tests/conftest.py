"""Shared test set-up: Qt offscreen, and real offline servers on ephemeral loopback ports."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from core.offline.server import OfflineServer, ServerConfig  # noqa: E402


@pytest.fixture(scope="session")
def offline_server():
    """The offline voice with Deepgram's limits, shared by tests that do not change its config."""
    with OfflineServer() as server:
        yield server


@pytest.fixture
def make_server():
    """Start an offline server with a custom ServerConfig; stopped after the test."""
    servers = []

    def start(**config) -> OfflineServer:
        server = OfflineServer(ServerConfig(**config)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
