"""Password hashing (argon2) and signed, expiring API tokens for staff."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


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

    def __init__(self, secret_key: str, max_age: int):
        self.serializer = URLSafeTimedSerializer(secret_key, salt="minyi-api-token")
        self.max_age = max_age

    def issue(self, username: str, password_hash: str) -> str:
        # A fragment of the hash ties the token to the password: changing it revokes tokens.
        return self.serializer.dumps({"u": username, "p": password_hash[-12:]})

    def read(self, token: str) -> tuple[str, str] | None:
        """(username, hash fragment) if the token is genuine and fresh, else None."""
        try:
            data = self.serializer.loads(token, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        return data.get("u"), data.get("p")
