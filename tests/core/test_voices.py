from core.voices import load_catalog

PROTOCOL_COUNTS = {"en": 41 + 12, "es": 17, "de": 7, "nl": 9, "fr": 2, "it": 9, "ja": 5}


def test_catalog_has_every_aura_voice_by_language():
    catalog = load_catalog()
    groups = catalog.by_language()
    assert {lang: len(v) for lang, v in groups.items()} == PROTOCOL_COUNTS
    assert catalog.get("aura-2-thalia-en").generation == "aura-2"
    assert catalog.get("aura-asteria-en").generation == "aura"
    assert catalog.language_name("es") == "Spanish"


def test_catalog_entries_are_consistent_with_their_model_names():
    for voice in load_catalog().voices:
        assert voice.model.endswith(f"-{voice.language}")
        assert voice.name.lower() in voice.model
        assert voice.gender in ("", "feminine", "masculine")
