"""API clients and their keys (Open311 write access): issued and revoked by an admin.

One register holds every client, so that names stay unique and a key finds its client in
one read. A key is random, shown once when it is issued, and never stored: the register
keeps only its SHA-256 digest. Keys carry 256 random bits, so a plain digest cannot be
reversed by guessing, and verification does not depend on a server secret that might
be rotated.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .errors import ConflictError, IllegalTransitionError, InvalidValueError, NotFoundError
from .topics import pin_topics

MAX_NAME = 50
MAX_KEY = 200  # longer input is no key of ours; refused before hashing


def api_client_register_id() -> UUID:
    return uuid5(NAMESPACE_URL, "minyi:apikeys")


def hash_api_key(key: str) -> str:
    """The digest the register keeps of a key (domain-separated SHA-256, hex)."""
    return hashlib.sha256(f"minyi:apikey:{key}".encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class ApiClient:
    """What the rest of the system sees of a client: never its key or the key's digest."""

    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@pin_topics("apikeys")
class ApiClientRegister(Aggregate):
    """Every API client with the digest of its key, and whether the key was revoked."""

    @staticmethod
    def create_id(**_) -> UUID:
        return api_client_register_id()

    @event("Opened")
    def __init__(self, actor: str, at: datetime):
        self.clients: dict[str, dict] = {}  # name -> key_hash, created_at, created_by, revoked_at
        self.names_by_hash: dict[str, str] = {}

    @staticmethod
    def clean_name(name: str) -> str:
        """Names are short, printable and without line breaks (they show in CLI listings)."""
        name = (name or "").strip()
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise InvalidValueError(f"客户端名称不能为空且不超过{MAX_NAME}个字符", field="name")
        return name

    def add(self, *, name: str, key_hash: str, actor: str, at: datetime) -> None:
        if name in self.clients:
            raise ConflictError(f"API 客户端已存在：{name}")
        if key_hash in self.names_by_hash:  # 256 random bits: never in practice
            raise ConflictError("密钥冲突，请重试")
        self._client_added(name=name, key_hash=key_hash, actor=actor, at=at)

    @event("ClientAdded")
    def _client_added(self, name: str, key_hash: str, actor: str, at: datetime) -> None:
        self.clients[name] = {"key_hash": key_hash, "created_at": at, "created_by": actor,
                              "revoked_at": None}
        self.names_by_hash[key_hash] = name

    def revoke(self, *, name: str, actor: str, at: datetime) -> None:
        if name not in self.clients:
            raise NotFoundError(f"未找到 API 客户端：{name}")
        if self.clients[name]["revoked_at"] is not None:
            raise IllegalTransitionError(f"API 客户端 {name} 的密钥已撤销", action="撤销密钥")
        self._key_revoked(name=name, actor=actor, at=at)

    @event("KeyRevoked")
    def _key_revoked(self, name: str, actor: str, at: datetime) -> None:
        self.clients[name]["revoked_at"] = at

    def client(self, name: str) -> ApiClient:
        c = self.clients[name]
        return ApiClient(name, c["created_at"], c["created_by"], c["revoked_at"])

    def find(self, key_hash: str) -> ApiClient | None:
        """The client a key digest belongs to (revoked or not), or None."""
        name = self.names_by_hash.get(key_hash)
        return self.client(name) if name is not None else None


class ApiKeyCommands:
    """Mixed into the application: issue, revoke, verify and list API keys."""

    def _api_client_register(self) -> ApiClientRegister | None:
        try:
            return self.repository.get(api_client_register_id())
        except AggregateNotFoundError:
            return None

    def create_api_key(self, name: str, actor: Actor) -> str:
        """A new client with a fresh key (admins only); the key is returned this once."""
        actor.require_role("admin")
        name = ApiClientRegister.clean_name(name)
        now = self.clock()
        register = self._api_client_register() or ApiClientRegister(actor=actor.id, at=now)
        key = secrets.token_urlsafe(32)
        register.add(name=name, key_hash=hash_api_key(key), actor=actor.id, at=now)
        self.save(register)
        return key

    def revoke_api_key(self, name: str, actor: Actor) -> None:
        """Revoke a client's key for good (admins only); requests with it are refused."""
        actor.require_role("admin")
        register = self._api_client_register()
        if register is None:
            raise NotFoundError(f"未找到 API 客户端：{name}")
        register.revoke(name=(name or "").strip(), actor=actor.id, at=self.clock())
        self.save(register)

    def verify_api_key(self, key: str | None) -> ApiClient | None:
        """The active client a key belongs to, or None (unknown, revoked or malformed)."""
        if not key or len(key) > MAX_KEY:
            return None
        register = self._api_client_register()
        client = register.find(hash_api_key(key)) if register is not None else None
        return client if client is not None and client.active else None

    def api_clients(self) -> list[ApiClient]:
        """Every client, revoked ones included, in the order they were added."""
        register = self._api_client_register()
        return [register.client(n) for n in register.clients] if register is not None else []
