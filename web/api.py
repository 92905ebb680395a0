"""The JSON API under /api/v1 shared by every item kind: reference data, tokens, staff actions."""

from flask import Blueprint, abort, jsonify, request

from domain.errors import NotFoundError
from domain.reference import KINDS, RATINGS, REJECT_REASONS

from . import lean, schemas
from .auth import current_actor, issue_token, login_attempt, staff_required
from .extensions import runtime
from .forms import run_action
from .items import item_detail
from .jsonbody import json_body
from .kinds import web_kind

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/reference")
def reference():
    """Departments, categories, kinds, ratings and rejection reasons for client forms."""
    return {"departments": runtime().queries.departments(), "categories": list(runtime().app.categories()),
            "kinds": list(KINDS), "ratings": list(RATINGS), "reject_reasons": REJECT_REASONS}


# --- staff -----------------------------------------------------------------------

@bp.post("/auth/token")
def token():
    """Exchange a staff username and password for a bearer token."""
    data = schemas.TokenIn().load(json_body())
    actor = login_attempt(data["username"], data["password"])
    issued = issue_token(actor, label="API")
    return {"token": issued["secret"], "token_type": "Bearer", "token_id": issued["id"],
            "expires_in": runtime().settings.token_max_age,
            "expires_at": issued["expires_at"].isoformat()}, 201


@bp.get("/me")
@staff_required()
def me():
    a = current_actor()
    return {"username": a.username, "display_name": a.display_name, "roles": list(a.roles),
            "department": a.department}


@bp.get("/staff/tokens")
@staff_required()
def list_tokens():
    """The live sessions and API tokens of the signed-in account (an admin: of any account,
    `?username=`), newest first; never their secrets."""
    actor = current_actor()
    username = request.args.get("username") or actor.username
    if username != actor.username:
        actor.require_role("admin")
    rows = runtime().credentials.listing(username[:40])
    return {"items": [{k: r[k] for k in ("id", "kind", "created_at", "expires_at", "client",
                                          "label")} for r in rows]}


@bp.delete("/staff/tokens/<credential_id>")
@staff_required()
def revoke_token(credential_id: str):
    """Revoke one of the account's sessions or tokens (an admin: anyone's)."""
    actor = current_actor()
    owner = None if actor.has_role("admin") else actor.username
    if not runtime().credentials.revoke(credential_id=credential_id[:40], username=owner):
        raise NotFoundError("未找到该令牌，或已失效")
    return {"id": credential_id, "revoked": True}


@bp.get("/staff/inbox")
@staff_required()
def inbox():
    """The inbox; handlers see only their own department."""
    query = schemas.InboxQuery().load(request.args.to_dict())
    actor = current_actor()
    if not actor.sees_all_departments:
        query["department"] = actor.department
    rt = runtime()
    page = rt.queries.inbox(today=rt.app.today(), **query)
    return schemas.InboxPageOut().dump(page.as_dict())


@bp.get("/staff/todo")
@staff_required()
def todo():
    """What the signed-in member's roles must do now, the nearest deadline first."""
    from .staff import deadline_marks
    query = schemas.TodoQuery().load(request.args.to_dict())
    actor = current_actor()
    department = None if actor.sees_all_departments else actor.department
    rt = runtime()
    today = rt.app.today()
    page = rt.queries.todo(today=today, roles=actor.roles, queue=query["queue"],
                           department=department, page=query["page"],
                           per_page=query["per_page"])
    deadline_marks(page.items, today)
    return schemas.TodoPageOut().dump({
        **page.as_dict(),
        "queues": rt.queries.todo_counts(today=today, roles=actor.roles,
                                         department=department)})


@bp.get("/staff/<kind>/<number>")
@staff_required()
def staff_item(kind: str, number: str):
    """Everything staff may see of one item: contact, reply, timeline, possible actions."""
    return jsonify(item_detail(kind, number, current_actor()))


@bp.post("/staff/<kind>/<number>/<action>")
@staff_required()
def staff_action(kind: str, number: str, action: str):
    """Run one of the kind's workflow actions; answers the new status and what may follow."""
    workflow = runtime().app.workflows[kind]
    workflow.action(action)  # an unknown action is a 404 before the body is read
    return acted(workflow, kind, number, action, json_body(optional=True))


def acted(workflow, kind: str, number: str, action: str, data: dict) -> dict:
    """The action run by the signed-in member, and the answer: the item's new status and
    the actions that may follow."""
    actor = current_actor()
    item = run_action(runtime().app, kind, number, action, actor, data)
    return {"kind": kind, "number": item.number, web_kind(kind).number_field: item.number,
            "status": item.status,
            "actions": [a.name for a in workflow.available(item, actor)]}


def lean_action(app, environ: dict, raw: bytes, kind: str, number: str, action: str):
    """`POST /api/v1/staff/<kind>/<number>/<action>` with a JSON body, on the lean path
    (web/lean.py), which has signed the member in: the view's steps in its order."""
    workflow = runtime().app.workflows[kind]
    workflow.action(action)
    body = lean.json_object(app, raw) if raw else {}  # no body: no inputs, as in the view
    if body is lean.DECLINED:
        return body
    return acted(workflow, kind, number, action, body), 200


def lean_routes(routes) -> None:
    routes.add_endpoint("POST", "/api/v1/staff/", "api.staff_action", lean_action,
                        bodyless=True)
