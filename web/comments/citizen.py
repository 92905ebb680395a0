"""The citizen's own view of a comment, shared by the portal pages and the API."""

from domain.comments import STATUS_LABELS

from domain.errors import AuthenticationError

from ..extensions import rate_limits, runtime
from ..ratelimits import client_address

DUPLICATE_MESSAGE = ("您在几分钟内已提交过内容相同的留言，本次未重复受理。"
                     "以下是首次提交时的留言编号和查询码。")
RECOVERY_SENT = ("如留言编号与留言时填写的电子邮箱相符，新的查询码将发送到该邮箱，原查询码随即停用。"
                 "10 分钟内只能申请一次。")


def verified_comment(tracking_no: str, query_code: str):
    """The comment if the code matches; wrong codes are counted per number and address,
    and past the limit even the right code waits (429), so codes cannot be guessed."""
    limits, address = rate_limits(), client_address()
    limits.check("query_code", tracking_no)
    limits.check("query_code_addr", address)
    try:
        return runtime().app.comment_for_citizen(tracking_no, query_code)
    except AuthenticationError:
        limits.failed(("query_code", tracking_no), ("query_code_addr", address))
        raise


def citizen_view(tracking_no: str, query_code: str) -> dict:
    """The item if the query code matches (domain errors otherwise).

    The read model answers normally; in the moment before the read model has caught
    up, the same fields come from the aggregate so a fresh receipt never looks lost.
    """
    rt = runtime()
    comment = verified_comment(tracking_no, query_code)
    view = rt.queries.citizen_view(tracking_no)
    if view is None:
        view = {"tracking_no": comment.tracking_no, "title": comment.public_title,
                "content": comment.public_content, "kind": comment.kind,
                "category": comment.category, "status": comment.status,
                "publish": comment.publish, "submitted_at": comment.submitted_at.isoformat(),
                "can_rate": False, "steps": []}
    view["status_label"] = STATUS_LABELS.get(view["status"], view["status"])
    view["publish"] = bool(view.get("publish"))
    view["can_rate"] = bool(view.get("can_rate"))
    return view
