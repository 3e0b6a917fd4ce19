"""core.tracking and the reader at book size: segments are made as they are needed, what was heard is forgotten,
and the mapping from audio to text stays exact through a reading of any length."""

import pytest

from core.chunking import iter_segments
from core.options import SpeakOptions, speak_url
from core.pacing import Limits
from core.reader import Reader, ReaderConfig, ReaderListener
from core.tracking import FORGET_BATCH, TextAudioMap
from tests.core.helpers import BYTES_PER_CHAR, ByteVoiceServer
from tests.core.test_chunking_size import BOOK_SENTENCES

def test_the_map_forgets_what_was_heard_and_still_maps_what_is_heard_now():
    text = BOOK_SENTENCES * 1000  # 150 KB
    tracking = TextAudioMap(iter_segments(text, 0, len(text), 250), 0)
    audio = number = 0
    largest = 0
    while (segment := tracking.segment(number)) is not None:
        tracking.add_span(number, number)
        audio += len(segment.text) * BYTES_PER_CHAR
        span = tracking.span_done(audio)
        number += 1
        # Halfway through the span just received: the heard position is inside it, and so is its segment.
        middle = (span.audio_start + span.audio_end) // 2
        offset = tracking.char_at_audio(middle)
        assert span.start <= offset < span.end
        assert tracking.segment_at(offset) == segment
        tracking.forget_before(offset, number)
        largest = max(largest, len(tracking.segments), len(tracking.spans))
    assert tracking.spans_done == tracking.spans_flushed == number > 10 * FORGET_BATCH
    assert largest < 2 * FORGET_BATCH + 2
    assert tracking.char_at_audio(audio + 10) == len(text)  # past the end: the end


class Collect(ReaderListener):
    def __init__(self) -> None:
        self.audio = 0
        self.spans = []
        self.kept = 0
        self.reader = None
        self.finished = None

    def on_audio(self, data):
        self.audio += len(data)

    def on_span_done(self, span):
        self.spans.append(span)
        if len(self.spans) % 500 == 0:
            self.kept = max(self.kept, len(self.reader.segments), len(self.reader.spans))

    def on_finished(self, result):
        self.finished = result


@pytest.mark.parametrize("listening", [True, False], ids=["heard-as-received", "recorded-only"])
def test_a_book_is_read_through_with_memory_for_a_few_thousand_sentences(listening):
    text = BOOK_SENTENCES * 1000  # 150 KB: 5,000 sentences
    with ByteVoiceServer() as server:
        listener = Collect()
        config = ReaderConfig(speak_url(server.url, SpeakOptions()), limits=Limits.unlimited())
        played = (lambda: listener.audio) if listening else None
        reader = Reader(text, config, listener, played_bytes=played)
        listener.reader = reader
        reader.start()
        result = reader.wait(60)
    assert result is not None and result.complete, result
    spans = listener.spans
    assert spans[0].start == 0 and spans[-1].end == len(text) and len(spans) > 10 * FORGET_BATCH
    for before, after in zip(spans, spans[1:]):
        assert before.end == after.start and before.audio_end == after.audio_start
        assert after.audio_end - after.audio_start == len(text[after.start:after.end]) * BYTES_PER_CHAR
    assert result.audio_bytes == spans[-1].audio_end == len(text) * BYTES_PER_CHAR
    assert 0 < listener.kept < 3 * FORGET_BATCH, listener.kept


@pytest.mark.parametrize("listening", [True, False], ids=["heard-as-received", "recorded-only"])
def test_a_sentence_longer_than_the_lookahead_is_flushed_in_pieces_not_waited_for_forever(listening):
    """Pieces of one long sentence go without a Flush; held back by the lookahead, the reader must flush what
    the server holds, or no audio comes and the lookahead never moves."""
    sentence = "and then, " * 1500 + "the end."  # 15,000 characters: one sentence, pieces of at most 2,000
    with ByteVoiceServer() as server:
        listener = Collect()
        config = ReaderConfig(speak_url(server.url, SpeakOptions()), limits=Limits.unlimited(), lookahead_chars=1500,
                              send_ahead_chars=3000)
        reader = Reader(sentence, config, listener, played_bytes=(lambda: listener.audio) if listening else None)
        listener.reader = reader
        reader.start()
        result = reader.wait(20)
    assert result is not None and result.complete, result
    assert result.audio_bytes == len(sentence) * BYTES_PER_CHAR
