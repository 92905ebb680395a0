"""The catch-up job waits longer when jobs follow each other (counted from when the last
job read), longer still after a fast stream, and clears the poke flag only after its wait,
so that pokes during the wait are folded into it."""

from types import SimpleNamespace

import pytest

from workers import jobs
from workers.context import use_runtime


@pytest.fixture
def clock(monkeypatch):
    """A fake monotonic clock that sleeping moves on; the steps taken, in order."""
    now, steps = [100.0], []

    def sleep(seconds):
        steps.append(round(seconds, 6))
        now[0] += seconds
    monkeypatch.setattr(jobs.time, "sleep", sleep)
    monkeypatch.setattr(jobs.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(jobs, "_last_finished", float("-inf"))
    monkeypatch.setattr(jobs, "_last_cleared", float("-inf"))
    monkeypatch.setattr(jobs, "_last_rate", 0.0)
    return SimpleNamespace(now=now, steps=steps)


def runtime_clearing(clear):
    return SimpleNamespace(
        settings=SimpleNamespace(catchup_linger_ms=10, catchup_busy_linger_ms=50,
                                 catchup_fast_linger_ms=150),
        poker=SimpleNamespace(clear=clear), updaters=lambda: [])


def test_a_job_soon_after_another_waits_longer_and_clears_the_flag_after_waiting(clock):
    use_runtime(runtime_clearing(lambda: clock.steps.append("clear")))
    try:
        assert jobs.catch_up_all() == {}
        assert jobs.catch_up_all() == {}  # at once: 50 ms from the last job's reading
        clock.now[0] += 5  # a quiet spell: no longer busy
        jobs.catch_up_all()
    finally:
        use_runtime(None)
    assert clock.steps == [0.01, "clear", 0.05, "clear", 0.01, "clear"]


def test_the_wait_counts_from_when_the_last_job_read(clock):
    """What came since the last job read has waited since then: a job that starts 20 ms
    after it waits the remaining 30 ms of 50; one that starts later waits not at all."""
    use_runtime(runtime_clearing(lambda: None))
    try:
        jobs.catch_up_all()
        clock.now[0] += 0.02
        jobs.catch_up_all()
        clock.now[0] += 0.2
        jobs.catch_up_all()
    finally:
        use_runtime(None)
    assert clock.steps == [0.01, 0.03]


def test_a_job_after_a_fast_stream_waits_longer_still(clock):
    """The stream's rate is what a job's clearing counted over the time since the clearing
    before: 300 saves in 50 ms is fast (≥ FAST_STREAM a second), 20 in 170 ms is not. After
    a fast stream the whole wait counts from the job's start (fewer, larger batches)."""
    counts = iter([([], 0), ([], 300), ([], 20), ([], 0)])
    use_runtime(runtime_clearing(lambda: next(counts)))
    try:
        for _ in range(4):
            jobs.catch_up_all()
            clock.now[0] += 0.02  # the next poke's job starts a little later
    finally:
        use_runtime(None)
    assert clock.steps == [0.01, 0.03, 0.15, 0.03]
