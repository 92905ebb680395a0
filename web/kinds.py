"""What the web adds to an item kind: its own staff fields and the template that shows them.

A kind without an entry here still works through the generic console and API routes;
it shows the generic fields only.
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class WebKind:
    kind: str
    number_field: str = "number"  # what the JSON API calls the item's number
    staff_fields: Callable[[object], dict] = lambda item: {}
    detail_template: str = "staff/_item_fields.html"  # the kind's part of the item page
    queue_endpoint: str = "staff.inbox"  # where the item page's breadcrumb leads
    queue_label: str = "工作台"


_KINDS: dict[str, WebKind] = {}


def register(web: WebKind) -> WebKind:
    _KINDS[web.kind] = web
    return web


def web_kind(kind: str) -> WebKind:
    return _KINDS.get(kind) or WebKind(kind)
