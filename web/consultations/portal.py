"""The portal's pre-publication column (重大决策预公开): /consultations by status with start
and end dates and days left, the year's catalogue, one consultation with its draft and the
opinion form, the citizen's own answer, and the published files."""

from urllib.parse import quote

from flask import Blueprint, Response, make_response, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import TooManyRequests

from domain.consultations import LISTED_PHASES, PARTICIPATION, PHASE_LABELS, Phase
from domain.consultations.aggregate import MAX_OPINION
from domain.errors import AuthenticationError, InvalidValueError

from ..extensions import rate_limits, runtime
from ..messages import chinese_errors
from ..ratelimits import client_address
from . import schemas
from .api import listing
from .public import citizen_opinion, public_detail, verified_opinion

bp = Blueprint("consultations_portal", __name__, url_prefix="/consultations")


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _filters(catalogue: bool = False):
    raw = {k: v for k, v in request.args.to_dict().items() if v != ""}
    errors = {}
    try:
        query = schemas.ConsultationsQuery().load(raw)
        page = listing(dict(query), catalogue=catalogue)
    except ValidationError as e:
        errors, query = chinese_errors(e.messages), schemas.ConsultationsQuery().load({})
        page = listing(dict(query), catalogue=catalogue)
    except InvalidValueError as e:
        errors, query = {"department": [e.message]}, schemas.ConsultationsQuery().load({})
        page = listing(dict(query), catalogue=catalogue)
    rt = runtime()
    return dict(page=page, query=query, errors=errors,
                args={k: v for k, v in raw.items() if k != "page" and not errors},
                departments=rt.queries.departments(active_only=False),
                years=rt.queries.consultation_years(), phases=LISTED_PHASES,
                phase_labels=PHASE_LABELS, participation=PARTICIPATION), \
        422 if errors else 200


@bp.get("")
def column():
    """预公开 column: consultations by status, with start and end dates and days left."""
    context, status = _filters()
    return render_template("portal/consultations/list.html", **context), status


@bp.get("/catalogue")
def catalogue():
    """年度重大决策事项目录: subject, department, planned time, how the public takes part."""
    context, status = _filters(catalogue=True)
    return render_template("portal/consultations/catalogue.html", **context), status


def _detail(consultation_no: str, status: int = 200, **context):
    page = request.args.get("page", "1")
    detail = public_detail(consultation_no[:40], page=int(page) if page.isdigit() and
                           0 < int(page) <= 100000 else 1)
    return make_response(render_template(
        "portal/consultations/detail.html", c=detail, Phase=Phase, max_opinion=MAX_OPINION,
        values=context.pop("values", {}), errors=context.pop("errors", {}), **context), status)


@bp.get("/<consultation_no>")
def detail(consultation_no: str):
    return _detail(consultation_no)


@bp.post("/<consultation_no>/opinions")
def submit_opinion(consultation_no: str):
    """The opinion form; errors come back on the page with the citizen's words kept."""
    values = {k: v.replace("\r\n", "\n") for k, v in request.form.to_dict().items()}
    try:
        data = schemas.OpinionForm().load(values)
    except ValidationError as e:
        return _private(_detail(consultation_no, 422, values=values,
                                errors=chinese_errors(e.messages)))
    try:
        rate_limits().hit("submit", client_address())
        created = runtime().app.submit_opinion(consultation_no[:40], **data)
    except TooManyRequests as e:
        response = _private(_detail(consultation_no, 429, values=values,
                                    errors={"_form": [e.description]}))
        response.headers["Retry-After"] = str(e.retry_after or 60)
        return response
    except InvalidValueError as e:
        return _private(_detail(consultation_no, 422, values=values,
                                errors={e.details.get("field") or "_form": [e.message]}))
    consultation = runtime().app.get_consultation(consultation_no[:40])
    return _private(make_response(render_template(
        "portal/consultations/receipt.html", created=created, consultation=consultation)))


@bp.route("/follow", methods=["GET", "POST"])
def follow():
    """The citizen's own opinion and the answer to it, with the query code."""
    if request.method == "GET":
        return _private(make_response(render_template(
            "portal/consultations/follow.html", values=request.args.to_dict(), errors={})))
    values = request.form.to_dict()
    values.pop("query_code_shown", None)
    try:
        data = schemas.OpinionQuery().load(values)
        opinion = verified_opinion(data["opinion_no"], data["query_code"])
    except ValidationError as e:
        return _private(make_response(render_template(
            "portal/consultations/follow.html", values=values,
            errors=chinese_errors(e.messages)), 422))
    except AuthenticationError as e:
        return _private(make_response(render_template(
            "portal/consultations/follow.html", values={"opinion_no": values.get("opinion_no")},
            errors={}, message=e.message), 403))
    return _private(make_response(render_template(
        "portal/consultations/follow_view.html", o=citizen_opinion(opinion))))


@bp.get("/<consultation_no>/files/<file_id>")
def file(consultation_no: str, file_id: str):
    """A published file, always as a download (never rendered by the browser)."""
    if len(file_id) != 32 or any(ch not in "0123456789abcdef" for ch in file_id):
        from domain.errors import NotFoundError
        raise NotFoundError("未找到该文件")
    stored = runtime().app.consultation_file(consultation_no[:40], file_id)
    return download(stored)


def download(stored) -> Response:
    response = Response(stored.content, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"file\"; filename*=UTF-8''{quote(stored.name)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
