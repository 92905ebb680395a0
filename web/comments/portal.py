"""Public portal pages: post a comment, follow it, read and rate replies.

Views stay thin: load the form with its marshmallow schema, call the application service
or a read-model query, render. The query code never travels in a URL: following and
rating are POSTs that redirect to GET /follow/<no>: the signed session remembers which
numbers it showed the code for (web/comments/citizen.py), so the page can be bookmarked and
refreshed without the code in a URL, a log or a form.
"""


from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, url_for)
from marshmallow import ValidationError
from werkzeug.exceptions import TooManyRequests

from domain.comments.aggregate import (MAX_ADDRESS, MAX_CONTENT, MAX_TITLE, MIN_CONTENT,
                                       RATING_REASONS)
from domain.errors import (AuthenticationError, DomainError, InvalidValueError,
                           NotFoundError)
from domain.reference import AREAS, BAD_RATINGS, KINDS, RATINGS, TICKET_KINDS
from infrastructure.photos import StorageUnavailable

from .. import photos, schemas
from ..extensions import rate_limits, runtime
from ..ratelimits import client_address
from ..feeds.pages import public_summary
from ..messages import chinese_errors
from .citizen import (DUPLICATE_MESSAGE, RECOVERY_SENT, remember_verified, session_comment,
                      verified_comment, view_of)

bp = Blueprint("portal", __name__)

WRONG_CODE = "留言编号或查询码不正确"
ASK_FOR_CODE = "请输入留言编号和查询码查看办理情况。"
HOME_LATEST = 10

# What each kind means, shown next to the radio buttons.
KIND_HINTS = {
    "咨询": "询问政策、办事流程等",
    "建议": "对政府工作提出意见建议",
    "投诉": "反映侵害自身权益的问题",
    "求助": "遇到困难需要政府帮助",
}


OVERSIZED_FORM = 32 * 1024 * 1024  # bytes read from the comment form at most
KEPT_CHARS = 2 * MAX_CONTENT  # what of an overlong field goes back into the form


def _form_data() -> dict:
    """The submitted form as a plain dict, with browser line endings normalised.

    Browsers send textarea line breaks as CRLF; counting them as one character keeps the
    server's length limit the same as the live counter the citizen saw.
    """
    return {k: v.replace("\r\n", "\n") for k, v in request.form.to_dict().items()}


def _no_store(response):
    """Pages that show a query code or a citizen's own item must not be cached."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _render(template: str, status: int = 200, *, private: bool = False, **context):
    response = make_response(render_template(template, **context), status)
    return _no_store(response) if private else response


# --- home ----------------------------------------------------------------------

@bp.get("/")
def home():
    latest = runtime().queries.public_replies(page=1, per_page=HOME_LATEST)
    return render_template("portal/home.html", latest=latest.items, total=latest.total,
                           summary=public_summary())


# --- post a comment -------------------------------------------------------------

def _comment_form(values: dict, errors: dict, status: int = 200):
    return _render("portal/comment_form.html", status, values=values, errors=errors,
                   kinds=KINDS, kind_hints=KIND_HINTS, categories=runtime().app.categories(),
                   departments=runtime().queries.departments(), areas=AREAS,
                   max_address=MAX_ADDRESS,
                   max_title=MAX_TITLE, max_content=MAX_CONTENT, min_content=MIN_CONTENT)


@bp.route("/comments/new", methods=["GET", "POST"])
def new_comment():
    if request.method == "GET":
        return _comment_form({}, {})
    # A text pasted far past the limit is still read (up to OVERSIZED_FORM), so the form can
    # come back with the citizen's words and a clear error instead of a bare 413.
    request.max_content_length = request.max_form_memory_size = OVERSIZED_FORM
    values = _form_data()
    try:
        data = schemas.CommentForm().load(values)
    except ValidationError as e:
        kept = {k: v[:KEPT_CHARS] for k, v in values.items()}
        return _comment_form(kept, chinese_errors(e.messages), 422)
    try:
        current_app.extensions["minyi.captcha"].verify(values, client_address())
    except InvalidValueError as e:
        return _comment_form(values, {"captcha": [e.message]}, 422)
    address = client_address()
    try:
        rate_limits().hit("submit", address)
    except TooManyRequests as e:  # the citizen's text stays in the form
        return _retry_later(_comment_form(values, {"_form": [e.description]}, 429), e)
    try:  # photos are checked and stored before the comment is recorded (web/photos.py)
        created = photos.submit_comment(
            data, photos.uploaded(), client=address,
            fold_seconds=runtime().settings.duplicate_window)
    except InvalidValueError as e:
        field = e.details.get("field") or "_form"
        return _comment_form(values, {field: [e.message]}, 422)
    except StorageUnavailable:
        response = make_response(_comment_form(values, {"photos": [photos.UNAVAILABLE]}, 503))
        response.headers["Retry-After"] = "5"
        return response
    return _render("portal/receipt.html", private=True, created=created,
                   duplicate_message=DUPLICATE_MESSAGE if created["duplicate"] else None)


# --- follow one's own comment -----------------------------------------------------

def _follow_form(values: dict, errors: dict, status: int = 200, message: str | None = None):
    return _render("portal/follow_form.html", status, private=True, values=values,
                   errors=errors, message=message)


def _follow_view(comment, status: int = 200, *, rating_values=None, rating_errors=None,
                 rating_message=None):
    view = view_of(comment)
    return _render("portal/follow_view.html", status, private=True, item=view,
                   photos=photos.own_photos(comment),
                   ratings=RATINGS, bad_ratings=BAD_RATINGS, rating_reasons=RATING_REASONS,
                   rating_values=rating_values or {}, rating_errors=rating_errors or {},
                   rating_message=rating_message, progress=progress_steps(view))


def _retry_later(response, e: TooManyRequests):
    response = make_response(response)
    response.headers["Retry-After"] = str(e.retry_after or 60)
    return response


def _verified(tracking_no: str, query_code: str):
    """The comment, or None when the number or the code is wrong.

    An unknown number and a wrong code look the same, so the form does not reveal
    which tracking numbers exist.
    """
    try:
        return verified_comment(tracking_no, query_code)
    except (AuthenticationError, NotFoundError):
        return None


@bp.route("/follow", methods=["GET", "POST"])
def follow():
    if request.method == "GET":
        try:
            prefill = schemas.QueryIn(partial=True).load(
                {k: v for k, v in request.args.to_dict().items() if k == "tracking_no"})
        except ValidationError:
            prefill = {}
        return _follow_form({"tracking_no": prefill.get("tracking_no", "")}, {})
    values = _form_data()
    try:
        data = schemas.QueryIn().load(values)
    except ValidationError as e:
        values.pop("query_code", None)
        return _follow_form(values, chinese_errors(e.messages), 422)
    try:
        comment = _verified(data["tracking_no"], data["query_code"])
    except TooManyRequests as e:
        return _retry_later(_follow_form({"tracking_no": data["tracking_no"]}, {}, 429,
                                         e.description), e)
    if comment is None:
        return _follow_form({"tracking_no": data["tracking_no"]}, {}, 403, WRONG_CODE)
    # POST-redirect-GET: the page can be bookmarked and refreshed; the code stays out of
    # the URL (the signed session remembers that it was shown).
    remember_verified(comment)
    return redirect(url_for("portal.follow_item", tracking_no=comment.tracking_no), 303)


@bp.get("/follow/<tracking_no>")
def follow_item(tracking_no: str):
    comment = session_comment(tracking_no)
    if comment is None:  # another browser, an expired session or a new query code
        flash(ASK_FOR_CODE, "info")
        return redirect(url_for("portal.follow", tracking_no=tracking_no), 303)
    return _follow_view(comment)


@bp.route("/follow/recover", methods=["GET", "POST"])
def recover():
    """找回查询码: a new code by e-mail to the address given with the comment."""
    if request.method == "GET":
        return _render("portal/recover_form.html", 200, private=True, values={}, errors={})
    values = _form_data()
    try:
        data = schemas.RecoveryForm().load(values)
    except ValidationError as e:
        return _render("portal/recover_form.html", 422, private=True, values=values,
                       errors=chinese_errors(e.messages))
    try:
        rate_limits().hit("submit", client_address())
    except TooManyRequests as e:
        return _retry_later(_render("portal/recover_form.html", 429, private=True,
                                    values=values, errors={"_form": [e.description]}), e)
    runtime().app.recover_query_code(data["tracking_no"], data["email"])
    flash(RECOVERY_SENT, "success")
    return redirect(url_for("portal.follow", tracking_no=data["tracking_no"]), 303)


@bp.post("/follow/<tracking_no>/rate")
def rate(tracking_no: str):
    values = _form_data()
    code = values.get("query_code", "").strip()
    comment = session_comment(tracking_no)
    if comment is None and code:  # a form from before the session (or without cookies)
        try:
            comment = _verified(tracking_no, code)
        except TooManyRequests as e:
            return _retry_later(_follow_form({"tracking_no": tracking_no}, {}, 429,
                                             e.description), e)
        if comment is not None:
            remember_verified(comment)
    if comment is None:
        return _follow_form({"tracking_no": tracking_no}, {}, 403, WRONG_CODE)
    values["reasons"] = request.form.getlist("reasons")
    try:
        data = schemas.RatingForm().load(values)
    except ValidationError as e:
        return _follow_view(comment, 422, rating_values=values,
                            rating_errors=chinese_errors(e.messages))
    try:
        runtime().app.rate_comment(comment, data["rating"], data["remark"], data["reasons"])
    except DomainError as e:
        status = 409 if not isinstance(e, InvalidValueError) else 422
        return _follow_view(runtime().app.get_comment(tracking_no), status,
                            rating_values=values, rating_message=e.message)
    if data["rating"] in BAD_RATINGS:
        flash("感谢您的评价！您的意见将由区政府办公室核实，并督促承办单位整改。", "success")
    else:
        flash("感谢您的评价！", "success")
    # The page after the redirect reads the aggregate where the read model lags behind.
    return redirect(url_for("portal.follow_item", tracking_no=tracking_no), 303)


# The progress bar on the follow page, one step per stage a comment goes through.
PROGRESS = ("提交留言", "审看受理", "交办办理", "答复公开", "评价办结")
_REACHED = {"submitted": 1, "accepted": 2, "dispatched": 3, "drafted": 3, "replied": 4,
            "closed": 5}  # steps done in each status


def progress_steps(view: dict) -> list[dict]:
    """Each step done, current or to come; a rejection ends the bar after the submission."""
    if view["status"] == "rejected":
        return [{"label": "提交留言", "state": "done"},
                {"label": "不予受理", "state": "stopped"}]
    done = _REACHED.get(view["status"], 1)
    return [{"label": label, "state": "done" if i < done else
             ("current" if i == done else "todo")} for i, label in enumerate(PROGRESS)]


# --- public replies ---------------------------------------------------------------

FILTER_KEYS = ("department", "category", "kind", "date_from", "date_to", "q", "sort")


@bp.get("/replies")
def replies():
    raw = {k: v for k, v in request.args.to_dict().items()
           if k in FILTER_KEYS + ("page", "per_page")}
    # What the pager links keep: the filters as typed (and a chosen page size).
    filters = {k: v.strip() for k, v in raw.items() if k != "page" and v.strip()}
    context = dict(filters=filters, departments=runtime().queries.departments(),
                   categories=runtime().app.all_categories(),
                   kinds=tuple(dict.fromkeys((*KINDS, *TICKET_KINDS))),
                   summary=public_summary())
    try:
        query = schemas.RepliesQuery().load(raw)
    except ValidationError as e:
        return render_template("portal/replies.html", page=None,
                               errors=chinese_errors(e.messages), **context), 422
    page = runtime().queries.public_replies(**query)
    return render_template("portal/replies.html", page=page, errors={}, **context)


@bp.get("/replies/<tracking_no>")
def reply_detail(tracking_no: str):
    item = runtime().queries.public_reply(tracking_no)
    if item is None:
        raise NotFoundError(f"未找到已公开的答复 {tracking_no}")
    return render_template("portal/reply_detail.html", item=item,
                           photos=photos.public_photos(tracking_no))
