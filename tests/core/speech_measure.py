"""What a listener would notice of sped-up audio, measured: its length, its pitch, and its runs of sound and
silence. NumPy is fine here: the tests may use it, the app does not."""

import numpy as np

FRAME = 240  # 10 ms at 24 kHz
QUIET = 500  # peak under this is silence (as the app's pause finder has it)


def as_array(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float64)


def seconds(pcm: bytes, rate: int = 24000) -> float:
    return len(pcm) // 2 / rate


def runs(pcm: bytes, rate: int = 24000) -> list[tuple[bool, float]]:
    """(loud, seconds) for each run of 10 ms frames that are all loud or all quiet, in order."""
    x = as_array(pcm)
    frame = rate // 100
    frames = np.abs(x[: len(x) // frame * frame]).reshape(-1, frame).max(axis=1) >= QUIET
    out: list[tuple[bool, float]] = []
    for loud in frames:
        if out and out[-1][0] == bool(loud):
            out[-1] = (bool(loud), out[-1][1] + 0.01)
        else:
            out.append((bool(loud), 0.01))
    return out


def pitch(pcm: bytes, rate: int = 24000) -> float:
    """The median fundamental frequency (Hz) over the loud parts, by autocorrelation in 60-400 Hz."""
    x = as_array(pcm)
    window = 2048
    found = []
    for at in range(0, len(x) - window, window):
        chunk = x[at:at + window]
        if np.sqrt(np.mean(chunk ** 2)) < 1000:
            continue
        chunk = chunk - chunk.mean()
        spectrum = np.fft.rfft(chunk, 2 * window)
        correlation = np.fft.irfft(spectrum * np.conj(spectrum))[:window]
        low, high = rate // 400, rate // 60
        lag = low + int(np.argmax(correlation[low:high]))
        if correlation[lag] > 0.3 * correlation[0]:
            found.append(rate / lag)
    assert found, "no voiced sound found"
    return float(np.median(found))
