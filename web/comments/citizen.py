"""The citizen's own view of a comment, shared by the portal pages and the API.

The portal's follow page is a GET (/follow/<no>): the POST with the query code verifies it
and records a proof in the signed session cookie, then redirects. The proof is an HMAC of
the number and the stored query-code hash, never the code, so a new query code (找回查询码)
ends every session that showed the old one.
"""

import hashlib
import hmac

from flask import current_app, session

from domain.comments import STATUS_LABELS, Status

from domain.errors import NotFoundError

from ..extensions import rate_limits, runtime

DUPLICATE_MESSAGE = ("您在几分钟内已提交过内容相同的留言，本次未重复受理。"
                     "以下是首次提交时的留言编号和查询码。")
RECOVERY_SENT = ("如留言编号与留言时填写的电子邮箱相符，新的查询码将发送到该邮箱，原查询码随即停用。"
                 "10 分钟内只能申请一次。")

FOLLOWED = "followed"  # session key: {tracking number: proof}
MAX_FOLLOWED = 10  # numbers one browser session keeps (the oldest is forgotten first)


def verified_comment(tracking_no: str, query_code: str):
    """The comment if the code matches; wrong codes are counted per number and address,
    and past the limit even the right code waits (429), so codes cannot be guessed."""
    return rate_limits().code_checked(
        tracking_no, lambda: runtime().app.comment_for_citizen(tracking_no, query_code))


def _proof(comment) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = f"follow:{comment.tracking_no}:{comment.query_code_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def remember_verified(comment) -> None:
    """This browser session showed the query code of `comment`."""
    followed = dict(session.get(FOLLOWED) or {})
    followed.pop(comment.tracking_no, None)
    followed[comment.tracking_no] = _proof(comment)
    session[FOLLOWED] = dict(list(followed.items())[-MAX_FOLLOWED:])


def session_comment(tracking_no: str):
    """The comment if this session showed its current query code, else None."""
    proof = (session.get(FOLLOWED) or {}).get(tracking_no)
    if not proof:
        return None
    try:
        comment = runtime().app.get_comment(tracking_no)
    except NotFoundError:
        return None
    return comment if hmac.compare_digest(proof, _proof(comment)) else None


def view_of(comment) -> dict:
    """The citizen's view of a verified comment.

    The read model answers normally; where it has not caught up yet (a fresh receipt, a
    rating just given) the aggregate's standing wins, so the page never shows an older
    state than the one the citizen has just seen.
    """
    # A draft is the department's business: the citizen sees the item as being handled.
    status = Status.DISPATCHED if comment.status == Status.DRAFTED else comment.status
    view = runtime().queries.citizen_view(comment.tracking_no)
    if view is None:
        view = {"tracking_no": comment.tracking_no, "title": comment.public_title,
                "content": comment.public_content, "kind": comment.kind,
                "category": comment.category, "status": status,
                "publish": comment.publish, "submitted_at": comment.submitted_at.isoformat(),
                "can_rate": False, "steps": []}
    if view["status"] != status or view.get("rating") != comment.rating:
        view.update(status=status, rating=comment.rating,
                    can_rate=comment.status == Status.REPLIED and comment.rating is None)
    if status == Status.REJECTED and not view.get("reject_reason"):
        view.update(reject_reason=comment.reject_reason,
                    reject_note=comment.reject_public_note or None)
    view["status_label"] = STATUS_LABELS.get(view["status"], view["status"])
    view["publish"] = bool(view.get("publish"))
    view["can_rate"] = bool(view.get("can_rate"))
    return view


def citizen_view(tracking_no: str, query_code: str) -> dict:
    """The item if the query code matches (domain errors otherwise)."""
    return view_of(verified_comment(tracking_no, query_code))
