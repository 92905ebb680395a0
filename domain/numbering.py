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

import secrets
from typing import Protocol


def random_code(alphabet: str, length: int) -> str:
    """`length` characters drawn uniformly and independently from `alphabet`, from one
    draw of the system's random source (one uniform number below len**length, written in
    that base) rather than one draw per character."""
    base = len(alphabet)
    number = secrets.randbelow(base ** length)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, base)
        chars.append(alphabet[digit])
    return "".join(chars)


class NumberBlocks(Protocol):
    def draw(self, key: str) -> range | None:
        """A block of numbers under `key` that no other caller gets; None if the shared
        counter cannot be reached (the caller counts on its own meanwhile)."""

    def advance(self, key: str, at_least: int) -> None:
        """Make sure blocks drawn from now on lie above `at_least`."""
