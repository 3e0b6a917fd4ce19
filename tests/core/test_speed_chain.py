"""The speed chain on its own: 1x passes audio through untouched; at every speed the map from what is heard back
to what was received lands each moment of a sentence's sound in that sentence (what the highlight follows),
smart pauses or not; a reading of hours keeps the map small; the speed can change between pieces."""

import struct

import pytest

from core.audio.speed_chain import SpeedChain
from tests.core.speech_measure import as_array, runs
from tests.core.voiced_server import RATE, voiced

PAUSE = [0] * int(0.4 * RATE)


def sentences(*lengths: float) -> tuple[bytes, list[tuple[int, int]]]:
    """Voiced sound of each length (seconds), each followed by a pause; with each sound's sample range."""
    values, where = [], []
    for length in lengths:
        sound = voiced(length)
        where.append((len(values), len(values) + len(sound)))
        values += sound + PAUSE
    return struct.pack(f"<{len(values)}h", *values), where


def run_through(chain: SpeedChain, pcm: bytes, piece: int = 4801) -> bytes:
    """Fed in odd-sized pieces, as a network delivers."""
    out = bytearray()
    for at in range(0, len(pcm), piece):
        out += chain.feed(pcm[at:at + piece])
    return bytes(out + chain.finish())


def test_at_1x_without_smart_pauses_the_audio_is_untouched():
    pcm, _ = sentences(0.5, 0.3)
    chain = SpeedChain(RATE)
    assert run_through(chain, pcm) == pcm
    assert [chain.source_at(n) for n in (0, 1000, 12345)] == [0, 1000, 12345]


@pytest.mark.parametrize("smart", [False, True])
@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0, 3.0, 4.0])
def test_each_moment_of_a_sentence_maps_back_into_that_sentence(ratio, smart):
    pcm, where = sentences(1.2, 0.6, 2.0, 0.9)
    chain = SpeedChain(RATE, ratio, smart_pauses=smart)
    out = run_through(chain, pcm)
    # The output's sounds, in order, as sample ranges.
    ranges, at = [], 0
    for loud, length in runs(out):
        count = round(length * RATE)
        if loud:
            ranges.append((at, at + count))
        at += count
    assert len(ranges) == len(where)
    for (out_start, out_end), (src_start, src_end) in zip(ranges, where):
        for share in (0.1, 0.5, 0.9):
            heard = chain.source_at(out_start + int(share * (out_end - out_start)))
            assert src_start - 0.05 * RATE <= heard <= src_end + 0.05 * RATE, (share, heard, src_start, src_end)


def test_the_speed_may_change_between_pieces():
    pcm, _ = sentences(3.0)
    chain = SpeedChain(RATE, 1.0)
    half = len(pcm) // 2 // 2 * 2
    first = chain.feed(pcm[:half])
    chain.ratio = 2.0
    second = chain.feed(pcm[half:]) + chain.finish()
    assert len(first) == half
    assert len(second) // 2 == pytest.approx((len(pcm) - half) // 2 / 2, rel=0.02)
    assert max(abs(as_array(second))) > 1000  # the sound goes on


def test_a_reading_of_hours_keeps_the_map_small():
    chain = SpeedChain(RATE, 2.0, smart_pauses=True)
    pcm, _ = sentences(0.5)
    produced = 0
    for _ in range(2000):  # 1800 s of received audio
        produced += len(chain.feed(pcm)) // 2
        chain.forget_before(produced - 30 * RATE)  # as the feed does, 30 s behind what is heard
    assert produced / RATE == pytest.approx(2000 * (0.5 / 2 + 0.4 / 2 / 2), rel=0.02)  # pauses at twice the speed
    assert chain.map_points < 5000


def test_after_a_take_back_the_chain_goes_on_from_where_the_player_stopped():
    pcm, where = sentences(1.0, 1.0)
    chain = SpeedChain(RATE, 1.0)
    first = chain.feed(pcm[: len(pcm) // 2 // 2 * 2])
    # The player gave back what it had not played after output sample `at`; from there, a new speed.
    at = len(first) // 2 - RATE // 2
    source = chain.source_at(at)
    assert source == at  # 1x so far
    chain.restart_at(at, source)
    chain.ratio = 3.0
    rest = chain.feed(pcm[2 * source:]) + chain.finish()
    assert len(rest) // 2 == pytest.approx((len(pcm) // 2 - source) / 3, rel=0.03)
    # The map: before `at` as it was; after it, three received samples an output sample.
    assert chain.source_at(at // 2) == at // 2
    assert chain.source_at(at + 3000) == pytest.approx(source + 9000, abs=300)
