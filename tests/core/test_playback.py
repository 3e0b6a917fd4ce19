"""core.playback without Qt: every state a reading goes through, pause/resume/stop in each, audio failures and the
drain, against real servers on loopback and the ALSA file device (byte for byte)."""

import socket
import threading
import time

import pytest

from core.audio import AudioError, AudioOutput
from core.options import SpeakOptions
from core.pacing import Limits
from core.playback import Playback, PlaybackListener, PlaybackRequest, PlaybackState
from core.wav import read_wav
from tests.conftest import assert_same_audio
from tests.core.helpers import ToneVoiceServer, local_endpoint, wait_until

S = PlaybackState
SHORT = "Hello there. How are you?"
LONG = " ".join(f"Sentence number {i} keeps the reading going for a while." for i in range(40))
LEAD = 24000 * 150 // 1000 * 2  # the player's lead-in, in bytes


class Events(PlaybackListener):
    def __init__(self) -> None:
        self.states: list[PlaybackState] = []
        self.heard = []
        self.spans = []
        self.audio = bytearray()
        self.closed = []
        self.finished = []
        self.audio_errors = []

    def on_state(self, state):
        self.states.append(state)

    def on_heard(self, heard):
        self.heard.append(heard)

    def on_span_received(self, span):
        self.spans.append(span)

    def on_audio(self, data):
        self.audio += data

    def on_audio_error(self, error):
        self.audio_errors.append(error)

    def on_closed(self, reading):
        self.closed.append(reading)

    def on_finished(self, result):
        self.finished.append(result)

    def reach(self, state, timeout=20):
        assert wait_until(lambda: state in self.states, timeout), f"never reached {state}: {self.states}"


def request(server_url, text=SHORT, limits=None, **options):
    return PlaybackRequest(text, SpeakOptions(**options), local_endpoint(server_url, limits))


@pytest.fixture
def quiet(make_server):
    return make_server(chars_per_minute=None, flushes_per_minute=None)


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never answers the handshake: a reading stays CONNECTING."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn, _ in accepted:
        conn.close()


def test_a_reading_is_played_to_the_end_byte_for_byte(alsa_capture, player):
    events = Events()
    with ToneVoiceServer() as server:
        playback = Playback(request(server.url, LONG), events, output=player)
        playback.start()
        result = playback.wait(60)
    assert result.ok and result.state is S.FINISHED, str(result)
    assert events.states == [S.CONNECTING, S.SPEAKING, S.FINISHED]
    assert_same_audio(alsa_capture()[LEAD:], bytes(server.sent))
    assert bytes(events.audio) == bytes(server.sent)
    assert [str(r) for r in events.closed] == ["Closed: 1000 Normal Closure"]
    assert events.finished == [result]
    # The sentence heard moved forward through the text, and the last one heard was the last sentence.
    starts = [h.start for h in events.heard]
    assert starts == sorted(starts) and len(set(starts)) >= 3  # the file device plays faster than real time
    assert events.heard[-1].end == len(LONG)
    assert playback.heard() == events.heard[-1], "after the drain, the last sentence was the last heard"


def test_saving_without_a_player_records_exactly_what_arrived(quiet, tmp_path):
    events = Events()
    path = tmp_path / "speech.wav"
    playback = Playback(request(quiet.url, encoding="mulaw"), events, record_to=path)
    playback.start()
    result = playback.wait(30)
    assert result.ok and result.recording_kept, str(result)
    assert events.states == [S.CONNECTING, S.SPEAKING, S.FINISHED]
    tag, rate, bits, data = read_wav(path)
    assert (tag, rate, bits) == (7, 8000, 8) and data == bytes(events.audio) and len(data) == result.recorded_bytes
    assert events.spans[-1].end == len(SHORT) and events.heard == []


def test_stop_while_connecting(silent_server):
    events = Events()
    playback = Playback(request(silent_server), events)
    playback.start()
    events.reach(S.CONNECTING)
    started = time.monotonic()
    playback.stop()
    result = playback.wait(5)
    assert result is not None and time.monotonic() - started < 1, "stop cancels the handshake at once"
    assert events.states == [S.CONNECTING, S.STOPPING, S.STOPPED]
    assert result.state is S.STOPPED and not result.ok


def test_stop_while_speaking_sends_close_and_plays_nothing_more(quiet, alsa_capture, player):
    events = Events()
    playback = Playback(request(quiet.url, LONG), events, output=player)
    playback.start()
    assert wait_until(lambda: events.heard, 20)
    playback.stop()
    result = playback.wait(5)
    assert events.states == [S.CONNECTING, S.SPEAKING, S.STOPPING, S.STOPPED]
    assert str(result) == "Closed: 1000 Normal Closure" and result.state is S.STOPPED
    assert quiet.messages_received["Close"] == 1
    played = len(alsa_capture())
    time.sleep(0.3)
    assert len(alsa_capture()) == played, "nothing plays after a stop"
    playback.stop()  # again: nothing changes
    assert events.states[-1] is S.STOPPED and len(events.states) == 4


def test_pause_holds_resume_continues_and_nothing_is_lost(alsa_capture, player):
    events = Events()
    with ToneVoiceServer() as server:
        playback = Playback(request(server.url, LONG), events, output=player)
        playback.start()
        assert wait_until(lambda: len(events.heard) >= 2, 20)
        playback.pause()
        assert playback.state is S.PAUSED
        time.sleep(0.2)  # what the device already holds plays out
        held = player.position
        time.sleep(0.3)
        assert player.position == held, "paused: nothing more plays"
        playback.pause()  # again: nothing changes
        playback.resume()
        result = playback.wait(60)
    assert result.ok, str(result)
    assert events.states == [S.CONNECTING, S.SPEAKING, S.PAUSED, S.SPEAKING, S.FINISHED]
    assert_same_audio(alsa_capture()[LEAD:], bytes(server.sent))


def test_pause_and_stop_while_connecting_then_paused(silent_server, player):
    events = Events()
    playback = Playback(request(silent_server), events, output=player)
    playback.start()
    events.reach(S.CONNECTING)
    playback.pause()
    playback.resume()  # back to where it was: still connecting
    playback.pause()
    playback.stop()
    assert playback.wait(5) is not None
    assert events.states == [S.CONNECTING, S.PAUSED, S.CONNECTING, S.PAUSED, S.STOPPING, S.STOPPED]


def test_stop_while_paused_and_controls_after_the_end_do_nothing(quiet, player):
    events = Events()
    playback = Playback(request(quiet.url, LONG), events, output=player)
    playback.start()
    assert wait_until(lambda: events.heard, 20)
    playback.pause()
    playback.stop()
    result = playback.wait(5)
    assert events.states == [S.CONNECTING, S.SPEAKING, S.PAUSED, S.STOPPING, S.STOPPED]
    for control in (playback.pause, playback.resume, playback.stop):
        control()
    assert len(events.states) == 5 and playback.result is result
    with pytest.raises(RuntimeError):
        playback.start()


def test_a_reading_that_ends_while_paused_finishes_after_resume(quiet, player):
    events = Events()
    playback = Playback(request(quiet.url), events, output=player)
    playback.start()
    events.reach(S.SPEAKING)
    playback.pause()
    assert wait_until(lambda: events.closed, 20), "all the audio arrived while paused"
    time.sleep(0.3)
    assert playback.state is S.PAUSED and playback.result is None, "no drain while paused"
    playback.resume()
    result = playback.wait(20)
    assert result.ok and events.states[-2:] == [S.SPEAKING, S.FINISHED]


class BrokenOutput(AudioOutput):
    """An output whose device cannot be opened, failing as the real backends do: from its own thread, when the
    first audio comes to be played."""

    name = "broken"

    def feed(self, data):
        first = self.received == 0
        super().feed(data)
        if first:
            error = AudioError("No audio device could be opened for playback", "test device")
            threading.Thread(target=self._fail, args=(error,)).start()

    def _played_position(self):
        return 0


def test_an_audio_failure_stops_the_reading_when_nothing_is_saved(make_server):
    server = make_server()  # Deepgram's limits: the reading would take minutes
    events = Events()
    playback = Playback(request(server.url, LONG * 3, limits=Limits()), events, output=BrokenOutput())
    playback.start()
    result = playback.wait(10)
    assert result is not None, "the reading stopped"
    assert result.state is S.FAILED and result.audio_error is not None and not result.ok
    assert [str(e) for e in events.audio_errors] == ["No audio device could be opened for playback (test device)"]
    assert events.states[-1] is S.FAILED and S.STOPPED not in events.states
    assert str(result) == "Closed: 1000 Normal Closure", "the closure is reported as it was"
    assert server.messages_received["Close"] == 1


def test_an_audio_failure_still_saves_the_whole_recording(quiet, tmp_path):
    events = Events()
    path = tmp_path / "out.wav"
    playback = Playback(request(quiet.url), events, output=BrokenOutput(), record_to=path)
    playback.start()
    result = playback.wait(30)
    assert result.state is S.FAILED and result.audio_error is not None
    assert result.reading.complete and result.recording_kept
    assert read_wav(path)[3] == bytes(events.audio) and len(events.audio) > 40000


def test_a_server_error_close_fails_the_reading_with_its_closure(make_server, player):
    server = make_server(chars_per_minute=40, rate_window=60)
    events = Events()
    playback = Playback(request(server.url, "This sentence alone is longer than forty characters, surely."), events,
                        output=player)
    playback.start()
    result = playback.wait(20)
    assert result.state is S.FAILED and result.reading.closure.deepgram_code == "DATA-0001"
    assert events.states[0] is S.CONNECTING and events.states[-1] is S.FAILED


def test_a_refused_connection_fails_with_the_reason(player):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    events = Events()
    playback = Playback(request(f"ws://127.0.0.1:{port}"), events, output=player)
    playback.start()
    result = playback.wait(20)
    assert events.states == [S.CONNECTING, S.FAILED]
    assert result.reading.error is not None and result.reading.error.kind == "refused"


def test_a_stopped_save_leaves_no_part_file_when_asked(make_server, tmp_path):
    server = make_server()  # paced: still saving when stopped
    path = tmp_path / "part.wav"
    events = Events()
    playback = Playback(request(server.url, LONG * 3, limits=Limits()), events, record_to=path,
                        keep_partial_recording=False)
    playback.start()
    assert wait_until(lambda: events.spans, 20)
    playback.stop()
    result = playback.wait(5)
    assert result.state is S.STOPPED and not result.recording_kept and result.recorded_bytes > 0
    assert not path.exists()


class SlowToSilence(AudioOutput):
    """An output whose stop takes as long as the test wants (a player thread in a blocking write)."""

    name = "slow"

    def __init__(self):
        super().__init__(lead_in_ms=0)
        self.release = threading.Event()
        self.stopping = threading.Event()

    def _played_position(self):
        return 0

    def _stop_device(self):
        self.stopping.set()
        self.release.wait(5)


def test_stop_sends_close_before_it_silences_the_output(quiet):
    output = SlowToSilence()
    events = Events()
    playback = Playback(request(quiet.url, LONG), events, output=output)
    playback.start()
    assert wait_until(lambda: events.audio, 20)
    stopper = threading.Thread(target=playback.stop)
    stopper.start()
    assert output.stopping.wait(5)
    # The output is still being silenced, and the server already has the Close.
    assert wait_until(lambda: quiet.messages_received["Close"] == 1, 5)
    assert stopper.is_alive()
    output.release.set()
    stopper.join(5)
    assert playback.wait(5).state is S.STOPPED


def test_a_shared_output_is_let_go_by_a_stopped_reading(quiet, player, alsa_capture):
    """The window reuses one player: a reading stopped just before the next starts must not touch it again."""
    first_events, second_events = Events(), Events()
    first = Playback(request(quiet.url, LONG), first_events, output=player)
    first.start()
    assert wait_until(lambda: first_events.heard, 20)
    first.stop()
    with ToneVoiceServer() as server:
        second = Playback(request(server.url), second_events, output=player)
        second.start()
        assert first.wait(5).state is S.STOPPED
        result = second.wait(30)
    assert result.ok, str(result)
    assert alsa_capture()[-len(server.sent):] == bytes(server.sent)
