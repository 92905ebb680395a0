"""Open311 documents in XML (required by the spec) and JSON (its Spark convention).

One structure serves both formats: dicts are elements, lists are wrappers whose items are
named as the spec names them (services/service, service_requests/request, ...). In XML,
None is an empty element, booleans are true/false; in JSON they stay null and booleans.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# A list under this element name holds elements of that name.
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute",
              "values": "value", "endpoints": "endpoint", "formats": "format",
              "errors": "error"}

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Open311Error(Exception):
    """An error the spec's way: an HTTP status and one or more descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.status, self.descriptions = status, descriptions


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM_NAMES[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def document(fmt: str, root: str, data, status: int = 200) -> Response:
    """`data` as the body of an Open311 response in `fmt` ("xml" or "json")."""
    body = to_json(data) if fmt == "json" else to_xml(root, data)
    return Response(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))


def errors(fmt: str, status: int, descriptions) -> Response:
    """The spec's error document: a list of {code, description}, code = the HTTP status."""
    return document(fmt, "errors", [{"code": status, "description": d} for d in descriptions],
                    status)


def local_time(value: str | None, tz: ZoneInfo) -> str | None:
    """A stored ISO moment as the spec wants it: local time with its offset (+08:00)."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(tz).isoformat(timespec="seconds")


def local_deadline(value: str | None, tz: ZoneInfo) -> str | None:
    """A due moment; one at local midnight (a date-only deadline passes then) is shown as
    the last second of the due date, so that clients showing only the date show that one."""
    if not value:
        return None
    moment = datetime.fromisoformat(value).astimezone(tz)
    if moment.time() == time.min:
        moment -= timedelta(seconds=1)
    return moment.isoformat(timespec="seconds")
