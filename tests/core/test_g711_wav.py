import struct

import numpy as np
import pytest

from core import g711
from core.wav import WavWriter, read_wav


@pytest.mark.parametrize("encoding", ["mulaw", "alaw"])
def test_g711_code_tables_round_trip(encoding):
    codes = bytes(range(256))
    back = g711.encode(g711.decode(codes, encoding), encoding)
    differing = [i for i in range(256) if back[i] != codes[i]]
    # mu-law has two codes for zero (0x7F and 0xFF); everything else maps back to itself
    assert differing == ([0x7F] if encoding == "mulaw" else [])


@pytest.mark.parametrize("encoding", ["mulaw", "alaw"])
def test_g711_error_is_within_the_logarithmic_step(encoding):
    x = np.arange(-32768, 32768, 7, dtype="<i2")
    y = np.frombuffer(g711.decode(g711.encode(x.tobytes(), encoding), encoding), "<i2").astype(int)
    assert np.all(np.abs(y - x) <= np.abs(x.astype(int)) / 8 + 64)


def test_g711_reference_values():
    # G.711: mu-law 0x00 is the most negative value, 0x80 the most positive; A-law 0xD5 is +8.
    assert np.frombuffer(g711.decode(b"\x00\x80\xff", "mulaw"), "<i2").tolist() == [-32124, 32124, 0]
    assert np.frombuffer(g711.decode(b"\xd5\x55", "alaw"), "<i2").tolist() == [8, -8]


@pytest.mark.parametrize("encoding, tag, bits", [("linear16", 1, 16), ("mulaw", 7, 8), ("alaw", 6, 8)])
def test_wav_writer_streams_exact_bytes_with_the_right_format_tag(tmp_path, encoding, tag, bits):
    path = tmp_path / "a.wav"
    with WavWriter(path, encoding, 16000) as wav:
        wav.write(b"\x01\x02\x03")
        wav.write(b"\x04")
    assert read_wav(path) == (tag, 16000, bits, b"\x01\x02\x03\x04")
    raw = path.read_bytes()
    assert struct.unpack("<I", raw[4:8])[0] == len(raw) - 8


def test_wav_with_odd_length_is_padded_but_keeps_its_size(tmp_path):
    path = tmp_path / "odd.wav"
    with WavWriter(path, "mulaw", 8000) as wav:
        wav.write(b"abc")
    assert read_wav(path)[3] == b"abc"
    assert len(path.read_bytes()) % 2 == 0


def test_linear16_wav_opens_with_the_standard_library(tmp_path):
    import wave

    path = tmp_path / "pcm.wav"
    with WavWriter(path, "linear16", 24000) as wav:
        wav.write(b"\x00\x01" * 100)
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnframes()) == (24000, 2, 100)
