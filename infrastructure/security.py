"""Password hashing (argon2) and password fingerprints for staff credentials."""

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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


class Fingerprints:
    """A keyed digest of a password hash, kept with each session and token: changing the
    password voids them all, and nothing of the hash itself travels or is stored again."""

    def __init__(self, secret_key: str):
        self.key = hashlib.sha256(f"fingerprint:{secret_key}".encode()).digest()

    def __call__(self, password_hash: str) -> str:
        return hmac.new(self.key, password_hash.encode(), hashlib.sha256).hexdigest()[:24]
