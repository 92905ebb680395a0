"""Flask app factory: the only wiring point for the web; blueprints do the rest."""

import gc
import logging
from datetime import timedelta
from types import FunctionType

from flask import Flask

from infrastructure.bootstrap import Runtime, bootstrap
from infrastructure.config import Settings

from .lean import LeanRoutes


class MinyiFlask(Flask):
    """Flask, with the check of each hook and view for a coroutine made once per function
    rather than on every call (a dozen hooks run on every request)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced: dict = {}
        self.lean_routes = LeanRoutes()

    def wsgi_app(self, environ, start_response):
        """The lean path's routes first (web/lean.py); everything else, and whatever they
        decline, through Flask."""
        if self.lean_routes:
            answered = self.lean_routes(self, environ, start_response)
            if answered is not None:
                return answered
        return super().wsgi_app(environ, start_response)

    def ensure_sync(self, func):
        if type(func) is not FunctionType:
            return super().ensure_sync(func)
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced


def create_app(test_config: dict | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the web app around a runtime (bootstrapped from the environment by default)."""
    app = MinyiFlask(__name__)
    if runtime is None:
        runtime = bootstrap(Settings.from_env().with_local_secrets())
    app.config.from_mapping(
        SECRET_KEY=runtime.settings.secret_key,
        MAX_CONTENT_LENGTH=256 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.extensions["minyi"] = runtime
    from .ratelimits import RateLimits, parse_setting
    app.extensions["minyi.limits"] = RateLimits(
        parse_setting(app.config.get("RATE_LIMITS", runtime.settings.rate_limits)),
        lambda: runtime.redis, runtime.settings.key_prefix)
    from .captcha import Captcha, load_hook
    captcha = app.extensions["minyi.captcha"] = Captcha(load_hook(
        app.config.get("CAPTCHA_HOOK", runtime.settings.captcha_hook)))
    app.jinja_env.globals["captcha_widget"] = captcha.widget
    if runtime.settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=runtime.settings.trusted_proxies,
                                x_proto=runtime.settings.trusted_proxies)
    logging.basicConfig(level=logging.INFO)

    from . import (admin, api, auth, comments, errors, feeds, filters, idempotency, incidents,
                   notifications, open311, openapi, photos, security, staff, system,
                   tickets)
    from . import consultations, reply_templates
    from .extensions import csrf

    system.init_app(app)  # request ids, latency metrics, JSON logs (web/system.py)
    photos.init_app(app)  # larger bodies where photos come, before CSRF reads the form
    consultations.init_app(app)  # larger bodies for consultation files, likewise
    csrf.init_app(app)
    errors.init_app(app)
    idempotency.init_app(app)
    security.init_app(app, runtime.settings.secure_cookies)
    filters.init_app(app)
    auth.init_app(app)
    blueprints = [*comments.blueprints(), *tickets.blueprints(), *incidents.blueprints(),
                  *consultations.blueprints(),
                  *feeds.blueprints(),
                  *open311.blueprints(), staff.bp, api.bp, openapi.bp, system.bp,
                  notifications.bp, admin.bp, reply_templates.bp, reply_templates.api_bp]
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    for blueprint in blueprints:
        if blueprint.url_prefix and blueprint.url_prefix.startswith(("/api/", "/open311/")):
            csrf.exempt(blueprint)
    if app.config.get("LEAN_PATHS", True):  # off: every request through Flask (tests)
        from .comments import api as comments_api
        from .tickets import api as tickets_api
        comments_api.lean_routes(app.lean_routes)
        tickets_api.lean_routes(app.lean_routes)
        api.lean_routes(app.lean_routes)
    from . import cli, history
    history.init_app(app)
    cli.init_app(app)
    if not app.testing:
        # What is built by now lives as long as the process: out of the collector's sight,
        # its passes over the old generation stay short (a request's garbage is young).
        gc.collect()
        gc.freeze()
    return app
