"""The offline voice's resampler: exact lengths, chunking that changes nothing, and the filter's quality
measured with sines against the ideal signal at the output rate."""

import math

import numpy as np
import pytest

from core.offline.resample import Resampler
from core.options import SAMPLE_RATES

ENGINE_RATE = 22050
OUTPUT_RATES = SAMPLE_RATES["linear16"]


def sine(freq: float, rate: int, seconds: float, amplitude: float = 10000) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate) * amplitude


def resample(samples: np.ndarray, out_rate: int, chunk: int | None = None) -> np.ndarray:
    data = np.round(samples).astype("<i2").tobytes()
    r = Resampler(ENGINE_RATE, out_rate)
    if chunk is None:
        out = r.process(data, last=True)
    else:
        out = b"".join(r.process(data[i : i + 2 * chunk]) for i in range(0, len(data), 2 * chunk))
        out += r.process(b"", last=True)
    return np.frombuffer(out, "<i2").astype(float)


def db(signal: np.ndarray, reference: np.ndarray) -> float:
    return 10 * math.log10(np.mean(signal**2) / np.mean(reference**2))


@pytest.mark.parametrize("out_rate", OUTPUT_RATES)
def test_length_is_exact_and_chunking_changes_nothing(out_rate):
    x = sine(700, ENGINE_RATE, 0.5)
    whole = resample(x, out_rate)
    assert len(whole) == math.ceil(len(x) * out_rate / ENGINE_RATE)
    for chunk in (1, 333, 4097):
        assert np.array_equal(resample(x, out_rate, chunk), whole)


@pytest.mark.parametrize("out_rate", OUTPUT_RATES)
def test_a_tone_in_the_passband_comes_out_as_the_same_tone(out_rate):
    freq = 0.75 * min(ENGINE_RATE, out_rate) / 2  # the top of the passband (80% of the lower Nyquist)
    y = resample(sine(freq, ENGINE_RATE, 1.0), out_rate)
    ideal = sine(freq, out_rate, len(y) / out_rate)
    middle = slice(len(y) // 10, len(y) * 9 // 10)  # the edges start and end from silence
    assert db(y[middle] - ideal[middle], ideal[middle]) < -50  # not delayed, not attenuated, not distorted


@pytest.mark.parametrize("out_rate", [8000, 16000])
def test_tones_above_the_new_nyquist_are_removed_not_folded(out_rate):
    freq = 1.15 * out_rate / 2  # would alias to just below out_rate / 2
    x = sine(freq, ENGINE_RATE, 1.0)
    y = resample(x, out_rate)
    assert db(y[len(y) // 10 : -len(y) // 10], x) < -55


@pytest.mark.parametrize("out_rate", [24000, 48000])
def test_upsampling_adds_no_image_of_the_input(out_rate):
    freq = 8000.0
    image_freq = ENGINE_RATE - freq  # 14,050 Hz, which a 24 kHz output folds to 9,950 Hz
    if image_freq > out_rate / 2:
        image_freq = out_rate - image_freq
    y = resample(sine(freq, ENGINE_RATE, 1.0), out_rate)[2000:-2000]
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    bins = np.fft.rfftfreq(len(y), 1 / out_rate)
    tone = spectrum[np.abs(bins - freq) < 50].max()
    image = spectrum[np.abs(bins - image_freq) < 50].max()
    assert 20 * math.log10(image / tone) < -55


def test_silence_stays_silent_and_full_scale_saturates():
    silence = resample(np.zeros(5000), 24000)
    assert not silence.any()
    square = np.where(np.arange(ENGINE_RATE) % 200 < 100, 32767, -32768)  # rings past full scale
    y = resample(square, 48000)
    assert y.max() == 32767 and y.min() == -32768  # clipped, never wrapped around to the other sign
    middles = np.arange(50, len(square), 100)  # the middle of each half period
    assert np.array_equal(np.sign(y[np.round(middles * 48000 / ENGINE_RATE).astype(int)]), np.sign(square[middles]))


def test_a_finished_stream_leaves_the_resampler_ready_for_the_next():
    data = np.round(sine(440, ENGINE_RATE, 0.3)).astype("<i2").tobytes()
    r = Resampler(ENGINE_RATE, 24000)
    first = r.process(data, last=True)
    assert r.process(data, last=True) == first


def test_odd_byte_counts_are_refused():
    with pytest.raises(ValueError, match="whole 16-bit samples"):
        Resampler(ENGINE_RATE, 24000).process(b"\x00\x01\x02")
