"""Abuse limits, kept in Redis so that every web process counts together (the `limits`
library, which Flask-Limiter is built on, with its fixed-window strategy).

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
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
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


class RateLimits:
    def __init__(self, limits: dict | None, redis_url: str, prefix: str):
        self.enabled = limits is not None
        self.items = {name: parse_many(text) for name, text in (limits or {}).items()}
        self.redis_url, self.prefix = redis_url, prefix
        self._limiter = None

    @property
    def limiter(self) -> FixedWindowRateLimiter:
        if self._limiter is None:  # connect on first use, never at import or start-up
            storage = RedisStorage(self.redis_url,
                                   key_prefix=f"{self.prefix}:limits", wrap_exceptions=True,
                                   socket_timeout=0.5, socket_connect_timeout=0.5)
            self._limiter = FixedWindowRateLimiter(storage)
        return self._limiter

    def _refuse(self, name: str, key: str) -> None:
        retry = 60
        try:
            for item in self.items[name]:
                stats = self.limiter.get_window_stats(item, name, key)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
        except Exception:  # noqa: BLE001
            pass
        raise TooManyRequests(MESSAGES[name], retry_after=retry)

    def hit(self, name: str, key: str) -> None:
        """Count one (a submission, a failure); 429 when over the limit."""
        if not self.enabled or not key:
            return
        try:
            allowed = all([self.limiter.hit(item, name, key) for item in self.items[name]])
        except Exception as e:  # noqa: BLE001 - Redis down: let it through
            log.warning("rate limit %s not counted: %s", name, e)
            return
        if not allowed:
            self._refuse(name, key)

    def check(self, name: str, key: str) -> None:
        """429 if the limit is already used up (counts nothing)."""
        if not self.enabled or not key:
            return
        try:
            allowed = all(self.limiter.test(item, name, key) for item in self.items[name])
        except Exception as e:  # noqa: BLE001
            log.warning("rate limit %s not checked: %s", name, e)
            return
        if not allowed:
            self._refuse(name, key)

    def failed(self, *pairs: tuple[str, str]) -> None:
        """Count a failure against each (limit, key), without refusing this request."""
        if not self.enabled:
            return
        try:
            for name, key in pairs:
                if key:
                    for item in self.items[name]:
                        self.limiter.hit(item, name, key)
        except Exception as e:  # noqa: BLE001
            log.warning("rate limit failure not counted: %s", e)


def client_address() -> str:
    """The client's address (ProxyFix has applied TRUSTED_PROXIES hops of X-Forwarded-For)."""
    return request.remote_addr or ""
