"""Abuse limits, kept in Redis so that every web process counts together: fixed windows,
with the limit syntax of the `limits` library (which Flask-Limiter is built on); each
check is one round trip to Redis.

Named limits, each a `limits` string ("10/minute;60/hour"):
- submit: new comments and query-code recovery requests, per client address;
- query_code: wrong query codes, per tracking number;
- query_code_addr: wrong query codes, per client address;
- login_account: failed logins, per account — past it the account is locked for the rest
  of the window, even with the right password (a temporary lockout);
- login_addr: failed logins, per client address.
Failures are counted only after they happen, so people who get it right are never slowed.
`RATE_LIMITS=off` turns every limit off (load tests, benchmarks); a JSON object replaces
some of them (`{"submit": "5/minute"}`). With Redis unreachable the limits let requests
through (logged): they guard against abuse, and must not take the portal down with Redis.
"""

import json
import logging
import math
import time

from flask import request
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

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


# One round trip: each window's counter starts at 0 with the window's expiry (SET NX EX,
# which Redis 2.6 already has) and is counted (INCR); a last extra key is read (GET).
COUNT = """
local out = {}
for i = 1, #ARGV do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i], 'NX')
  out[i] = redis.call('INCR', KEYS[i])
end
if #KEYS > #ARGV then out[#ARGV + 1] = redis.call('GET', KEYS[#KEYS]) end
return out
"""


class RateLimits:
    """Fixed-window counters in Redis, each check one round trip (a Lua script)."""

    def __init__(self, limits: dict | None, redis_factory, prefix: str, clock=time.time):
        self.enabled = limits is not None
        self.items = {name: parse_many(text) for name, text in (limits or {}).items()}
        self._redis_factory, self.prefix, self.clock = redis_factory, prefix, clock
        self._scripts: dict = {}

    def _keys(self, name: str, key: str, now: float) -> list[tuple[str, int, int, float]]:
        """(redis key, amount, expiry seconds, window end) per window of the limit."""
        out = []
        for item in self.items[name]:
            period = item.get_expiry()
            start = int(now // period) * period
            out.append((f"{self.prefix}:limits:{item.key_for(name, key)}:{start}",
                        item.amount, period, start + period))
        return out

    def _count(self, name: str, key: str, *, add: bool, also_get: str | None = None):
        """(whether every window is still within its amount, seconds until the fullest one
        ends, the value of `also_get` read in the same round trip)."""
        now = self.clock()
        windows = self._keys(name, key, now)
        redis = self._redis_factory()
        keys = [w[0] for w in windows]
        if add:
            script = self._scripts.get(id(redis))
            if script is None:
                script = self._scripts[id(redis)] = redis.register_script(COUNT)
            results = script(keys=keys + ([also_get] if also_get else []),
                             args=[w[2] + 1 for w in windows])
            counts = [int(n) for n in results[:len(windows)]]
            extra = results[len(windows)] if len(results) > len(windows) else None
        else:
            values = redis.mget(keys + ([also_get] if also_get else []))
            counts = [int(n or 0) for n in values[:len(windows)]]
            extra = values[len(windows)] if also_get else None
        over = [(end - now) for (_, amount, _, end), n in zip(windows, counts)
                if (n > amount if add else n >= amount)]
        return not over, max([1, *(math.ceil(x) for x in over)]), extra

    def _guarded(self, name: str, key: str, *, add: bool, also_get: str | None = None):
        if not self.enabled or not key:
            return True, 0, self._get(also_get)
        try:
            return self._count(name, key, add=add, also_get=also_get)
        except Exception as e:  # noqa: BLE001 - Redis down: let it through
            log.warning("rate limit %s not applied: %s", name, e)
            return True, 0, None

    def _get(self, redis_key: str | None):
        if redis_key is None:
            return None
        try:
            return self._redis_factory().get(redis_key)
        except Exception as e:  # noqa: BLE001
            log.warning("read of %s skipped: %s", redis_key, e)
            return None

    def hit(self, name: str, key: str, *, also_get: str | None = None):
        """Count one (a submission); 429 when over the limit. Returns the value of
        `also_get`, read in the same round trip (the duplicate guard's key)."""
        allowed, retry, extra = self._guarded(name, key, add=True, also_get=also_get)
        if not allowed:
            raise TooManyRequests(MESSAGES[name], retry_after=retry)
        return extra

    def check(self, name: str, key: str) -> None:
        """429 if the limit is already used up (counts nothing)."""
        allowed, retry, _ = self._guarded(name, key, add=False)
        if not allowed:
            raise TooManyRequests(MESSAGES[name], retry_after=retry)

    def failed(self, *pairs: tuple[str, str]) -> None:
        """Count a failure against each (limit, key), without refusing this request."""
        for name, key in pairs:
            self._guarded(name, key, add=True)


def client_address() -> str:
    """The client's address (ProxyFix has applied TRUSTED_PROXIES hops of X-Forwarded-For)."""
    return request.remote_addr or ""
