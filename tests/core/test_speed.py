"""Listening at 0.5x-4x on every voice: played through the ALSA file device, the audio lasts the source's
length divided by the speed, keeps its pitch, loses nothing at the end, and its pauses shrink more than speech
when asked; the server is asked for `speed` only where Aura-2 takes it. Source audio is a voiced test sound
shaped like Aura-2's (tests/core/voiced_server.py), and eSpeak NG's own speech for the offline voice."""

import pytest

from core import endpoints
from core.options import OptionError, SpeakOptions
from core.playback import Playback, PlaybackRequest, PlaybackState
from core.speed import plan
from tests.core.helpers import local_endpoint
from tests.core.speech_measure import pitch, runs, seconds
from tests.core.test_playback import Events
from tests.core.voiced_server import F0, PAUSE, SPEECH_PER_CHAR, VoicedServer, sentence_audio

LEAD = 24000 * 150 // 1000 * 2  # the player's lead-in, in bytes
SENTENCES = ["Every voice reads at the speed chosen.", "Its pitch stays where it was.", "Nothing is lost."]
TEXT = " ".join(SENTENCES)
AURA2, AURA1 = "aura-2-thalia-en", "aura-asteria-en"


def play(player, alsa_capture, request: PlaybackRequest) -> tuple[bytes, Playback]:
    events = Events()
    before = len(alsa_capture())
    playback = Playback(request, events, output=player)
    playback.start()
    result = playback.wait(60)
    assert result is not None and result.state is PlaybackState.FINISHED, (result, events.states)
    return alsa_capture()[before + LEAD:], playback


@pytest.fixture
def voiced():
    with VoicedServer() as server:
        yield server


def test_the_plan_puts_what_it_can_on_the_voice_and_the_rest_here():
    assert (plan(3, AURA2, offline=False).server, plan(3, AURA2, offline=False).client) == (1.5, 2.0)
    assert (plan(0.5, AURA2, offline=False).server, round(plan(0.5, AURA2, offline=False).client, 3)) == (0.7, 0.714)
    assert (plan(1.2, AURA2, offline=False).server, plan(1.2, AURA2, offline=False).client) == (1.2, 1.0)
    assert (plan(4, AURA1, offline=False).server, plan(4, AURA1, offline=False).client) == (1.0, 4.0)
    assert (plan(4, AURA1, offline=True).server, plan(4, AURA1, offline=True).client) == (4.0, 1.0)
    assert plan(2, AURA2, offline=False).smart_pauses and not plan(1.5, AURA2, offline=False).smart_pauses
    assert not plan(3, AURA2, offline=False, smart=False).smart_pauses
    for wrong in (0.4, 4.1, float("nan")):
        with pytest.raises(OptionError, match="outside 0.5-4"):
            plan(wrong, AURA2, offline=False)


@pytest.mark.parametrize("model", [AURA2, AURA1])
@pytest.mark.parametrize("speed", [0.5, 1.0, 2.0, 3.0, 4.0])
def test_every_speed_lasts_the_source_over_the_speed_and_keeps_the_pitch(player, alsa_capture, voiced, model,
                                                                        speed):
    request = PlaybackRequest(TEXT, SpeakOptions(model=model), local_endpoint(voiced.url), speed=speed,
                              smart_speed=False)
    played, playback = play(player, alsa_capture, request)
    server_speed = playback.speed.server
    # The server was asked for its part, and only where it takes one.
    query = voiced.queries[-1]
    if model == AURA2 and speed != 1.0:
        assert float(query["speed"]) == server_speed == min(1.5, max(0.7, speed))
    else:
        assert "speed" not in query
    source = seconds(bytes(voiced.sent)) * server_speed  # the same text at 1x
    assert seconds(played) == pytest.approx(source / speed, rel=0.03)
    assert pitch(played) == pytest.approx(F0, rel=0.03)
    # Each sentence is there, the last one whole: nothing is dropped at the end.
    sounds = [length for loud, length in runs(played) if loud]
    assert len(sounds) == len(SENTENCES)
    expected_last = len(SENTENCES[-1]) * SPEECH_PER_CHAR / speed
    assert sounds[-1] == pytest.approx(expected_last, abs=0.03 + 0.03 * expected_last)


def test_smart_speed_shortens_pauses_more_than_speech_and_never_removes_them(player, alsa_capture, voiced):
    lengths = {}
    for smart in (False, True):
        request = PlaybackRequest(TEXT, SpeakOptions(model=AURA2), local_endpoint(voiced.url), speed=3.0,
                                  smart_speed=smart)
        played, _ = play(player, alsa_capture, request)
        found = runs(played)
        lengths[smart] = ([length for loud, length in found if loud],
                          [length for loud, length in found if not loud])
    plain_speech, plain_pauses = lengths[False]
    smart_speech, smart_pauses = lengths[True]
    assert sum(smart_speech) == pytest.approx(sum(plain_speech), rel=0.05)  # speech plays at 3x either way
    # Between sentences: 0.4 s at 1x is 0.133 s at 3x, and half that with smart speed, but never under 80 ms.
    assert [round(p, 2) for p in plain_pauses[:2]] == pytest.approx([PAUSE / 3] * 2, abs=0.02)
    assert [round(p, 2) for p in smart_pauses[:2]] == pytest.approx([0.08] * 2, abs=0.02)


@pytest.mark.parametrize("speed", [0.5, 2.0, 4.0])
def test_the_offline_voice_reaches_each_speed_with_its_own_rate(player, alsa_capture, speed):
    endpoint = endpoints.offline_endpoint()
    text = "The offline voice speaks faster or slower with its own rate, and its pitch stays the same."
    played_1x, _ = play(player, alsa_capture, PlaybackRequest(text, SpeakOptions(), endpoint, smart_speed=False))
    played, playback = play(player, alsa_capture, PlaybackRequest(text, SpeakOptions(), endpoint, speed=speed,
                                                                  smart_speed=False))
    assert (playback.speed.server, playback.speed.client) == (speed, 1.0)
    # eSpeak shortens its pauses more than its speech as it speeds up (its own smart speed): the speech lasts
    # the source's over the speed, the pauses no longer than that.
    speech = [sum(length for loud, length in runs(audio) if loud) for audio in (played_1x, played)]
    assert speech[1] == pytest.approx(speech[0] / speed, rel=0.08)
    assert 0.8 * seconds(played_1x) / speed <= seconds(played) <= 1.05 * seconds(played_1x) / speed
    assert pitch(played) == pytest.approx(pitch(played_1x), rel=0.05)


def test_speak_out_saves_the_audio_at_the_speed_chosen(voiced, tmp_path):
    from core.cli import main
    from core.wav import read_wav

    saved = {}
    for speed in ("1", "2.5"):
        path = tmp_path / f"at-{speed}.wav"
        code = main(["speak", TEXT, "--url", voiced.url, "--voice", AURA1, "--speed", speed, "--no-smart-speed",
                     "--no-play", "--out", str(path), "--quiet"])
        assert code == 0
        _tag, rate, _bits, data = read_wav(path)
        saved[speed] = data
    assert seconds(saved["2.5"]) == pytest.approx(seconds(saved["1"]) / 2.5, rel=0.03)
    assert pitch(saved["2.5"]) == pytest.approx(F0, rel=0.03)


def test_a_recording_in_mulaw_is_sped_up_in_mulaw():
    from core import g711
    from core.playback.speed_feed import SpeedRecorder

    source = sentence_audio(TEXT)
    written = bytearray()
    recorder = SpeedRecorder(written.extend, "mulaw", 24000, plan(2.0, AURA1, offline=False, smart=False))
    encoded = g711.encode(source, "mulaw")
    for at in range(0, len(encoded), 1001):
        recorder.feed(encoded[at:at + 1001])
    recorder.finish()
    assert len(written) == pytest.approx(len(encoded) / 2, rel=0.02)  # one byte a sample, half as many
    assert pitch(g711.decode(bytes(written), "mulaw")) == pytest.approx(F0, rel=0.03)
