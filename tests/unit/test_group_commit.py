"""Group commit: concurrent saves share a transaction; a failed one is retried alone."""

import threading

import pytest

from domain.group_commit import GroupCommit


class Store:
    """A writer that records its transactions; refuses any containing a 'bad' event."""

    def __init__(self, hold: threading.Event | None = None):
        self.transactions, self.hold = [], hold

    def write(self, events):
        if self.hold is not None and not self.transactions:
            self.hold.wait(5)  # the first transaction takes a while: others queue meanwhile
        if "bad" in events:
            raise ValueError("refused")
        self.transactions.append(list(events))
        return [f"rec:{e}" for e in events]


def save_in_threads(group, batches):
    results = {}

    def run(events):
        try:
            results[events[0]] = group.save(events)
        except ValueError as e:
            results[events[0]] = e
    threads = [threading.Thread(target=run, args=(events,)) for events in batches]
    for t in threads:
        t.start()
    return threads, results


def test_saves_that_arrive_while_one_is_written_share_the_next_transaction():
    hold = threading.Event()
    store = Store(hold)
    group = GroupCommit(store.write)
    first, first_results = save_in_threads(group, [["a1", "a2"]])
    while not group._leader.locked():
        pass
    others, results = save_in_threads(group, [["b"], ["c"], ["d"]])
    while len(group._queue) < 3:
        pass
    hold.set()
    for t in first + others:
        t.join(5)
    assert store.transactions[0] == ["a1", "a2"]
    assert sorted(store.transactions[1]) == ["b", "c", "d"] and len(store.transactions) == 2
    assert first_results["a1"] == ["rec:a1", "rec:a2"]
    assert results == {"b": ["rec:b"], "c": ["rec:c"], "d": ["rec:d"]}


def test_a_refused_transaction_is_retried_save_by_save():
    hold = threading.Event()
    store = Store(hold)
    group = GroupCommit(store.write)
    first, _ = save_in_threads(group, [["a"]])
    while not group._leader.locked():
        pass
    others, results = save_in_threads(group, [["b"], ["bad"], ["c"]])
    while len(group._queue) < 3:
        pass
    hold.set()
    for t in first + others:
        t.join(5)
    assert isinstance(results["bad"], ValueError)
    assert results["b"] == ["rec:b"] and results["c"] == ["rec:c"]
    written = [e for tx in store.transactions for e in tx]
    assert sorted(written) == ["a", "b", "c"]  # each once, the refused one never


def test_a_lone_save_raises_its_own_error():
    group = GroupCommit(Store().write)
    assert group.save(["x"]) == ["rec:x"]
    with pytest.raises(ValueError):
        group.save(["bad"])
