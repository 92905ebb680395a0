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

    def _key(self, address: str, data: dict) -> str:
        content = json.dumps({k: data.get(k) for k in FIELDS}, sort_keys=True,
                             ensure_ascii=False, default=str)
        digest = hashlib.sha256(self.secret + address.encode() + b"\0" + content.encode())
        return f"{self.prefix}:dup:{digest.hexdigest()}"

    def first(self, address: str, data: dict) -> dict | None:
        """The receipt of the same submission from this address, if within the window."""
        if self.cipher is None:
            return None
        try:
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
            self._redis_factory().set(self._key(address, data), self.cipher.encrypt(plain),
                                      ex=self.window, nx=True)
        except Exception as e:  # noqa: BLE001
            log.warning("duplicate guard not set: %s", e)

