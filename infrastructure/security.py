"""Password hashing (argon2) and signed, expiring API tokens for staff."""

import hashlib
import hmac
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()  # argon2-cffi's defaults (RFC 9106 "low memory" profile)


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with `hasher` from now on; returns the one it replaces.

    Production keeps the defaults. Tests install a cheap hasher so that creating staff
    accounts costs milliseconds. verify_password checks any argon2 hash whatever its
    parameters (they are encoded in the hash), so a change never locks anyone out.
    """
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("密码至少8位")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class TokenSigner:
    """Bearer tokens that name a staff account and expire; no server-side storage."""

    # Tokens whose signature has been checked -> (username, fingerprint, signed at). A
    # signature is a function of the token and the key alone, so a checked token need not
    # be checked again; its age is, on every read.
    VERIFIED_CACHE_SIZE = 4096

    def __init__(self, secret_key: str, max_age: int):
        self.serializer = URLSafeTimedSerializer(secret_key, salt="minyi-api-token")
        self.key = hashlib.sha256(f"fingerprint:{secret_key}".encode()).digest()
        self.max_age = max_age
        self._verified: dict[str, tuple[str, str, float]] = {}
        self._lock = threading.Lock()

    def fingerprint(self, password_hash: str) -> str:
        """A keyed digest of the password hash: changing the password revokes tokens and
        sessions, and nothing of the hash itself travels in a cookie or token."""
        return hmac.new(self.key, password_hash.encode(), hashlib.sha256).hexdigest()[:24]

    def issue(self, username: str, password_hash: str) -> str:
        return self.serializer.dumps({"u": username, "p": self.fingerprint(password_hash)})

    def read(self, token: str) -> tuple[str, str] | None:
        """(username, password fingerprint) if the token is genuine and fresh, else None."""
        known = self._verified.get(token)
        if known is None:
            try:
                data, signed = self.serializer.loads(token, max_age=self.max_age,
                                                     return_timestamp=True)
            except (BadSignature, SignatureExpired):
                return None
            if not isinstance(data, dict):
                return None
            known = (data.get("u"), data.get("p"), signed.timestamp())
            with self._lock:
                if len(self._verified) >= self.VERIFIED_CACHE_SIZE:
                    self._verified.clear()
                self._verified[token] = known
        if time.time() - known[2] > self.max_age:
            return None
        return known[0], known[1]
