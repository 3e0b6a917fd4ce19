"""Settings: typed values over QSettings, the API key in the keyring (never in QSettings), themes."""

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtGui import QPalette

from core.voices import load_catalog
from gui.settings import AppSettings, KeyStore, api_key, masked
from gui.settings_dialog import SettingsDialog
from gui.themes import contrast_ratio, palette_for

KEY = "dg_secret_key_0123456789"


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def settings_file_text(tmp_path):
    return "".join(p.read_text() for p in (tmp_path / "settings").rglob("*.ini"))


def test_settings_round_trip_and_bad_values_fall_back_to_defaults():
    s = AppSettings.load()
    assert s.endpoint == "deepgram" and s.volume == 100
    s.voice, s.speed, s.theme, s.allow_insecure_key = "aura-2-luna-en", 1.25, "dark", True
    s.save()
    again = AppSettings.load()
    assert (again.voice, again.speed, again.theme, again.allow_insecure_key) == ("aura-2-luna-en", 1.25, "dark", True)
    store = QSettings()
    store.setValue("theme", "neon")
    store.setValue("volume", "loud")
    store.setValue("font_points", 500)
    store.sync()
    bad = AppSettings.load()
    assert (bad.theme, bad.volume, bad.font_points) == ("system", 100, 48)


def test_the_key_goes_to_the_keyring_and_never_to_qsettings(memory_keyring, tmp_path, qtbot):
    keys = KeyStore()
    assert keys.available
    settings = AppSettings.load()
    dialog = SettingsDialog(settings, keys, load_catalog())
    qtbot.addWidget(dialog)
    dialog.key.setText(KEY)
    dialog.accept()
    settings.save()
    assert memory_keyring.store[("Aloud", "deepgram-api-key")] == KEY
    assert KEY not in settings_file_text(tmp_path)
    assert dialog.key.text() == ""
    # Opened again, the key is recognisable but not shown.
    again = SettingsDialog(settings, keys, load_catalog())
    qtbot.addWidget(again)
    assert KEY not in again.key.placeholderText() and KEY[-4:] in again.key.placeholderText()
    assert api_key(keys) == (KEY, "keyring")
    again._forget_key()
    assert api_key(keys) == ("", "")


def test_without_a_keyring_the_dialog_says_so_and_keeps_the_key_out_of_settings(tmp_path, qtbot):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        keys = KeyStore()
        dialog = SettingsDialog(AppSettings.load(), keys, load_catalog())
        qtbot.addWidget(dialog)
        assert "No system keyring" in dialog.key_note.text()
        dialog.key.setText(KEY)
        dialog.accept()
        assert dialog.result() != SettingsDialog.DialogCode.Accepted
        assert "DEEPGRAM_API_KEY" in dialog.error.text()
        assert KEY not in settings_file_text(tmp_path)
    finally:
        keyring.set_keyring(previous)


def test_environment_key_is_used_for_the_run_and_not_saved(memory_keyring, monkeypatch, qtbot):
    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)
    keys = KeyStore()
    assert api_key(keys) == (KEY, "environment")
    dialog = SettingsDialog(AppSettings.load(), keys, load_catalog())
    qtbot.addWidget(dialog)
    assert "used for this run and never saved" in dialog.key_note.text()
    dialog.accept()
    assert memory_keyring.store == {}


def test_a_bad_self_hosted_url_keeps_the_dialog_open_with_a_message(qtbot):
    dialog = SettingsDialog(AppSettings.load(), KeyStore(), load_catalog())
    qtbot.addWidget(dialog)
    dialog.endpoint.setCurrentIndex(dialog.endpoint.findData("self-hosted"))
    dialog.url.setText("tts.local:8080")
    dialog.accept()
    assert "needs a scheme" in dialog.error.text()
    dialog.url.setText("ws://tts.local:8080")
    dialog.accept()
    assert dialog.settings.self_hosted_url == "ws://tts.local:8080"


def test_sample_rates_follow_the_encoding(qtbot):
    dialog = SettingsDialog(AppSettings.load(), KeyStore(), load_catalog())
    qtbot.addWidget(dialog)
    dialog.encoding.setCurrentIndex(dialog.encoding.findData("mulaw"))
    assert [dialog.rate.itemData(i) for i in range(dialog.rate.count())] == [8000, 16000]
    dialog.accept()
    assert (dialog.settings.encoding, dialog.settings.sample_rate) == ("mulaw", 8000)


def test_masked_keys_never_show_more_than_four_characters():
    assert masked(KEY).endswith(KEY[-4:]) and KEY[:-4] not in masked(KEY)
    assert masked("short") == "••••••••"


@pytest.mark.parametrize("theme, minimum", [("light", 4.5), ("dark", 4.5), ("high-contrast", 7.0)])
def test_themes_meet_wcag_contrast(theme, minimum):
    palette = palette_for(theme)
    roles = QPalette.ColorRole
    for background, foreground in [(roles.Window, roles.WindowText), (roles.Base, roles.Text),
                                   (roles.Button, roles.ButtonText), (roles.Highlight, roles.HighlightedText),
                                   (roles.ToolTipBase, roles.ToolTipText)]:
        ratio = contrast_ratio(palette.color(background), palette.color(foreground))
        assert ratio >= minimum, f"{theme}: {background.name}/{foreground.name} is {ratio:.1f}:1"
    disabled = palette.color(QPalette.ColorGroup.Disabled, roles.Text)
    assert contrast_ratio(palette.color(roles.Base), disabled) >= 4.5
