"""Staff console pages (placeholder until the pages land)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/login")
def login():
    return "login"
