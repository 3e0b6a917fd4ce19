"""core.reader: a whole document through the real offline server, within the protocol's limits."""

import threading
import time

from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.reader import Reader, ReaderConfig, ReaderListener
from core.tracking import FIRST_SEGMENT_CHARS, plan_segments
from tests.core.helpers import wait_until

SHORT_SENTENCES = " ".join(f"Line {i} is short." for i in range(40))  # ~750 characters, 40 sentences


class Collect(ReaderListener):
    def __init__(self) -> None:
        self.audio = bytearray()
        self.spans = []
        self.warnings = []
        self.finished = []
        self.stopped_event = threading.Event()
        self.audio_after_stop = 0

    def on_audio(self, data):
        if self.stopped_event.is_set():
            self.audio_after_stop += len(data)
        self.audio += data

    def on_span_done(self, span):
        self.spans.append(span)

    def on_warning(self, message):
        self.warnings.append(message)

    def on_finished(self, result):
        self.finished.append(result)


def read(text, server, limits, **reader_kwargs):
    listener = Collect()
    config = ReaderConfig(speak_url(server.url, SpeakOptions()), limits=limits)
    reader = Reader(text, config, listener, **reader_kwargs)
    reader.start()
    return reader, listener


def test_a_document_is_read_within_the_servers_limits(make_server):
    # Deepgram's limits scaled down to a 1.5 s window, so the test sees several windows.
    server = make_server(chars_per_minute=300, flushes_per_minute=6, rate_window=1.5)
    reader, listener = read(SHORT_SENTENCES, server, Limits(300, 6, 1.5))
    result = reader.wait(60)
    assert result.ok and result.complete, str(result)
    assert listener.finished == [result]
    assert listener.warnings == []
    # short sentences were grouped: fewer flushes than sentences, and the spans tile the text
    assert 1 < len(reader.spans) < 40
    assert reader.spans[0].start == 0 and reader.spans[-1].end == len(SHORT_SENTENCES)
    for before, after in zip(reader.spans, reader.spans[1:]):
        assert before.end == after.start
        assert before.audio_end == after.audio_start
    assert reader.spans[-1].audio_end == len(listener.audio) == result.audio_bytes
    assert result.chars_sent == len(SHORT_SENTENCES)


def test_without_pacing_the_same_document_trips_the_character_limit(make_server):
    server = make_server(chars_per_minute=300, flushes_per_minute=6, rate_window=1.5)
    reader, _ = read(SHORT_SENTENCES, server, Limits.unlimited())
    result = reader.wait(30)
    assert not result.ok
    assert result.closure.deepgram_code == "DATA-0001"
    assert "2400 characters a minute" in str(result)


def test_an_ignored_flush_is_retried_and_nothing_is_lost(make_server):
    server = make_server(chars_per_minute=None, flushes_per_minute=4, rate_window=1.0)
    text = "One. Two. Three. Four. Five. Six. Seven. Eight."
    reader, listener = read(text, server, Limits(None, None, 1.0))
    result = reader.wait(30)
    assert result.ok and result.complete, str(result)
    assert any("EXCESSIVE_FLUSH" in w for w in listener.warnings)
    assert reader.spans[-1].end == len(text)


def test_stop_is_immediate_and_no_audio_follows_it(make_server):
    server = make_server(frame_bytes=512, chars_per_minute=None, flushes_per_minute=None)
    text = "This sentence goes on for a good while so that audio is still streaming. " * 40
    reader, listener = read(text, server, Limits.unlimited())
    while not listener.audio:
        pass
    reader.stop()
    listener.stopped_event.set()
    result = reader.wait(10)
    assert result.stopped and not result.complete
    assert result.closure.ok and str(result) == "Closed: 1000 Normal Closure"
    assert listener.audio_after_stop == 0
    assert result.close_seconds < 1.0


def test_stop_before_connecting_ends_cleanly(offline_server):
    reader, listener = read("Hello.", offline_server, Limits())
    reader.stop()
    result = reader.wait(10)
    assert result.stopped
    assert len(listener.finished) == 1


def test_a_refused_connection_is_the_result(offline_server):
    listener = Collect()
    config = ReaderConfig(offline_server.url + "/v1/speak?model=aura-2-nobody-en")
    reader = Reader("Hello.", config, listener)
    reader.start()
    result = reader.wait(10)
    assert result.error is not None and result.error.status == 400
    assert not result.ok and listener.finished == [result]


def test_reading_from_an_offset_reports_document_offsets(offline_server):
    text = "Skip this part. Read from here. And this."
    start = text.index("Read")
    reader, listener = read(text, offline_server, Limits.unlimited(), start=start)
    result = reader.wait(10)
    assert result.complete
    assert reader.spans[0].start == start and reader.spans[-1].end == len(text)


def test_the_first_segment_is_short_so_audio_starts_fast():
    long_sentence = "This opening sentence rambles on, " * 20 + "and ends here. Then a second."
    segments = list(plan_segments(long_sentence, 0, len(long_sentence), 2000))
    assert len(segments[0].text) <= FIRST_SEGMENT_CHARS
    assert segments[0].start == 0 and segments[0].end == segments[1].start
    assert "".join(s.text for s in segments) == long_sentence


def test_whitespace_only_text_closes_normally_with_nothing_to_say(offline_server):
    reader, listener = read(" \n\t ", offline_server, Limits())
    result = reader.wait(10)
    assert result.ok and result.complete and result.audio_bytes == 0


def test_with_a_player_the_reader_stays_a_bounded_distance_ahead(offline_server):
    text = "A sentence of ordinary length for the reader to send. " * 200  # 11,000 characters
    listener = Collect()
    config = ReaderConfig(speak_url(offline_server.url, SpeakOptions()), limits=Limits.unlimited(),
                          lookahead_chars=600)
    heard = [0]
    reader = Reader(text, config, listener, played_bytes=lambda: heard[0])
    reader.start()
    # Until everything sent so far has come back as audio, nothing is heard.
    assert wait_until(lambda: reader.spans and reader.spans[-1].audio_end, 20)
    time.sleep(0.3)
    assert 600 <= reader.chars_sent <= 600 + 2 * 60, "nothing heard yet: only the lookahead was sent"
    # the listener catches up: the reader sends on
    heard[0] = reader.spans[-1].audio_end
    assert wait_until(lambda: reader.chars_sent > 1000, 20)
    reader.stop()
    assert reader.wait(10).stopped


def test_audio_positions_map_back_to_the_sentence_being_heard(offline_server):
    text = "First sentence here. Second one follows. Third is last."
    reader, listener = read(text, offline_server, Limits.unlimited())
    assert reader.wait(10).complete
    assert reader.segment_at_audio(0).text == "First sentence here. "
    last = reader.spans[-1]
    assert reader.segment_at_audio(last.audio_end - 2).text == "Third is last."
    middle = reader.spans[1]
    assert reader.segment_at_audio((middle.audio_start + middle.audio_end) // 2).text == "Second one follows. "
    assert reader.char_at_audio(10**9) == len(text)


def test_audio_positions_are_found_by_search_as_a_walk_would_find_them(make_server):
    # The lookups run several times a second through a whole book, so they search; check them against a walk.
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    text = " ".join(f"Sentence {i} is short." for i in range(60)) + "\n\nA last paragraph ends it."
    reader, _ = read(text, server, Limits.unlimited())
    assert reader.wait(30).complete

    def walked(audio_byte):
        for span in reader.spans:
            if audio_byte < span.audio_end:
                share = max(0, audio_byte - span.audio_start) / max(1, span.audio_end - span.audio_start)
                offset = span.start + int(share * (span.end - span.start))
                break
        else:
            offset = reader.spans[-1].end
        return next((s for s in reader.segments if s.start <= offset < s.end), reader.segments[-1])

    total = reader.spans[-1].audio_end
    for audio_byte in range(1, total + 4000, 997):
        assert reader.segment_at_audio(audio_byte) == walked(audio_byte), audio_byte
