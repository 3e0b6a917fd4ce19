"""The app's settings as one typed object over QSettings, and the API key in the OS keyring.

The key never goes to QSettings: it lives in the keyring (Secret Service, Keychain, Windows Credential
Locker) when one is available; `DEEPGRAM_API_KEY` in the environment is used for the run and never saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields

from PySide6.QtCore import QSettings

from core.endpoints import Preference, environment_key
from core.playback import BACKENDS
from core.options import DEFAULT_MODEL, ENCODINGS

log = logging.getLogger(__name__)

KEYRING_SERVICE = "Aloud"
KEYRING_USER = "deepgram-api-key"
ENDPOINTS = tuple(p.value for p in Preference)
THEMES = ("system", "light", "dark", "high-contrast")


@dataclass
class AppSettings:
    endpoint: str = "deepgram"  # with no key, "deepgram" falls back to the offline voice
    self_hosted_url: str = ""
    allow_insecure_key: bool = False
    voice: str = DEFAULT_MODEL
    encoding: str = "linear16"
    sample_rate: int = 0  # 0: the encoding's default
    speed: float = 1.0  # 0.5-4
    smart_speed: bool = True  # above 1.5x pauses shrink more than speech
    volume: int = 100
    backend: str = "auto"
    font_points: int = 16
    theme: str = "system"
    last_dir: str = ""
    favourites: str = ""  # favourite voice models, comma-separated
    replace_file_without_asking: bool = False  # text from another app may take an open file's place unasked
    close_to_tray: bool = False  # closing the window leaves Aloud running in the tray
    told_close_to_tray: bool = False  # the first such close has said so
    global_shortcut: str = ""  # a key grabbed for the whole desktop that reads the selection ("": none; X11)

    @property
    def favourite_voices(self) -> list[str]:
        return [m for m in self.favourites.split(",") if m]

    @classmethod
    def load(cls, store: QSettings | None = None) -> "AppSettings":
        store = store or QSettings()
        values = {}
        for f in fields(cls):
            default = f.default
            raw = store.value(f.name, default)
            try:
                if isinstance(default, bool):
                    value = raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1")
                else:
                    value = type(default)(raw)
            except (TypeError, ValueError):
                log.info("setting %s had an unreadable value %r; using the default", f.name, raw)
                value = default
            values[f.name] = value
        settings = cls(**values)
        settings._sanitize()
        return settings

    def save(self, store: QSettings | None = None) -> None:
        store = store or QSettings()
        for f in fields(self):
            store.setValue(f.name, getattr(self, f.name))
        store.sync()

    def _sanitize(self) -> None:
        """A hand-edited or old settings file must not stop the app from starting."""
        if self.endpoint not in ENDPOINTS:
            self.endpoint = "deepgram"
        if self.encoding not in ENCODINGS:
            self.encoding = "linear16"
        if self.backend not in BACKENDS:
            self.backend = "auto"
        if self.theme not in THEMES:
            self.theme = "system"
        self.volume = max(0, min(100, self.volume))
        self.font_points = max(8, min(48, self.font_points))


class KeyStore:
    """The API key in the OS keyring. Every method says, rather than raises, when there is no keyring.

    The keyring is imported and its backend found on first use (about 0.2 s: not before the first frame),
    and the key is read once and kept: `load_in_background` reads it off the GUI thread at start-up.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one reader of the keyring at a time; a second get() waits for the first
        self._cached: str | None = None
        self._imported = False
        self._keyring = None
        self._error: type[Exception] = Exception

    def _module(self):
        if not self._imported:
            try:
                import keyring
                from keyring.errors import KeyringError
            except ImportError:
                self._keyring = None
            else:
                self._keyring, self._error = keyring, KeyringError
            self._imported = True
        return self._keyring

    @property
    def available(self) -> bool:
        keyring = self._module()
        if keyring is None:
            return False
        return getattr(keyring.get_keyring(), "priority", 0) > 0

    def why_unavailable(self) -> str:
        if self._module() is None:
            return "The keyring package is not installed, so the key cannot be stored."
        return ("No system keyring (Secret Service, KWallet, Keychain or Credential Locker) is available, "
                "so the key cannot be stored: set DEEPGRAM_API_KEY instead.")

    def get(self) -> str:
        with self._lock:
            if self._cached is None:
                self._cached = self._read()
            return self._cached

    def load_in_background(self, done: Callable[[], None]) -> None:
        """Read the key on a thread of its own, then call `done` (from that thread)."""
        def load() -> None:
            self.get()
            done()

        threading.Thread(target=load, name="aloud-keyring", daemon=True).start()

    def _read(self) -> str:
        if not self.available:
            return ""
        try:
            return self._keyring.get_password(KEYRING_SERVICE, KEYRING_USER) or ""
        except self._error as exc:
            log.warning("could not read the key from the keyring: %s", type(exc).__name__)
            return ""

    def set(self, key: str) -> str:
        """Store (or with "", delete) the key. Returns "" on success, else a sentence for the user."""
        if not self.available:
            return self.why_unavailable()
        try:
            if key:
                self._keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
            else:
                try:
                    self._keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
                except self._error:
                    pass  # nothing stored
        except self._error as exc:
            return f"The keyring refused the key ({type(exc).__name__})."
        with self._lock:
            self._cached = key
        return ""


def api_key(store: KeyStore) -> tuple[str, str]:
    """The key for this run and where it came from: the environment first, then the keyring."""
    from_env = environment_key()
    if from_env:
        return from_env, "environment"
    stored = store.get()
    return (stored, "keyring") if stored else ("", "")


def masked(key: str) -> str:
    """Enough of a key to recognise it, never enough to use it."""
    if not key:
        return ""
    return "•" * 8 + key[-4:] if len(key) > 12 else "•" * 8
