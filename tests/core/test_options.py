import pytest

from core.options import (
    OptionError, SpeakOptions, may_send_key, normalize_base_url, speak_url,
)


def test_default_options_make_deepgrams_url():
    url = speak_url("wss://api.deepgram.com", SpeakOptions())
    assert url == "wss://api.deepgram.com/v1/speak?model=aura-2-thalia-en&encoding=linear16&sample_rate=24000"


def test_optional_parameters_appear_only_when_set():
    url = speak_url("wss://h", SpeakOptions("aura-2-luna-en", "mulaw", 16000, 1.25, True))
    assert url.endswith("model=aura-2-luna-en&encoding=mulaw&sample_rate=16000&speed=1.25&mip_opt_out=true")
    assert SpeakOptions(encoding="alaw").rate == 8000


@pytest.mark.parametrize("options, named", [
    (SpeakOptions(model="tts-1"), "'tts-1'"),
    (SpeakOptions(encoding="mp3"), "'mp3'"),
    (SpeakOptions(sample_rate=22050), "22050"),
    (SpeakOptions(encoding="mulaw", sample_rate=24000), "24000"),
    (SpeakOptions(speed=2.0), "2"),
    (SpeakOptions(speed=0.5), "0.5"),
    (SpeakOptions(model="aura-asteria-en", speed=1.2), "aura-asteria-en"),
])
def test_bad_values_are_refused_with_a_message_naming_them(options, named):
    with pytest.raises(OptionError, match=named):
        options.validate()


def test_every_streaming_rate_is_accepted():
    for rate in (8000, 16000, 24000, 32000, 44100, 48000):
        SpeakOptions(sample_rate=rate).validate()
    for enc in ("mulaw", "alaw"):
        for rate in (8000, 16000):
            SpeakOptions(encoding=enc, sample_rate=rate).validate()


@pytest.mark.parametrize("given, expected", [
    ("wss://api.deepgram.com", "wss://api.deepgram.com"),
    ("https://api.eu.deepgram.com/", "wss://api.eu.deepgram.com"),
    ("http://10.1.2.3:8080/v1/speak", "ws://10.1.2.3:8080"),
    ("ws://tts.local:9000/prefix/", "ws://tts.local:9000/prefix"),
])
def test_base_urls_are_normalized(given, expected):
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["api.deepgram.com", "ftp://x", "ws://", "ws://h:99999"])
def test_bad_base_urls_are_refused(bad):
    with pytest.raises(OptionError):
        normalize_base_url(bad)


def test_the_key_goes_only_over_tls_or_to_loopback():
    assert may_send_key("wss://api.deepgram.com/v1/speak")
    assert may_send_key("ws://127.0.0.1:5/v1/speak")
    assert may_send_key("ws://localhost:5/v1/speak")
    assert may_send_key("ws://[::1]:5/v1/speak")
    assert not may_send_key("ws://tts.example.com/v1/speak")
    assert not may_send_key("ws://192.168.1.5:8080/v1/speak")
    assert may_send_key("ws://192.168.1.5:8080/v1/speak", allow_insecure=True)
