"""The worker process's runtime, built once per process after any fork."""

from infrastructure.bootstrap import Runtime, bootstrap
from infrastructure.pipeline import route_pokes

_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, bootstrapped from the environment on first use; its pokes
    go to every catch-up queue (READ_MODEL_QUEUES)."""
    global _runtime
    if _runtime is None:
        rt = bootstrap()
        route_pokes(rt)
        _runtime = rt
    return _runtime


def use_runtime(rt: Runtime | None) -> None:
    """Install a prepared runtime (tests, in-process burst workers)."""
    global _runtime
    _runtime = rt
