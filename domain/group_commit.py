"""Group commit: saves that arrive together in one process share one transaction.

A web process serves requests on several threads, and the store takes one writer at a
time; each commit waits for the disk. Instead of queueing for the writer one by one,
a thread puts its events in a queue and one thread at a time (the leader) writes
everything queued so far in one transaction, so a burst of N saves costs one commit.
If that transaction fails (one save's number was taken meanwhile, say), every save in it
is written again on its own, so each gets its own outcome and none is lost or doubled:
a failed transaction writes nothing.
"""

import threading
from typing import Callable, Sequence


class _Slot:
    __slots__ = ("events", "recordings", "error", "done")

    def __init__(self, events: list):
        self.events, self.recordings, self.error, self.done = events, None, None, False


class GroupCommit:
    def __init__(self, write: Callable[[Sequence], list]):
        self.write = write  # events -> their recordings, in one transaction
        self._queue: list[_Slot] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

    def save(self, events: list) -> list:
        """Write `events` (possibly together with other threads' events); their recordings."""
        slot = _Slot(events)
        with self._queue_lock:
            self._queue.append(slot)
        with self._leader:
            if not slot.done:  # no leader took it yet: lead, taking everything queued
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
        if slot.error is not None:
            raise slot.error
        return slot.recordings

    def _write(self, batch: list[_Slot]) -> None:
        if len(batch) > 1:
            try:
                recordings = self.write([e for slot in batch for e in slot.events])
            except Exception:  # noqa: BLE001 - each save learns its own outcome below
                pass
            else:
                start = 0
                for slot in batch:
                    slot.recordings = recordings[start:start + len(slot.events)]
                    start += len(slot.events)
                    slot.done = True
                return
        for slot in batch:
            try:
                slot.recordings = self.write(slot.events)
            except Exception as e:  # noqa: BLE001 - raised in the thread that saved
                slot.error = e
            slot.done = True
