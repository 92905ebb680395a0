"""Staff authentication: session cookie for the console, bearer tokens for the API."""

import hmac
import time
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from domain.actors import Actor
from domain.errors import AuthenticationError, NotFoundError
from infrastructure.security import verify_password

from .extensions import runtime


def actor_from_account(account) -> Actor:
    return Actor(account.username, tuple(account.roles), account.department,
                 account.display_name)


def authenticate(username: str, password: str) -> Actor:
    """The actor for valid credentials of an active account; otherwise an error."""
    try:
        account = runtime().app.get_staff(username)
    except NotFoundError:
        account = None
    if account is None or not account.active or not verify_password(account.password_hash,
                                                                    password):
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
    cached = (account, runtime().tokens.fingerprint(account.password_hash),
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


def login_session(actor: Actor) -> None:
    account = runtime().app.get_staff(actor.username)
    session.clear()
    session["staff"] = actor.username
    session["pw"] = runtime().tokens.fingerprint(account.password_hash)
    session.permanent = True


def logout_session() -> None:
    session.clear()


def _current_actor() -> Actor | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        found = runtime().tokens.read(header[7:].strip())
        return _load(*found) if found else None
    if "staff" in session:
        return _load(session["staff"], session.get("pw", ""))
    return None


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
