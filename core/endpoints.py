"""Which server a reading goes to, decided in one place for every face: Deepgram with a key, a given URL,
or the embedded offline voice (started on first use, on a free loopback port).
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.options import DEEPGRAM_BASE_URL, normalize_base_url
from core.pacing import Limits

if TYPE_CHECKING:
    from core.offline.child import VoiceProcess
    from core.offline.server import OfflineServer

log = logging.getLogger(__name__)

API_KEY_ENV = "DEEPGRAM_API_KEY"
OFFLINE_LABEL = "offline voice (eSpeak NG)"


class EndpointKind(enum.Enum):
    DEEPGRAM = "deepgram"
    CUSTOM = "custom"  # a self-hosted Deepgram or a compatible server, by URL
    OFFLINE = "offline"


class Preference(enum.Enum):
    """What the user asked for; `choose_endpoint` turns it into an Endpoint."""

    DEEPGRAM = "deepgram"  # Deepgram with a key; the offline voice while there is none
    SELF_HOSTED = "self-hosted"  # the given URL
    OFFLINE = "offline"


@dataclass(frozen=True)
class Endpoint:
    kind: EndpointKind
    base_url: str  # "" for the offline voice: its server starts when the first reading needs it
    api_key: str | None
    limits: Limits
    label: str  # what the user is told they are listening to
    description: str  # "Reading with <description>."
    allow_insecure_key: bool = False  # the user allowed the key over plain ws:// to another host
    no_key: bool = False  # the offline voice because no key is set (not because it was chosen)

    @property
    def offline(self) -> bool:
        return self.kind is EndpointKind.OFFLINE

    @property
    def falls_back_offline(self) -> bool:
        """Deepgram, chosen because a key is set: with no network, readings go to the offline voice instead (a
        URL the user gave is what they asked for, and its failure is said as it is)."""
        return self.kind is EndpointKind.DEEPGRAM

    def url(self) -> str:
        """The base URL to connect to, starting the embedded offline voice if this is it."""
        return offline_url() if self.offline else self.base_url

    def __repr__(self) -> str:  # never show the key, even in a traceback or a debug log
        key = "set" if self.api_key else "none"
        return f"Endpoint({self.kind.value}, base_url={self.base_url!r}, api_key={key})"


def environment_key() -> str:
    """The key from DEEPGRAM_API_KEY ("" when unset): used for the run, never saved."""
    return os.environ.get(API_KEY_ENV, "").strip()


def offline_endpoint(no_key: bool = False) -> Endpoint:
    description = "the offline voice: no Deepgram API key is set" if no_key else "the offline voice"
    return Endpoint(EndpointKind.OFFLINE, "", None, Limits.unlimited(), OFFLINE_LABEL, description, no_key=no_key)


def choose_endpoint(
    preference: Preference = Preference.DEEPGRAM,
    *,
    url: str | None = None,
    api_key: str | None = None,
    key_source: str = "",
    allow_insecure_key: bool = False,
    for_this_run: bool = False,
) -> Endpoint:
    """OFFLINE: the offline voice. SELF_HOSTED: the server at `url` (with the key, where the key policy lets it
    go). Otherwise, or with no URL, Deepgram when a key is known, else the offline voice.
    Raises OptionError for a malformed URL.

    key_source: where the key came from, for the description ("DEEPGRAM_API_KEY", "the keyring").
    for_this_run: the URL overrides the saved choice for this run only (said in the description).
    """
    if preference is Preference.OFFLINE:
        return offline_endpoint()
    key = api_key or None
    if preference is Preference.SELF_HOSTED and url:
        base = normalize_base_url(url)
        where = f"the server at {url}" + (" (for this run)" if for_this_run else "")
        return Endpoint(EndpointKind.CUSTOM, base, key, Limits(), base, where, allow_insecure_key)
    if key:
        where = "Deepgram" + (f" (key from {key_source})" if key_source else "")
        return Endpoint(EndpointKind.DEEPGRAM, DEEPGRAM_BASE_URL, key, Limits(), "Deepgram", where)
    return offline_endpoint(no_key=True)


_embedded: OfflineServer | VoiceProcess | None = None
_embedded_lock = threading.Lock()
_in_own_process = False


def run_offline_voice_apart(apart: bool = True) -> None:
    """Whether the embedded offline voice runs in a process of its own (the window: its pure-Python synthesis
    would otherwise hold the interpreter lock the GUI thread needs) or in this one (the command line: it
    starts sooner, and nothing else here needs the lock)."""
    global _in_own_process
    _in_own_process = apart


def embedded_server() -> OfflineServer | VoiceProcess:
    """The offline voice on an ephemeral loopback port, started on first use; it has `.url`.
    Raises OSError when it cannot start."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            if _in_own_process:
                from core.offline.child import VoiceProcess

                _embedded = VoiceProcess().start()
            else:
                # Imported here: the server pulls in `websockets`, which a reading elsewhere never needs.
                from core.offline.server import OfflineServer, ServerConfig

                _embedded = OfflineServer(ServerConfig.embedded()).start()
            log.info("offline voice listening on %s", _embedded.url)
        return _embedded


def offline_url() -> str:
    """The embedded offline voice's base URL, starting it if need be. Raises OSError when it cannot start."""
    return embedded_server().url


def start_embedded_server_in_background() -> None:
    """Start the offline voice now, on a thread of its own, so that the first reading need not wait for it."""

    def start() -> None:
        try:
            embedded_server()
        except OSError as exc:  # the first reading will say so
            log.warning("the offline voice did not start: %s", exc)

    threading.Thread(target=start, name="aloud-offline-start", daemon=True).start()


def stop_embedded_server() -> None:
    global _embedded
    with _embedded_lock:
        if _embedded is not None:
            _embedded.stop()
            _embedded = None
