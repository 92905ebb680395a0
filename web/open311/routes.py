"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2.

Every resource answers in XML or JSON, by the suffix of its path. Errors are the spec's
error documents (404 for what does not exist, 403 for a missing or bad api_key, 400 for
everything else), in the format the path asked for (XML when it names none we know).
Only what the public listing shows is published in full; of any other item only its
number, status, service and the time it came in are told. Nothing personal, ever.
"""

import logging
import re
from datetime import date, datetime, time, timedelta

from flask import Blueprint, current_app, g, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from domain.errors import AccessDeniedError, AuthenticationError, DomainError, NotFoundError
from domain.reference import KINDS
from infrastructure.views.public_replies import PublicReplies

from ..errors import HTTP_MESSAGES
from ..extensions import runtime
from ..messages import chinese_errors
from ..schemas import Open311CommentIn
from .keys import api_client
from .render import FORMATS, Open311Error, document, errors, local_deadline, local_time
from .services import (DEFAULT_KIND, KIND_ATTRIBUTE, category_of, known_code, service_code,
                       service_definition, service_list)

log = logging.getLogger(__name__)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00+08:00"  # move on when this interface changes
CONTACT = "薛城区人民政府办公室（区政务公开办）"
KEY_SERVICE = "提交服务请求（POST requests）须使用 API 密钥，请向薛城区人民政府办公室（区政务公开办）申请。"

MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
MAX_TITLE_CHARS = 20
MAX_ADDRESS = 200
# Open311 status -> stages of the public listing's standing table (pub_status).
STAGES = {"open": (PublicReplies.OPEN,),
          "closed": (PublicReplies.ANSWERED, PublicReplies.REJECTED)}
STATUS_OF_STAGE = {stage: status for status, stages in STAGES.items() for stage in stages}

_NUMBER = re.compile(r"[A-Za-z0-9-]{1,40}")
_W3C = re.compile(r"\d{4}-\d{2}-\d{2}"
                  r"(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")
_CJK_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·]+")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
COMMENT_IN = Open311CommentIn()


# --- format, errors, caching ---------------------------------------------------------

def _format() -> str:
    """The format of this request's answer: the path's suffix, XML if none we know."""
    fmt = g.get("open311_format")
    if fmt is None:
        suffix = request.path.rsplit(".", 1)[-1] if "." in request.path else ""
        fmt = suffix if suffix in FORMATS else "xml"
    return fmt


@bp.url_value_preprocessor
def pick_format(endpoint, values):
    if values and "fmt" in values:
        fmt = values.pop("fmt")
        if fmt not in FORMATS:
            g.open311_format = "xml"
            raise Open311Error(404, f"不支持的格式“{fmt[:20]}”，请使用 .xml 或 .json")
        g.open311_format = fmt


@bp.errorhandler(Open311Error)
def open311_error(e: Open311Error):
    return errors(_format(), e.status, e.descriptions)


@bp.errorhandler(DomainError)
def domain_error(e: DomainError):
    if isinstance(e, NotFoundError):
        status = 404
    elif isinstance(e, (AuthenticationError, AccessDeniedError)):
        status = 403
    else:  # invalid values, conflicts: "400 for any other error" (the spec)
        status = 400
    return errors(_format(), status, [e.message])


@bp.errorhandler(HTTPException)
def http_error(e: HTTPException):
    status = e.code or 400
    response = errors(_format(), status, [HTTP_MESSAGES.get(status, e.name)])
    if isinstance(e, MethodNotAllowed) and e.valid_methods:
        response.headers["Allow"] = ", ".join(e.valid_methods)
    return response


@bp.errorhandler(Exception)
def unexpected(e: Exception):
    # The spec's "general service error" is a 400 the client reports to us.
    log.exception("open311: unhandled error on %s %s", request.method, request.path)
    return errors(_format(), 400, ["服务暂时无法处理该请求，请稍后重试；如持续出现请与我们联系"])


@bp.after_request
def conditional(response):
    """Unchanged GET answers are 304s for clients that send If-None-Match."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def fallback(rest: str):
    """Anything else under /open311/v2: 405 for a known resource, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=[*allowed, "HEAD"] if "GET" in allowed
                               else allowed)
    raise Open311Error(404, "请求的资源不存在")


# --- discovery and services ----------------------------------------------------------

@bp.get("/discovery.<fmt>")
def discovery():
    url = request.url_root.rstrip("/") + bp.url_prefix
    return document(_format(), "discovery", {
        "changeset": CHANGESET, "contact": CONTACT, "key_service": KEY_SERVICE,
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                       "type": "production", "formats": ["text/xml", "application/json"]}]})


@bp.get("/services.<fmt>")
def services():
    return document(_format(), "services", service_list())


@bp.get("/services/<code>.<fmt>")
def service(code: str):
    if not known_code(code):
        raise Open311Error(404, f"未找到服务代码 service_code：{code[:40]}")
    return document(_format(), "service_definition", service_definition(code))


# --- service requests: reading -------------------------------------------------------

def _values(name: str) -> list[str]:
    """A parameter declared once or several times, each comma delimited; blanks dropped."""
    return list(dict.fromkeys(v.strip() for raw in request.args.getlist(name)
                              for v in raw.split(",") if v.strip()))


def _moment(name: str, *, end: bool = False) -> datetime | None:
    """A W3C date-time parameter; a bare date means its start (or, for `end`, its end) in
    local time, as does a time without an offset."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    raw = re.sub(r"(T[\d:.]+) (\d{2}:\d{2})$", r"\1+\2", raw)  # an unencoded "+" became " "
    if not _W3C.fullmatch(raw):
        raise Open311Error(400, f"{name} 须为 W3C 日期时间格式，例如 2026-09-01T00:00:00+08:00")
    tz = runtime().app.tz
    try:
        if "T" not in raw:
            day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
            moment = datetime.combine(day, time.min, tzinfo=tz)
            return moment - timedelta(microseconds=1) if end else moment
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Open311Error(400, f"{name} 不是有效的日期时间：{raw[:40]}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _span() -> tuple[datetime, datetime]:
    """start_date and end_date: at most 90 days apart; the last 90 days by default."""
    start, end = _moment("start_date"), _moment("end_date", end=True)
    if start is None and end is None:
        end = runtime().app.clock()
        start = end - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date 不能早于 start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date 与 end_date 之间不能超过90天")
    return start, end


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise Open311Error(400, f"{name} 须为正整数")
    if maximum is not None and int(raw) > maximum:
        raise Open311Error(400, f"{name} 不能大于{maximum}")
    return int(raw)


def _full(row: dict) -> dict:
    """A published item, every field the spec names (empty where we have nothing)."""
    tz = runtime().app.tz
    return {"service_request_id": row["tracking_no"],
            "status": STATUS_OF_STAGE[row["stage"]],
            "status_notes": row["reply"],
            "service_name": row["category"],
            "service_code": service_code(row["category"]),
            "description": row["content"],
            "agency_responsible": row["reply_department"],
            "service_notice": None,
            "requested_datetime": local_time(row["requested_at"], tz),
            "updated_datetime": local_time(row["stage_at"], tz),
            "expected_datetime": local_deadline(row["due_at"], tz),
            "address": row["area"],
            "address_id": None, "zipcode": None, "lat": None, "long": None,
            "media_url": None}


def _minimal(row: dict) -> dict:
    """An item that is not public: that it exists and where it stands, nothing more."""
    return {"service_request_id": row["tracking_no"],
            "status": STATUS_OF_STAGE[row["stage"]],
            "service_name": row["category"],
            "service_code": service_code(row["category"]),
            "requested_datetime": local_time(row["requested_at"], runtime().app.tz)}


def _by_number(numbers: list[str]) -> list[dict]:
    """Records for the numbers asked for, in that order; unknown numbers are left out."""
    numbers = [n for n in numbers if _NUMBER.fullmatch(n)]
    queries = runtime().queries
    public = {row["tracking_no"]: _full(row) for row in queries.public_requests_numbered(numbers)}
    rest = [n for n in numbers if n not in public]
    private = {row["tracking_no"]: _minimal(row) for row in queries.item_standing(rest)}
    return [public.get(n) or private[n] for n in numbers if n in public or n in private]


@bp.get("/requests.<fmt>")
def requests_list():
    numbers = _values("service_request_id")
    if numbers:  # "This overrides all other arguments."
        if len(numbers) > MAX_PAGE_SIZE:
            raise Open311Error(400, f"service_request_id 一次最多{MAX_PAGE_SIZE}个")
        return document(_format(), "service_requests", _by_number(numbers))
    codes, statuses = _values("service_code"), _values("status")
    unknown = [c for c in codes if not known_code(c)]
    if unknown:
        raise Open311Error(400, f"未知的服务代码 service_code：{'、'.join(unknown)[:100]}")
    bad = [s for s in statuses if s not in STAGES]
    if bad:
        raise Open311Error(400, "status 只能为 open 或 closed（可用逗号分隔）")
    start, end = _span()
    page = _positive("page", 1)
    page_size = _positive("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    found = runtime().queries.public_requests(
        categories=[category_of(c) for c in codes],
        stages=[stage for s in statuses for stage in STAGES[s]],
        start=start, end=end, page=page, per_page=page_size)
    return document(_format(), "service_requests", [_full(row) for row in found.items])


@bp.get("/requests/<service_request_id>.<fmt>")
def request_one(service_request_id: str):
    found = _by_number([service_request_id])
    if not found:
        raise Open311Error(404, f"未找到服务请求：{service_request_id[:40]}")
    return document(_format(), "service_requests", found)


# --- service requests: filing --------------------------------------------------------

# Input fields of the comment -> the Open311 argument a client knows them by.
_ARGUMENT_OF = {"title": "description", "content": "description", "name": "first_name/last_name",
                "phone": "phone", "email": "email", "kind": f"attribute[{KIND_ATTRIBUTE}]",
                "category": "service_code"}


def _full_name(first: str, last: str) -> str | None:
    """first_name and last_name as one name: family name first, unspaced, for Chinese."""
    first, last = first.strip(), last.strip()
    if first and last:
        if _CJK_NAME.fullmatch(first) and _CJK_NAME.fullmatch(last):
            return last + first
        return f"{first} {last}"
    return first or last or None


def _location_problems(form) -> list[str]:
    """The spec wants one location: lat & long, address_string or address_id."""
    lat, long = form.get("lat", "").strip(), form.get("long", "").strip()
    address, address_id = form.get("address_string", "").strip(), form.get("address_id", "").strip()
    problems = []
    if lat or long:
        try:
            values = float(lat), float(long)
        except ValueError:
            values = None
        if values is None or not (-90 <= values[0] <= 90 and -180 <= values[1] <= 180):
            problems.append("lat 和 long 须同时提供，且为有效的 WGS84 经纬度")
    elif not address and not address_id:
        problems.append("须提供位置：lat 和 long、address_string 或 address_id 之一")
    if len(address) > MAX_ADDRESS or len(address_id) > MAX_ADDRESS:
        problems.append(f"address_string 和 address_id 不能超过{MAX_ADDRESS}个字符")
    return problems


def _title(description: str) -> str:
    return " ".join(description.split())[:MAX_TITLE_CHARS].strip()


@bp.post("/requests.<fmt>")
def requests_create():
    if request.content_length and request.mimetype not in FORM_TYPES:
        raise Open311Error(400, "请求体须为 application/x-www-form-urlencoded 表单")
    form = request.form
    key = form.get("api_key", "").strip()
    if not key:
        where = "，不能放在网址中" if "api_key" in request.args else ""
        raise Open311Error(403, f"缺少 api_key：须在请求体中提交{where}")
    client = api_client(key)
    if client is None:
        raise Open311Error(403, "api_key 无效或已被撤销")
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = category_of(code)
    if category is None:
        raise Open311Error(404, f"未找到服务代码 service_code：{code[:40]}")

    problems = _location_problems(form)
    kind = form.get(f"attribute[{KIND_ATTRIBUTE}]", "").strip() or DEFAULT_KIND
    if kind not in KINDS:
        problems.append(f"attribute[{KIND_ATTRIBUTE}] 须为：{'、'.join(KINDS)}之一")
        kind = DEFAULT_KIND  # check the other fields all the same
    description = form.get("description", "")
    try:
        data = COMMENT_IN.load({
            "title": _title(description), "content": description, "kind": kind,
            "category": category,
            "name": _full_name(form.get("first_name", ""), form.get("last_name", "")),
            "phone": form.get("phone", "").strip() or None,
            "email": form.get("email", "").strip() or None, "publish": True})
    except ValidationError as e:
        messages = chinese_errors(e.messages)
        for field in ("content", "title", "name", "phone", "email", "kind", "category"):
            if field in messages:
                text = f"{_ARGUMENT_OF[field]}：{'；'.join(map(str, messages[field]))}"
                if not (field == "title" and "content" in messages):
                    problems.append(text)
        data = None
    if problems:
        raise Open311Error(400, *problems)

    receipt = runtime().app.submit_comment(**data, channel="portal", min_content=1)
    number = receipt["tracking_no"]
    log.info("open311: API client %r filed comment %s", client.name, number)
    notice = (f"您的留言已收到，留言编号为 {number}。工作人员审核受理后将交有关单位办理，"
              "答复经审签后在本网站公开；可凭留言编号查询办理状态。")
    return document(_format(), "service_requests",
                    [{"service_request_id": number, "service_notice": notice,
                      "account_id": None}])
