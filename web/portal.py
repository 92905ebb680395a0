"""Public portal pages (placeholder until the pages land)."""

from flask import Blueprint

bp = Blueprint("portal", __name__)
