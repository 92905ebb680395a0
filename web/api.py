"""The JSON API under /api/v1: the citizen's contract (DESIGN.md section 7) and staff actions."""

from flask import Blueprint, abort, jsonify, request

from domain.errors import NotFoundError
from domain.reference import CATEGORIES, KINDS, RATINGS, REJECT_REASONS

from . import schemas as s
from .actions import ACTIONS, available_actions, run_action
from .auth import authenticate, current_actor, staff_required
from .citizen import citizen_view
from .extensions import runtime
from .staff_views import comment_detail

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body(optional: bool = False) -> dict:
    """The request's JSON object (empty if optional and no body), or a 400 that says so."""
    if optional and not request.data:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="请求体须为 JSON 对象")
    return data


@bp.post("/comments")
def submit_comment():
    """Post a comment; 201 with the tracking number and a one-time query code."""
    data = s.CommentIn().load(json_body())
    created = runtime().app.submit_comment(**data)
    created["message"] = "留言已提交，请妥善保存受理编号和查询码"
    return s.CommentCreated().dump(created), 201


@bp.get("/comments/<tracking_no>")
def get_comment(tracking_no: str):
    """The citizen's own view; needs ?query_code=."""
    code = request.args.get("query_code", "")
    if not code:
        abort(400, description="缺少查询码 query_code")
    return s.CitizenCommentOut().dump(citizen_view(tracking_no, code))


@bp.post("/comments/<tracking_no>/rating")
def rate_comment(tracking_no: str):
    data = s.RatingIn().load(json_body())
    runtime().app.rate_reply(tracking_no, data["query_code"], data["rating"], data["remark"])
    return {"tracking_no": tracking_no, "rating": data["rating"]}, 201


@bp.get("/replies")
def list_replies():
    """Published replies with 受理日期, 答复日期, 答复部门, 答复内容; filters and paging."""
    query = s.RepliesQuery().load(request.args.to_dict())
    page = runtime().queries.public_replies(**query)
    return s.RepliesPageOut().dump(page.as_dict())


@bp.get("/replies/<tracking_no>")
def get_reply(tracking_no: str):
    item = runtime().queries.public_reply(tracking_no)
    if item is None:
        raise NotFoundError(f"未找到已公开的答复 {tracking_no}")
    return s.PublicReplyOut().dump(item)


@bp.get("/reference")
def reference():
    """Departments, categories, kinds, ratings and rejection reasons for client forms."""
    return {"departments": runtime().queries.departments(), "categories": list(CATEGORIES),
            "kinds": list(KINDS), "ratings": list(RATINGS), "reject_reasons": REJECT_REASONS}


# --- staff -----------------------------------------------------------------------

@bp.post("/auth/token")
def issue_token():
    """Exchange a staff username and password for a bearer token."""
    data = s.TokenIn().load(json_body())
    actor = authenticate(data["username"], data["password"])
    account = runtime().app.get_staff(actor.username)
    token = runtime().tokens.issue(actor.username, account.password_hash)
    return {"token": token, "token_type": "Bearer",
            "expires_in": runtime().settings.token_max_age}, 201


@bp.get("/me")
@staff_required()
def me():
    a = current_actor()
    return {"username": a.username, "display_name": a.display_name, "roles": list(a.roles),
            "department": a.department}


@bp.get("/staff/inbox")
@staff_required()
def inbox():
    """The inbox; handlers see only their own department."""
    query = s.InboxQuery().load(request.args.to_dict())
    actor = current_actor()
    if not actor.sees_all_departments:
        query["department"] = actor.department
    rt = runtime()
    page = rt.queries.inbox(today=rt.app.today(), **query)
    return s.InboxPageOut().dump(page.as_dict())


@bp.get("/staff/comments/<tracking_no>")
@staff_required()
def staff_comment(tracking_no: str):
    """Everything staff may see of one item: contact, reply, timeline, possible actions."""
    return jsonify(comment_detail(tracking_no, current_actor()))


@bp.post("/staff/comments/<tracking_no>/<action>")
@staff_required()
def staff_action(tracking_no: str, action: str):
    if action not in ACTIONS:
        raise NotFoundError(f"未知的操作：{action}")
    data = json_body(optional=True)
    actor = current_actor()
    comment = run_action(runtime().app, action, tracking_no, actor, data)
    return {"tracking_no": tracking_no, "status": comment.status,
            "actions": available_actions(comment, actor)}
