"""API keys for Open311 clients (domain/apikeys.py): issued by an admin, shown once,
stored only as a digest, refused once revoked."""

import pytest

from domain.actors import SYSTEM_ACTOR
from domain.apikeys import ApiClientRegister, api_client_register_id, hash_api_key
from domain.errors import (AccessDeniedError, ConflictError, IllegalTransitionError,
                           InvalidValueError, NotFoundError)


def test_a_key_is_issued_once_and_verifies_to_its_client(app, clock):
    key = app.create_api_key("  城市随手拍  ", SYSTEM_ACTOR)
    assert len(key) >= 40
    client = app.verify_api_key(key)
    assert client.name == "城市随手拍" and client.active
    assert client.created_at == clock.now and client.created_by == "system"
    assert app.verify_api_key(key + "x") is None
    assert app.verify_api_key("") is None and app.verify_api_key(None) is None
    assert app.verify_api_key("k" * 10_000) is None


def test_the_store_keeps_a_digest_never_the_key(app):
    key = app.create_api_key("fixer", SYSTEM_ACTOR)
    register = app.repository.get(api_client_register_id())
    stored = repr(register.__dict__) + repr([e.__dict__ for e in
                                             app.events.get(api_client_register_id())])
    assert key not in stored and hash_api_key(key) in stored


def test_a_revoked_key_is_refused_and_stays_listed(app, clock):
    key = app.create_api_key("fixer", SYSTEM_ACTOR)
    other = app.create_api_key("mapper", SYSTEM_ACTOR)
    clock.advance(days=1)
    app.revoke_api_key("fixer", SYSTEM_ACTOR)
    assert app.verify_api_key(key) is None
    assert app.verify_api_key(other).name == "mapper"
    listed = {c.name: c for c in app.api_clients()}
    assert list(listed) == ["fixer", "mapper"]
    assert not listed["fixer"].active and listed["fixer"].revoked_at == clock.now
    with pytest.raises(IllegalTransitionError):
        app.revoke_api_key("fixer", SYSTEM_ACTOR)


def test_only_admins_manage_keys_and_names_are_unique_and_sane(app, staff):
    with pytest.raises(AccessDeniedError):
        app.create_api_key("fixer", staff.reviewer)
    app.create_api_key("fixer", SYSTEM_ACTOR)
    with pytest.raises(AccessDeniedError):
        app.revoke_api_key("fixer", staff.handler)
    with pytest.raises(ConflictError):
        app.create_api_key("fixer", staff.admin)
    for bad in ("", "   ", "x" * 51, "two\nlines"):
        with pytest.raises(InvalidValueError):
            app.create_api_key(bad, SYSTEM_ACTOR)
    with pytest.raises(NotFoundError):
        app.revoke_api_key("nobody", SYSTEM_ACTOR)


def test_no_clients_yet(app):
    assert app.api_clients() == [] and app.verify_api_key("anything") is None
    with pytest.raises(NotFoundError):
        app.revoke_api_key("fixer", SYSTEM_ACTOR)


def test_the_register_is_one_aggregate_with_a_deterministic_id(app):
    app.create_api_key("a", SYSTEM_ACTOR)
    app.create_api_key("b", SYSTEM_ACTOR)
    register = app.repository.get(api_client_register_id())
    assert isinstance(register, ApiClientRegister) and register.version == 3
    assert [type(e).__name__ for e in app.events.get(api_client_register_id())] == [
        "Opened", "ClientAdded", "ClientAdded"]
    assert all(e.actor == "system" and e.at for e in app.events.get(api_client_register_id()))
