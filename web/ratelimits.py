"""Abuse limits, kept in Redis so that every web process counts together: fixed windows,
with the limit syntax of the `limits` library (which Flask-Limiter is built on); each
check is one round trip to Redis, and submissions are counted off the request's path.

Named limits, each a `limits` string ("10/minute;60/hour"):
- submit: new comments and query-code recovery requests, per client address;
- query_code: wrong query codes, per tracking number;
- query_code_addr: wrong query codes, per client address;
- login_account: failed logins, per account — using it up locks the account for the
  limit's whole period from that failure, even with the right password (a temporary lockout);
- login_addr: failed logins, per client address.
Failures are counted only after they happen, so people who get it right are never slowed.
`RATE_LIMITS=off` turns every limit off (load tests, benchmarks); a JSON object replaces
some of them (`{"submit": "5/minute"}`). With Redis unreachable the limits let requests
through (logged): they guard against abuse, and must not take the portal down with Redis.
"""

import json
import logging
import math
import queue
import threading
import time

from flask import request
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from domain.errors import AuthenticationError

log = logging.getLogger(__name__)

DEFAULTS = {
    "submit": "10/minute;60/hour",
    "query_code": "10/10minutes",
    "query_code_addr": "30/10minutes",
    "login_account": "5/15minutes",
    "login_addr": "30/15minutes",
}
MESSAGES = {
    "submit": "提交过于频繁，请稍后再试",
    "query_code": "查询码错误次数过多，请稍后再试",
    "query_code_addr": "查询码错误次数过多，请稍后再试",
    "login_account": "登录失败次数过多，该账号已临时锁定，请稍后再试",
    "login_addr": "登录失败次数过多，请稍后再试",
}


def parse_setting(value: str) -> dict | None:
    """RATE_LIMITS: unset -> the defaults; "off" -> None; a JSON object -> some replaced."""
    value = (value or "").strip()
    if value.lower() in ("off", "0", "false", "no"):
        return None
    limits = dict(DEFAULTS)
    if value:
        try:
            given = json.loads(value)
            assert isinstance(given, dict)
        except (ValueError, AssertionError):
            raise ValueError('RATE_LIMITS must be "off" or a JSON object of name -> limits')
        unknown = sorted(set(given) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"RATE_LIMITS: unknown limits {unknown}; known: {sorted(DEFAULTS)}")
        limits.update(given)
    for name, text in limits.items():
        parse_many(text)  # a bad limit string fails at start-up, not on a request
    return limits


class RateLimits:
    """Fixed-window counters in Redis (SET NX with the window's expiry, then INCR)."""

    def __init__(self, limits: dict | None, redis_factory, prefix: str, clock=time.time):
        self.enabled = limits is not None
        self.items = {name: parse_many(text) for name, text in (limits or {}).items()}
        self._redis_factory, self.prefix, self.clock = redis_factory, prefix, clock
        self._blocked: dict = {}  # (limit, key) -> when its full window ends
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None

    def _keys(self, name: str, key: str, now: float) -> list[tuple[str, int, int, float]]:
        """(redis key, amount, expiry seconds, window end) per window of the limit."""
        out = []
        for item in self.items[name]:
            period = item.get_expiry()
            start = int(now // period) * period
            out.append((f"{self.prefix}:limits:{item.key_for(name, key)}:{start}",
                        item.amount, period, start + period))
        return out

    def _lock_key(self, name: str, key: str) -> str:
        return f"{self.prefix}:limits:lock:{name}:{key}"

    def _count(self, name: str, key: str, *, add: bool) -> tuple[bool, int]:
        """(whether the key is within its limit, seconds until it is again); with `add`,
        this failure is counted first. One round trip.

        Using a limit up locks the key for that window's full period from that moment (a
        lock key holding when it ends), so a lockout never ends early because the failure
        that tripped it fell near the end of a clock-aligned window."""
        now = self.clock()
        windows = self._keys(name, key, now)
        redis = self._redis_factory()
        lock = self._lock_key(name, key)
        if add:
            pipe = redis.pipeline(transaction=False)
            for redis_key, _, period, _ in windows:
                pipe.set(redis_key, 0, ex=period + 1, nx=True)  # a new window starts at 0
                pipe.incr(redis_key)
            pipe.get(lock)
            results = pipe.execute()
            counts, locked = [int(n) for n in results[:-1][1::2]], results[-1]
            used_up = [period for (_, amount, period, _), n in zip(windows, counts)
                       if n >= amount]
            if used_up:
                end = now + max(used_up)
                redis.set(lock, repr(end), ex=max(used_up) + 1)
                locked = max(end, float(locked or 0))
        else:
            values = redis.mget([w[0] for w in windows] + [lock])
            counts, locked = [int(n or 0) for n in values[:-1]], values[-1]
        over = [(end - now) for (_, amount, _, end), n in zip(windows, counts) if n > amount]
        if locked is not None and float(locked) > now:
            over.append(float(locked) - now)
        return not over, max([1, *(math.ceil(x) for x in over)])

    def _guarded(self, name: str, key: str, *, add: bool) -> tuple[bool, int]:
        if not self.enabled or not key:
            return True, 0
        try:
            return self._count(name, key, add=add)
        except Exception as e:  # noqa: BLE001 - Redis down: let it through
            log.warning("rate limit %s not applied: %s", name, e)
            return True, 0

    def hit(self, name: str, key: str) -> None:
        """Count one (a submission); 429 once the limit is used up.

        Counting happens off the request's path: a thread of this process sends the counts
        it has gathered to Redis in one round trip and remembers, until its window ends,
        each key that has used up its limit; requests on such a key are refused here
        without asking Redis. The thread gathers counts for LINGER seconds, so under load
        one round trip carries many. A limit of N lets N requests through per window, and
        per web process at most those that arrive while the count is on its way.
        """
        if not self.enabled or not key:
            return
        now = self.clock()
        until = self._blocked.get((name, key))
        if until is not None:
            if until > now:
                raise TooManyRequests(MESSAGES[name], retry_after=max(1, math.ceil(until - now)))
            self._blocked.pop((name, key), None)
        try:
            self._pending.put_nowait((name, key))
        except queue.Full:
            log.warning("rate limit %s: counts are not getting through to Redis", name)

    @property
    def _pending(self) -> queue.Queue:
        if self._queue is None or not self._thread.is_alive():
            self._queue = queue.Queue(maxsize=50_000)
            self._thread = threading.Thread(target=self._send_counts, daemon=True,
                                            name="rate-limit-counts")
            self._thread.start()
        return self._queue

    LINGER = 0.025  # seconds the sender waits to gather counts into one round trip

    def _send_counts(self) -> None:
        while True:
            jobs = [self._queue.get()]
            deadline = time.monotonic() + self.LINGER
            while len(jobs) < 5_000:
                try:
                    jobs.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            try:
                self._count_many(jobs)
            except Exception as e:  # noqa: BLE001 - Redis down: nothing is refused
                log.warning("rate limit counts not sent: %s", e)
            finally:
                for _ in jobs:
                    self._queue.task_done()

    def _count_many(self, jobs: list) -> None:
        """Send the gathered counts (one INCRBY per key and window) in one round trip."""
        now = self.clock()
        gathered: dict = {}
        for job in jobs:
            gathered[job] = gathered.get(job, 0) + 1
        pipe = self._redis_factory().pipeline(transaction=False)
        windows = []
        for (name, key), n in gathered.items():
            for redis_key, amount, period, end in self._keys(name, key, now):
                pipe.set(redis_key, 0, ex=period + 1, nx=True)
                pipe.incrby(redis_key, n)
                windows.append((name, key, amount, end))
        results = pipe.execute()
        if len(self._blocked) > 100_000:
            self._blocked.clear()
        for (name, key, amount, end), count in zip(windows, results[1::2]):
            if int(count) >= amount:  # used up: the next one is refused
                self._blocked[(name, key)] = max(end, self._blocked.get((name, key), 0))

    def flush(self) -> None:
        """Wait until every count handed over so far has reached Redis (tests)."""
        if self._queue is not None:
            self._queue.join()

    def check(self, name: str, key: str) -> None:
        """429 if the limit is already used up (counts nothing)."""
        allowed, retry = self._guarded(name, key, add=False)
        if not allowed:
            raise TooManyRequests(MESSAGES[name], retry_after=retry)

    def failed(self, *pairs: tuple[str, str]) -> None:
        """Count a failure against each (limit, key), without refusing this request."""
        for name, key in pairs:
            self._guarded(name, key, add=True)

    def code_checked(self, number: str, check):
        """`check()` (a lookup by number and query code), its wrong codes counted per
        number and per address; past either limit even the right code waits (429), so
        codes cannot be guessed. AuthenticationError is what `check` raises on a wrong one."""
        address = client_address()
        self.check("query_code", number)
        self.check("query_code_addr", address)
        try:
            return check()
        except AuthenticationError:
            self.failed(("query_code", number), ("query_code_addr", address))
            raise


def client_address() -> str:
    """The client's address (ProxyFix has applied TRUSTED_PROXIES hops of X-Forwarded-For)."""
    return request.remote_addr or ""
