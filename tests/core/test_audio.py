"""Real playback through ALSA's file device: what is played is captured byte for byte and compared."""

import threading
import time

import numpy as np
import pytest

from tests.conftest import assert_same_audio, capture_files

from core import g711, pcm
from core.audio import AudioListener, PlayerState, create_output
from core.audio.cutting import CutPolicy, choose_cut, quiet_cuts
from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.reader import Reader, ReaderConfig, ReaderListener
from tests.core.helpers import synthesize

BACKENDS = ["simpleaudio", "sounddevice"]
RATE = 24000
LEAD_IN_MS = 150
LEAD = RATE * LEAD_IN_MS // 1000 * 2  # bytes

SHORT = "Hello there. How are you?"
LONG = " ".join(
    f"This is sentence number {i}, which the reader speaks, and the player plays without a gap." for i in range(12)
)


class Events(AudioListener):
    def __init__(self) -> None:
        self.started = threading.Event()
        self.drained = threading.Event()
        self.errors = []

    def on_started(self):
        self.started.set()

    def on_drained(self):
        self.drained.set()

    def on_error(self, error):
        self.errors.append(error)


class Feed(ReaderListener):
    """Passes the reading's audio to a player, keeping a copy of exactly what the server sent."""

    def __init__(self, player) -> None:
        self.player = player
        self.received = bytearray()

    def on_audio(self, data):
        self.received += data
        self.player.feed(data)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def play_reading(server, backend, text, encoding="linear16", rate=RATE, **player_kwargs):
    events = Events()
    player = create_output(backend, events, **player_kwargs)
    options = SpeakOptions(encoding=encoding, sample_rate=rate)
    player.begin(encoding, options.rate)
    feed = Feed(player)
    reader = Reader(text, ReaderConfig(speak_url(server.url, options), limits=Limits.unlimited()), feed,
                    played_bytes=lambda: player.position * options.bytes_per_sample)
    reader.start()
    result = reader.wait(60)
    assert result.ok and result.complete, str(result)
    player.end_of_stream()
    assert events.drained.wait(60), "playback never finished"
    events.final_position = player.position
    player.close()
    return bytes(feed.received), events, player


@pytest.mark.parametrize("text", [SHORT, LONG], ids=["short", "long"])
def test_what_is_played_equals_what_the_server_sent(make_server, alsa_capture, backend, text):
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    received, events, player = play_reading(server, backend, text)
    captured = alsa_capture()
    assert captured[:LEAD] == bytes(LEAD), "the lead-in is silence"
    assert_same_audio(captured[LEAD:], received)
    assert events.started.is_set() and not events.errors
    assert events.final_position == len(received) // 2


@pytest.mark.parametrize("frame_bytes", [1, 333, 4097])
def test_odd_frame_sizes_that_split_samples(make_server, alsa_capture, backend, frame_bytes):
    server = make_server(chars_per_minute=None, flushes_per_minute=None, frame_bytes=frame_bytes)
    received, _, _ = play_reading(server, backend, SHORT)
    assert_same_audio(alsa_capture()[LEAD:], received)


@pytest.mark.parametrize("encoding, rate", [("mulaw", 8000), ("alaw", 16000)])
def test_mulaw_and_alaw_are_decoded_for_playback(make_server, alsa_capture, backend, encoding, rate):
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    received, _, _ = play_reading(server, backend, SHORT, encoding=encoding, rate=rate)
    lead = rate * LEAD_IN_MS // 1000 * 2
    assert_same_audio(alsa_capture()[lead:], g711.decode(received, encoding))


def test_lead_in_is_adjustable_and_can_be_off(make_server, alsa_capture, backend):
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    received, _, _ = play_reading(server, backend, SHORT, lead_in_ms=0)
    assert_same_audio(alsa_capture(), received)


def test_volume_scales_the_samples(make_server, alsa_capture, backend):
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    received, _, _ = play_reading(server, backend, SHORT, volume=0.5)
    played = np.frombuffer(alsa_capture()[LEAD:], "<i2").astype(int)
    source = np.frombuffer(received, "<i2").astype(int)
    assert np.all(np.abs(played - source * 0.5) <= 1)


def play_with_pauses(backend, audio, pauses=4):
    """Feed audio in pieces and pause/resume between and during plays."""
    events = Events()
    player = create_output(backend, events)
    player.begin()
    step = len(audio) // (pauses + 1) & ~1
    for i in range(pauses + 1):
        player.feed(audio[i * step : (i + 1) * step if i < pauses else len(audio)])
        time.sleep(0.01)
        player.pause()
        assert player.state is PlayerState.PAUSED
        held = player.position
        time.sleep(0.05)
        assert player.position == held, "a paused player holds its position"
        player.resume()
    player.end_of_stream()
    assert events.drained.wait(30)
    player.close()
    return player


def test_pause_and_resume_in_the_middle_lose_nothing_sounddevice(offline_server, alsa_capture):
    audio = synthesize(offline_server.url, LONG[:400])
    play_with_pauses("sounddevice", audio)
    assert_same_audio(alsa_capture()[LEAD:], audio)


def test_pause_and_resume_in_the_middle_lose_nothing_simpleaudio(offline_server, alsa_capture):
    # simpleaudio cannot pause a buffer: pause stops it (so the device may get only the first part of that
    # segment) and resume replays from the last quiet point before what was heard. Each segment is a stream
    # of its own, and the file device writes each stream to a file of its own, in order. So: each file holds a
    # leading part of the range the player handed over, and each range starts no later than the furthest
    # point the device has received: nothing is skipped, and the whole stream is played. (Matched file by
    # file: in the joined capture, a stream that ends inside digital silence cannot be told from the next.)
    audio = synthesize(offline_server.url, LONG[:400])
    player = play_with_pauses("simpleaudio", audio)
    streams = [path.read_bytes() for path in capture_files()]
    assert len(streams) == len(player.handed), "one stream on the device for each range handed over"
    streams[0] = streams[0][LEAD:]  # the lead-in comes before the first range
    reached = 0  # stream samples the device has received, from the start without a hole
    for (start, end), played in zip(player.handed, streams):
        assert start <= reached, f"samples {reached}-{start} were skipped"
        assert played == audio[2 * start : 2 * start + len(played)] and len(played) <= 2 * (end - start), (
            f"the device got something other than a leading part of samples {start}-{end}"
        )
        reached = max(reached, start + len(played) // 2)
    assert reached == len(audio) // 2


def test_stop_in_the_middle_plays_nothing_more_and_a_new_stream_starts_at_once(alsa_capture, backend):
    tone = (np.sin(np.arange(RATE * 5) * 2 * np.pi * 220 / RATE) * 8000).astype("<i2").tobytes()
    events = Events()
    player = create_output(backend, events)
    player.begin()
    player.feed(tone)
    assert events.started.wait(5)
    player.stop()
    assert player.state is PlayerState.IDLE
    size_at_stop = len(alsa_capture())
    time.sleep(0.3)
    # simpleaudio's C thread may still write the 100 ms buffer it was about to write when the stop flag was
    # set, and then drains the device, which still holds the buffer before it: the file device writes
    # them out as its null slave plays them, up to 217 ms after stop returned in a CI run on 2 loaded cores.
    # sounddevice aborts its stream: nothing at all.
    allowed = RATE * 250 // 1000 * 2 if backend == "simpleaudio" else 0
    settled = len(alsa_capture())
    assert settled - size_at_stop <= allowed, "nothing was played after stop returned"
    player.feed(tone)  # audio of a stopped stream is dropped
    time.sleep(0.1)
    assert len(alsa_capture()) == settled
    # A new stream starts at once on the same player.
    after = Events()
    player.listener = after
    player.begin()
    player.feed(b"\x01\x00" * 1000)
    player.end_of_stream()
    assert after.drained.wait(5)
    assert_same_audio(alsa_capture()[-2000:], b"\x01\x00" * 1000)
    player.close()


def test_the_player_thread_is_gone_after_close(backend):
    before = {t.name for t in threading.enumerate()}
    player = create_output(backend)
    player.begin()
    player.feed(b"\x00\x00" * 2400)
    player.close()
    time.sleep(0.1)
    assert {t.name for t in threading.enumerate()} <= before


def test_a_finished_reading_leaves_the_device_idle(backend, alsa_capture):
    """Once drained, the player writes nothing more and its thread sleeps (a laptop's battery and a headset's
    power save depend on it); the next stream still starts with its lead-in."""
    events = Events()
    player = create_output(backend, events)
    player.begin()
    player.feed(b"\x01\x00" * 4800)
    player.end_of_stream()
    assert events.drained.wait(10)
    played = len(alsa_capture())
    busy = time.thread_time  # this thread's CPU: the player's is measured as the process's less it
    process_before, own_before = time.process_time(), busy()
    time.sleep(1.0)
    player_cpu = (time.process_time() - process_before) - (busy() - own_before)
    assert len(alsa_capture()) == played, "the device was written to after the reading ended"
    assert player_cpu < 0.05, f"the player used {player_cpu:.2f} s of CPU in the second after the end"
    events.drained.clear()
    player.begin()
    player.feed(b"\x01\x00" * 2400)
    player.end_of_stream()
    assert events.drained.wait(10)
    assert alsa_capture()[played:played + LEAD] == bytes(LEAD), "the next stream starts with its lead-in"
    player.close()


# --- the cut policy ---------------------------------------------------------------------------------

def speechlike(pattern):
    """Concatenated tone ('s', ms) and silence ('q', ms) runs, as the player hands them to the cut policy."""
    parts = []
    for kind, ms in pattern:
        n = RATE * ms // 1000
        if kind == "s":
            parts.append((np.sin(np.arange(n) * 0.3) * 6000).astype("<i2"))
        else:
            parts.append(np.zeros(n, dtype="<i2"))
    return pcm.samples(np.concatenate(parts).tobytes())


def test_cuts_fall_in_the_middle_of_quiet_runs():
    audio = speechlike([("s", 300), ("q", 40), ("s", 300), ("q", 10), ("s", 200)])
    assert quiet_cuts(audio, RATE, CutPolicy()) == [RATE * 320 // 1000]  # the 10 ms run is too short


def test_choose_cut_waits_for_silence_then_forces_at_the_cap():
    policy = CutPolicy(max_segment_ms=1000)
    talking = speechlike([("s", 600)])
    assert choose_cut(talking, RATE, policy, final=False, urgent=False) is None
    forced = choose_cut(speechlike([("s", 1200)]), RATE, policy, final=False, urgent=False)
    assert forced is not None and not forced.quiet and forced.end <= RATE
    urgent = choose_cut(talking, RATE, policy, final=False, urgent=True)
    assert urgent is not None and not urgent.quiet
    assert choose_cut(talking, RATE, policy, final=True, urgent=False).end == len(talking)
    quiet = choose_cut(speechlike([("s", 300), ("q", 40), ("s", 300), ("q", 40), ("s", 100)]), RATE, policy,
                       final=False, urgent=False)
    assert quiet.quiet and quiet.end == RATE * 660 // 1000
