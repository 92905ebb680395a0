"""Flask extensions, created unbound and bound in create_app."""

from flask import current_app
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def runtime():
    """The bootstrapped runtime of the current Flask app."""
    return current_app.extensions["minyi"]


def rate_limits():
    """The app's abuse limits (web/ratelimits.py)."""
    return current_app.extensions["minyi.limits"]
