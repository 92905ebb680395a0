"""Portal comments on the web: the citizen's pages and API, and their staff fields."""

from domain.comments import COMMENTS

from ..kinds import WebKind, register
from .staff import staff_fields

WEB = register(WebKind(COMMENTS.kind, number_field="tracking_no", staff_fields=staff_fields,
                       detail_template="staff/comments/_fields.html"))


def blueprints() -> list:
    from . import api, portal
    from .. import photos
    return [portal.bp, api.bp, photos.bp]
