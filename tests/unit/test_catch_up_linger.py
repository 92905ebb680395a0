"""The catch-up job waits longer when jobs follow each other, and clears the poke flag
only after its wait, so that pokes during the wait are folded into it."""

from types import SimpleNamespace

from workers import jobs
from workers.context import use_runtime


def test_a_job_soon_after_another_waits_longer_and_clears_the_flag_after_waiting(monkeypatch):
    steps = []
    rt = SimpleNamespace(
        settings=SimpleNamespace(catchup_linger_ms=10, catchup_busy_linger_ms=50),
        poker=SimpleNamespace(clear=lambda: steps.append("clear")), updaters=lambda: [])
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: steps.append(seconds))
    monkeypatch.setattr(jobs, "_last_finished", float("-inf"))
    use_runtime(rt)
    try:
        assert jobs.catch_up_all() == {}
        assert jobs.catch_up_all() == {}
        monkeypatch.setattr(jobs, "_last_finished", jobs.time.monotonic() - 5)
        jobs.catch_up_all()
    finally:
        use_runtime(None)
    assert steps == [0.01, "clear", 0.05, "clear", 0.01, "clear"]


def test_a_job_after_a_fast_stream_waits_longer_still(monkeypatch):
    """The stream's rate is what the last job's clearing counted over the time since the
    clearing before: 300 saves in 0.5 s is fast (≥ FAST_STREAM a second), 20 is not."""
    steps, now = [], [100.0]
    counts = iter([([], 0), ([], 300), ([], 20), ([], 0)])
    rt = SimpleNamespace(
        settings=SimpleNamespace(catchup_linger_ms=10, catchup_busy_linger_ms=50,
                                 catchup_fast_linger_ms=150),
        poker=SimpleNamespace(clear=lambda: next(counts)), updaters=lambda: [])

    def sleep(seconds):
        steps.append(seconds)
        now[0] += seconds
    monkeypatch.setattr(jobs.time, "sleep", sleep)
    monkeypatch.setattr(jobs.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(jobs, "_last_finished", float("-inf"))
    monkeypatch.setattr(jobs, "_last_cleared", float("-inf"))
    monkeypatch.setattr(jobs, "_last_rate", 0.0)
    use_runtime(rt)
    try:
        for _ in range(4):
            jobs.catch_up_all()
            now[0] += 0.45  # the next poke's job starts a little later
    finally:
        use_runtime(None)
    assert steps == [0.01, 0.05, 0.15, 0.05]
