"""Shared number blocks: how processes draw item numbers without colliding.

An item number is unique because the event store refuses a second aggregate with the same
id (ids derive from numbers). Processes that each count on their own collide as soon as
two of them register at once, and every collision costs a refused write and a search.
A `NumberBlocks` hands each process a block of consecutive numbers from a counter they
share (Redis in production, infrastructure/numbering.py), so a process draws from its own
block. The store still decides: a number taken all the same (the counter was lost) is
refused, and the application then finds the lowest free number and moves the counter
past it with `advance`.
"""

from typing import Protocol


class NumberBlocks(Protocol):
    def draw(self, key: str) -> range | None:
        """A block of numbers under `key` that no other caller gets; None if the shared
        counter cannot be reached (the caller counts on its own meanwhile)."""

    def advance(self, key: str, at_least: int) -> None:
        """Make sure blocks drawn from now on lie above `at_least`."""
