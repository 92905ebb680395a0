"""The worker process's runtime, built once per process after any fork."""

from infrastructure.bootstrap import Runtime, bootstrap

_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, bootstrapped from the environment on first use."""
    global _runtime
    if _runtime is None:
        _runtime = bootstrap()
    return _runtime


def use_runtime(rt: Runtime | None) -> None:
    """Install a prepared runtime (tests, in-process burst workers)."""
    global _runtime
    _runtime = rt
