"""Identical submissions from one client within minutes fold into the first.

A citizen who presses 提交 twice, or whose app retries after a dropped connection, gets
the first receipt again (the same number and query code) instead of a second item. The
first receipt is kept in Redis for DUPLICATE_WINDOW seconds (default 600; 0 turns folding
off) under a digest of the client address and
the submission's content, encrypted with the application's cipher key (it holds a query
code). Without Redis nothing is folded: submissions are never refused for it.
"""

import hashlib
import json
import logging
import queue
import threading
from datetime import datetime

from eventsourcing.cryptography import AESCipher

log = logging.getLogger(__name__)

FIELDS = ("title", "content", "kind", "category", "department", "name", "phone", "email",
          "area", "address", "publish")


class DuplicateGuard:
    def __init__(self, redis_factory, prefix: str, secret_key: str, cipher_key: str,
                 window: int):
        self._redis_factory, self.prefix, self.window = redis_factory, prefix, window
        self.secret = secret_key.encode()
        self.cipher = AESCipher({"CIPHER_KEY": cipher_key}) if cipher_key and window else None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None

    def _key(self, address: str, data: dict) -> str:
        content = json.dumps({k: data.get(k) for k in FIELDS}, sort_keys=True,
                             ensure_ascii=False, default=str)
        digest = hashlib.sha256(self.secret + address.encode() + b"\0" + content.encode())
        return f"{self.prefix}:dup:{digest.hexdigest()}"

    def key(self, address: str, data: dict) -> str | None:
        """The Redis key of this submission from this address (None: folding is off)."""
        return self._key(address, data) if self.cipher is not None else None

    def first(self, address: str, data: dict, stored: bytes | None = None) -> dict | None:
        """The receipt of the same submission from this address, if within the window
        (`stored`: the key's value if the caller has read it already)."""
        if self.cipher is None:
            return None
        try:
            if stored is None:
                stored = self._redis_factory().get(self._key(address, data))
            if not stored:
                return None
            receipt = json.loads(self.cipher.decrypt(stored))
        except Exception as e:  # noqa: BLE001 - no folding rather than no submission
            log.warning("duplicate check skipped: %s", e)
            return None
        receipt["submitted_at"] = datetime.fromisoformat(receipt["submitted_at"])
        return receipt

    def remember(self, address: str, data: dict, receipt: dict) -> None:
        if self.cipher is None:
            return
        plain = json.dumps({"tracking_no": receipt["tracking_no"],
                            "query_code": receipt["query_code"],
                            "submitted_at": receipt["submitted_at"].isoformat()}).encode()
        try:
            self._writer.put_nowait((self._key(address, data), self.cipher.encrypt(plain)))
        except queue.Full:  # Redis is stuck: fold nothing rather than hold the request
            log.warning("duplicate guard queue full; receipt not kept")

    @property
    def _writer(self) -> queue.Queue:
        """Receipts are stored by a thread of this process, off the request's path (the
        citizen does not wait for it; a receipt lost in a crash only means no folding)."""
        if self._queue is None or not self._thread.is_alive():
            self._queue = queue.Queue(maxsize=10_000)
            self._thread = threading.Thread(target=self._write, daemon=True,
                                            name="duplicate-guard")
            self._thread.start()
        return self._queue

    def _write(self) -> None:
        while True:
            key, value = self._queue.get()
            try:
                self._redis_factory().set(key, value, ex=self.window, nx=True)
            except Exception as e:  # noqa: BLE001
                log.warning("duplicate guard not set: %s", e)
            finally:
                self._queue.task_done()

    def flush(self) -> None:
        """Wait until every receipt handed over so far is stored (tests)."""
        if self._queue is not None:
            self._queue.join()

