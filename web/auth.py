"""Staff authentication: session cookie for the console, bearer tokens for the API."""

import hmac
import secrets
import time
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from domain.actors import Actor
from domain.errors import AuthenticationError, NotFoundError
from infrastructure.security import hash_password, verify_password

from .extensions import rate_limits, runtime


def actor_from_account(account) -> Actor:
    return Actor(account.username, tuple(account.roles), account.department,
                 account.display_name)


# Verified against when the username is unknown, so that an unknown name takes as long as
# a wrong password (no discovering usernames by timing).
_DUMMY_HASH: list = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def login_attempt(username: str, password: str) -> Actor:
    """authenticate, within the login limits: failures count per account and per client
    address; an account past its limit is locked for the rest of the window (429), even
    with the right password."""
    limits, address = rate_limits(), request.remote_addr or ""
    g.audit_actor, g.audit_what = f"staff:{username[:40]}", "login"
    limits.check("login_addr", address)
    limits.check("login_account", username.lower())
    try:
        return authenticate(username, password)
    except AuthenticationError:
        g.audit_what = "login_failed"
        limits.failed(("login_addr", address), ("login_account", username.lower()))
        raise


def authenticate(username: str, password: str) -> Actor:
    """The actor for valid credentials of an active account; otherwise an error."""
    try:
        account = runtime().app.get_staff(username)
    except NotFoundError:
        account = None
    if account is None:
        verify_password(_dummy_hash(), password)
        raise AuthenticationError("用户名或密码不正确")
    if not verify_password(account.password_hash, password) or not account.active:
        raise AuthenticationError("用户名或密码不正确")
    return actor_from_account(account)


# username -> (account, its password fingerprint, its actor, monotonic time it was read):
# a token or session is checked against the account on every request; within
# ACCOUNT_CACHE_SECONDS the account read last serves, so a password change or deactivation
# takes effect in every process within that.
ACCOUNT_CACHE_SECONDS = 5.0


def _account(username: str) -> tuple:
    """(account, fingerprint, actor) of a username, read at most every few seconds."""
    _accounts = current_app.extensions.setdefault("minyi.accounts", {})
    cached = _accounts.get(username)
    if cached is not None and time.monotonic() - cached[3] < ACCOUNT_CACHE_SECONDS:
        return cached
    account = runtime().app.get_staff(username)
    if len(_accounts) > 10_000:
        _accounts.clear()
    cached = (account, runtime().fingerprint(account.password_hash),
              actor_from_account(account), time.monotonic())
    _accounts[username] = cached
    return cached


def _load(username: str, fragment: str) -> Actor | None:
    try:
        account, expected, actor, _ = _account(username)
    except NotFoundError:
        return None
    if not account.active or not hmac.compare_digest(expected, fragment or ""):
        return None
    return actor


def client_address() -> str:
    return request.remote_addr or ""


def login_session(actor: Actor) -> None:
    """A new server-side session (the cookie holds only its random secret)."""
    account = runtime().app.get_staff(actor.username)
    issued = runtime().credentials.issue(actor.username,
                                         runtime().fingerprint(account.password_hash),
                                         "session", client=client_address())
    session.clear()
    session["sid"] = issued["secret"]
    session.permanent = True


def logout_session() -> None:
    """End the session on the server too: a copy of the cookie no longer works."""
    actor = current_actor()
    if actor is not None:
        g.audit_actor, g.audit_what = actor.id, "logout"
    if session.get("sid"):
        runtime().credentials.revoke(secret=session["sid"])
    session.clear()


def issue_token(actor: Actor, label: str = "") -> dict:
    account = runtime().app.get_staff(actor.username)
    return runtime().credentials.issue(actor.username,
                                       runtime().fingerprint(account.password_hash), "token",
                                       client=client_address(), label=label)


def bearer_token(header: str) -> str | None:
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def bearer_actor(header: str) -> Actor | None:
    """The member of staff an `Authorization: Bearer …` header signs in, if any."""
    token = bearer_token(header)
    found = runtime().credentials.check(token, "token") if token else None
    return _load(*found) if found else None


def _current_actor() -> Actor | None:
    """The API authenticates by bearer token only (a cookie a browser adds by itself to a
    cross-site request proves nothing there); the console by its session cookie only."""
    if request.path.startswith("/api/"):
        return bearer_actor(request.headers.get("Authorization", ""))
    sid = session.get("sid")
    found = runtime().credentials.check(sid, "session") if isinstance(sid, str) else None
    return _load(*found) if found else None


def current_actor() -> Actor | None:
    if "actor" not in g:
        g.actor = _current_actor()
    return g.actor


def staff_required(*roles: str):
    """Require a signed-in staff member (API: 401 JSON; pages: redirect to login)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("staff.login", next=request.full_path))
            if roles:
                actor.require_role(*roles)
            return view(*args, **kwargs)
        return wrapped
    return decorator


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key
    rather than on every request (most API requests carry no cookie at all)."""

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


def init_app(app) -> None:
    app.session_interface = SessionCookies()

    @app.context_processor
    def inject_actor():
        return {"current_actor": current_actor()}
