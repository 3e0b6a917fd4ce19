import pytest

from core.pacing import FlushBudget, Limits, Pacer, SlidingWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_counts_only_the_last_window():
    clock = FakeClock()
    window = SlidingWindow(100, 60, clock)
    assert window.add(60) and window.add(40)
    assert not window.add(1)
    assert window.delay(1) == pytest.approx(60)
    clock.now += 30
    assert window.delay(1) == pytest.approx(30)
    clock.now += 30
    assert window.delay(60) == 0 and window.add(60)
    assert window.used() == 60


def test_sliding_window_refuses_an_amount_that_never_fits():
    with pytest.raises(ValueError):
        SlidingWindow(10, 1, FakeClock()).delay(11)


def test_flush_budget_bursts_then_spreads():
    clock = FakeClock()
    budget = FlushBudget(3, 0.25, clock)
    delays = []
    for _ in range(4):
        delays.append(budget.delay())
        budget.take()
    assert delays == [0, 0, 0, pytest.approx(4)]  # the fourth was taken early: it is owed
    assert budget.delay() == pytest.approx(8)
    clock.now += 8
    assert budget.delay() == 0


def simulate(pacer: Pacer, clock: FakeClock, wanted_flushes: int, step: float) -> list[float]:
    """Flush as often as the pacer allows; return the flush times."""
    times = []
    while len(times) < wanted_flushes:
        delay = pacer.flush_delay()
        clock.now += max(delay, step)
        pacer.note_flush()
        times.append(clock.now)
    return times


def test_pacer_never_exceeds_deepgrams_flush_limit_in_any_window():
    clock = FakeClock()
    pacer = Pacer(Limits(), clock)
    times = simulate(pacer, clock, 200, 0.01)
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u - t < 60]
        assert len(in_window) <= 20
    # the first flush is not held back
    assert times[0] - 1000.0 == pytest.approx(0.01)


def test_pacer_characters_stay_under_the_limit_with_margin():
    clock = FakeClock()
    pacer = Pacer(Limits(), clock)
    assert pacer.max_speak_chars == 2000
    sent = []
    while len(sent) < 40:
        delay = pacer.speak_delay(300)
        clock.now += delay
        pacer.note_speak(300)
        sent.append(clock.now)
    for i, t in enumerate(sent):
        assert 300 * len([u for u in sent[i:] if u - t < 60]) <= 2400


def test_unlimited_pacer_never_waits():
    pacer = Pacer(Limits.unlimited(), FakeClock())
    assert pacer.speak_delay(2000) == 0 and pacer.flush_delay() == 0


def test_small_limits_shrink_the_segment_size():
    assert Pacer(Limits(chars_per_window=200, flushes_per_window=6, window=2)).max_speak_chars == 190
