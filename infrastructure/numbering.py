"""Number blocks from a Redis counter per key (domain/numbering.py).

`draw` is one INCRBY: the block is the `size` numbers ending at the new value. `advance`
raises the counter to a floor in one script call. Counters expire a few days after their
last use (keys name a day). When Redis cannot be reached, `draw` answers None for a few
seconds without trying again, and the application counts on its own meanwhile.
"""

import logging
import time

log = logging.getLogger(__name__)

ADVANCE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class RedisNumberBlocks:
    def __init__(self, redis_factory, prefix: str, size: int = 10, ttl: int = 3 * 86400,
                 backoff: float = 5.0):
        if size < 1:
            raise ValueError("a number block holds at least one number")
        self.redis_factory, self.prefix, self.size = redis_factory, prefix, size
        self.ttl, self.backoff = ttl, backoff
        self._down_until = 0.0

    def _key(self, key: str) -> str:
        return f"{self.prefix}:numbers:{key}"

    def draw(self, key: str) -> range | None:
        if self._down():
            return None
        try:
            pipe = self.redis_factory().pipeline(transaction=False)
            pipe.incrby(self._key(key), self.size)
            pipe.expire(self._key(key), self.ttl)
            end = int(pipe.execute()[0])
        except Exception as e:  # noqa: BLE001 - registration goes on without Redis
            self._failed(e)
            return None
        return range(end - self.size + 1, end + 1)

    def advance(self, key: str, at_least: int) -> None:
        if self._down():
            return
        try:
            self.redis_factory().eval(ADVANCE, 1, self._key(key), at_least, self.ttl)
        except Exception as e:  # noqa: BLE001
            self._failed(e)

    def _down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, error: Exception) -> None:
        self._down_until = time.monotonic() + self.backoff
        log.warning("number blocks unavailable for %ss (%s); counting locally",
                    self.backoff, error)
