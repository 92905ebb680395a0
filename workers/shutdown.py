"""A warm shutdown request, as this process's jobs see it.

RQ's warm shutdown (SIGTERM or SIGINT) lets the job under way finish and then stops the
worker. A catch-up job may drain many batches, so our worker (workers/__main__.py) also
records the request here, and the catch-up job stops after the batch it is in (that
batch's transaction commits), releases its read-model lock and returns; the job it pokes
on the way out, or the scheduler's next poke, lets another worker take up the rest.
"""

import threading

_requested = threading.Event()


def request() -> None:
    _requested.set()


def requested() -> bool:
    return _requested.is_set()


def reset() -> None:
    """For tests that run jobs in-process after a simulated request."""
    _requested.clear()
