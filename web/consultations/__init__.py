"""Major-decision pre-publication on the web: the portal column, the API, the staff
catalogue and item fields, and the feeds."""

from domain.consultations import CONSULTATIONS

from ..kinds import WebKind, register
from .staff import staff_fields

WEB = register(WebKind(CONSULTATIONS.kind, number_field="consultation_no",
                       staff_fields=staff_fields,
                       detail_template="staff/consultations/_fields.html",
                       queue_endpoint="consultations_console.catalogue",
                       queue_label="重大决策"))


def blueprints() -> list:
    from . import api, console, feeds, portal
    return [portal.bp, api.bp, api.staff_bp, console.bp, feeds.bp]


UPLOAD_ENDPOINTS = ("consultations_console.attach_file", "consultations_staff_api.attach_file")


def init_app(app) -> None:
    """Raise the body limit for file uploads before anything (CSRF, idempotency) reads the
    body, so that a file of up to 5 MB arrives and a larger one gets a clear message."""
    from flask import current_app, request

    from .api import MAX_UPLOAD

    @app.before_request
    def allow_consultation_files():
        if request.method == "POST" and request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = max(MAX_UPLOAD,
                                             current_app.config["MAX_CONTENT_LENGTH"])
            request.max_form_memory_size = max(request.max_form_memory_size or 0,
                                               1024 * 1024)
