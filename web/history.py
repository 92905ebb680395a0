"""The supervisor's view of history: every event of an item or an account with who, when
and — for staff — from which client address, as CSV (UTF-8 with BOM, for spreadsheets).

Staff requests that change something are recorded here too (infrastructure/audit.py): an
after-request hook writes one row per write request of a signed-in member of staff and
per sign-in attempt."""

import csv
import io
import json
import logging

from flask import Blueprint, Response, g, request

from domain.directory import staff_id

from .auth import current_actor, staff_required
from .extensions import runtime

log = logging.getLogger(__name__)
bp = Blueprint("history", __name__, url_prefix="/staff/history")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def record_staff_writes(response):
    """After a write by staff (or a sign-in attempt): one audit row, never failing it."""
    if request.method not in WRITES:
        return response
    actor = g.get("audit_actor") or (g.actor.id if g.get("actor") is not None else None)
    if actor is None:
        return response
    record_write(actor, request.remote_addr or "", request.method, request.path,
                 response.status_code, request.endpoint or "")
    return response


def record_write(actor: str, client: str, method: str, path: str, status: int,
                 endpoint: str) -> None:
    """One audit row for a write by `actor`, with what the view noted in `g` (the item,
    what it did); never failing the request (the lean path calls this too)."""
    kind, number, version = g.get("audit_item") or (None, None, None)
    try:
        runtime().audit.record(
            at=runtime().app.clock(), actor=actor, client=client, method=method, path=path,
            status=status, what=g.get("audit_what") or endpoint, item_kind=kind,
            item_no=number, item_version=version)
    except Exception:  # noqa: BLE001 - the action is done; the record is best effort
        log.exception("audit record failed for %s %s", method, path)


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           default=str)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(name: str, header: list, rows) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell("" if v is None else v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}.csv"})


@bp.get("/<kind>/<number>.csv")
@staff_required("supervisor")
def item_history(kind: str, number: str):
    """Every event of one item: time, actor, step, details, client address."""
    rt = runtime()
    steps = rt.app.timeline(kind, number)  # 404 for an unknown kind or number
    clients = rt.audit.clients_of(kind, number)
    rows = ([s["at"].isoformat(), s["version"], s["actor"], s["label"], s["event"],
             s["details"], clients.get(s["version"], "") if s["actor"].startswith("staff:")
             else ""] for s in steps)
    return _csv(f"history-{kind}-{number}",
                ["时间", "版本", "操作人", "步骤", "事件", "详情", "客户端地址"], rows)


@bp.get("/accounts/<username>.csv")
@staff_required("supervisor")
def account_history(username: str):
    """An account's own events (created, roles, password…) and every write it made."""
    rt = runtime()
    account = rt.app.get_staff(username)  # 404 for an unknown account
    rows = [[e.at.isoformat(), "账号事件", e.actor, type(e).__name__, "", "",
             {k: v for k, v in e.__dict__.items() if k in ("roles", "department", "email",
                                                           "display_name", "username")}]
            for e in rt.app.events.get(staff_id(account.username))]
    rows += [[r["at"], "操作", r["actor"], r["what"], f"{r['method']} {r['path']}",
              r["client"], {"status": r["status"], "item": r["item_no"],
                            "version": r["item_version"]}]
             for r in rt.audit.of_actor(f"staff:{account.username}")]
    rows.sort(key=lambda row: row[0])
    return _csv(f"history-account-{account.username}",
                ["时间", "类别", "操作人", "内容", "请求", "客户端地址", "详情"], rows)


def init_app(app) -> None:
    app.after_request(record_staff_writes)
    app.register_blueprint(bp)
