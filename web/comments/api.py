"""The citizen's JSON API for comments under /api/v1 (the public contract)."""

from flask import Blueprint, abort, request
from werkzeug.exceptions import TooManyRequests

from domain.errors import NotFoundError

from infrastructure.photos import StorageUnavailable

from .. import lean, photos, schemas
from ..extensions import rate_limits, runtime
from ..ratelimits import client_address
from ..jsonbody import json_body
from .citizen import DUPLICATE_MESSAGE, RECOVERY_SENT, citizen_view, verified_comment

bp = Blueprint("comments_api", __name__, url_prefix="/api/v1")
# Built once: loading keeps no state in the schema, and building one costs more than a load.
COMMENT_IN, COMMENT_CREATED = schemas.CommentIn(), schemas.CommentCreated()


@bp.post("/comments")
def submit_comment():
    """Post a comment; 201 with the tracking number and a one-time query code. JSON, or
    multipart with the JSON in `comment` and up to three `photos` (web/photos.py)."""
    body, uploads = photos.api_comment_body()
    data = COMMENT_IN.load(body)
    address = client_address()
    rate_limits().hit("submit", address)
    return receipt(data, uploads, address)


def receipt(data: dict, uploads: list, address: str) -> tuple[dict, int]:
    """Record a checked submission; its receipt and status (200 for a folded repeat)."""
    try:
        created = photos.submit_comment(
            data, uploads, client=address, fold_seconds=runtime().settings.duplicate_window)
    except StorageUnavailable:
        raise photos.unavailable() from None
    if created["duplicate"]:
        created["message"] = DUPLICATE_MESSAGE
        return COMMENT_CREATED.dump(created), 200
    created["message"] = "留言已提交，请妥善保存留言编号和查询码"
    return COMMENT_CREATED.dump(created), 201


def lean_submit(app, environ: dict, raw: bytes):
    """`POST /api/v1/comments` with a plain JSON body, answered on the lean path
    (web/lean.py) by the same steps as the view. A body that is not a JSON object, and a
    client over its limit, are left to Flask's answers (nothing is counted or recorded)."""
    body = lean.json_object(app, raw)
    if body is lean.DECLINED:
        return body
    data = COMMENT_IN.load(body)
    address = environ.get("REMOTE_ADDR") or ""
    try:
        rate_limits().hit("submit", address)
    except TooManyRequests:
        return lean.DECLINED
    return receipt(data, [], address)


def lean_routes(routes) -> None:
    routes.add("POST", "/api/v1/comments", lean_submit)


@bp.get("/comments/<tracking_no>")
def get_comment(tracking_no: str):
    """The citizen's own view; needs ?query_code=."""
    code = request.args.get("query_code", "")
    if not code:
        abort(400, description="缺少查询码 query_code")
    return schemas.CitizenCommentOut().dump(citizen_view(tracking_no, code))


@bp.post("/comments/<tracking_no>/rating")
def rate_comment(tracking_no: str):
    data = schemas.RatingIn().load(json_body())
    verified_comment(tracking_no, data["query_code"])
    runtime().app.rate_reply(tracking_no, data["query_code"], data["rating"], data["remark"],
                             data["reasons"])
    return {"tracking_no": tracking_no, "rating": data["rating"]}, 201


@bp.post("/comments/<tracking_no>/query-code-recovery")
def recover_query_code(tracking_no: str):
    """E-mail a new query code to the address given with the comment.

    202 whether or not the number and address match, so neither can be probed.
    """
    data = schemas.RecoveryIn().load(json_body())
    rate_limits().hit("submit", client_address())
    runtime().app.recover_query_code(tracking_no[:40], data["email"])
    return {"message": RECOVERY_SENT}, 202


@bp.get("/replies")
def list_replies():
    """Published replies with 受理日期, 答复日期, 答复部门, 答复内容; filters and paging."""
    query = schemas.RepliesQuery().load(request.args.to_dict())
    page = runtime().queries.public_replies(**query)
    return schemas.RepliesPageOut().dump(page.as_dict())


@bp.get("/replies/<tracking_no>")
def get_reply(tracking_no: str):
    item = runtime().queries.public_reply(tracking_no)
    if item is None:
        raise NotFoundError(f"未找到已公开的答复 {tracking_no}")
    return photos.PublicReplyDetailOut().dump(
        {**item, "photos": photos.public_photos(tracking_no)})
