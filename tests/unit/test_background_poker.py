"""The background poker folds a burst of saves into a few pokes and never loses the last."""

import threading
import time

from infrastructure.pipeline import BackgroundPoker


class CountingPoker:
    def __init__(self):
        self.calls, self.poked = 0, threading.Event()

    def __call__(self, recordings=None):
        self.calls += 1
        self.poked.set()
        return True


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_burst_of_saves_is_folded_into_few_pokes():
    poker = CountingPoker()
    background = BackgroundPoker(poker, interval=0.2)
    for _ in range(1000):
        background()
    wait_until(lambda: poker.calls >= 1)
    time.sleep(0.5)  # the saves during the first poke's interval fold into one more
    assert 1 <= poker.calls <= 3


def test_a_save_after_a_poke_is_poked_again():
    poker = CountingPoker()
    background = BackgroundPoker(poker, interval=0.01)
    background()
    wait_until(lambda: poker.calls == 1)
    time.sleep(0.05)
    background()
    wait_until(lambda: poker.calls == 2)
