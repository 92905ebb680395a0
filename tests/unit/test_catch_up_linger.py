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
