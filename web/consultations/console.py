"""The staff console's catalogue of major decisions (/staff/consultations): the list, a new
entry, and file uploads for one consultation (its item page is the generic one)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.consultations import PARTICIPATION, PHASE_LABELS
from domain.errors import DomainError, NotFoundError

from ..auth import current_actor, staff_required
from ..extensions import runtime
from ..messages import chinese_errors
from . import schemas
from .api import upload
from .portal import download

bp = Blueprint("consultations_console", __name__, url_prefix="/staff/consultations")


def _catalogue(values: dict | None = None, errors: dict | None = None, status: int = 200):
    actor, rt = current_actor(), runtime()
    raw = {k: v for k, v in request.args.to_dict().items() if v != ""}
    try:
        query = schemas.StaffQuery().load(raw)
    except ValidationError as e:
        errors = {**(errors or {}), **chinese_errors(e.messages)}
        query, status = schemas.StaffQuery().load({}), 422
    if not actor.sees_all_departments:
        query["department"] = actor.department or "—"
    page = rt.queries.consultations(today=rt.app.today(), catalogue=True, **query)
    departments = rt.queries.departments()
    if not actor.sees_all_departments:
        departments = [d for d in departments if d == actor.department]
    return render_template("staff/consultations/catalogue.html", page=page, query=query,
                           values=values or {}, errors=errors or {},
                           departments=departments, participation=PARTICIPATION,
                           phase_labels=PHASE_LABELS, today=rt.app.today(),
                           can_list=actor.has_role("admin", "handler")), status


@bp.get("")
@staff_required()
def catalogue():
    return _catalogue()


@bp.post("")
@staff_required("handler")
def list_consultation():
    values = request.form.to_dict()
    form = {**values, "participation": request.form.getlist("participation")}
    try:
        data = schemas.ConsultationForm().load(form)
        consultation = runtime().app.list_consultation(current_actor(), **data)
    except ValidationError as e:
        return _catalogue(form, chinese_errors(e.messages), 422)
    except DomainError as e:
        if isinstance(e, NotFoundError):
            raise
        field = e.details.get("field") or "_form"
        return _catalogue(form, {field: [e.message]}, 422 if field != "_form" else 403)
    flash(f"已列入目录：{consultation.title}（{consultation.consultation_no}）", "success")
    return redirect(url_for("staff.detail", kind="consultations",
                            number=consultation.consultation_no), 303)


@bp.post("/<consultation_no>/files")
@staff_required("handler")
def attach_file(consultation_no: str):
    try:
        result = upload(consultation_no)
    except ValidationError as e:
        messages = chinese_errors(e.messages)
        flash("上传未成功：" + "；".join(m if isinstance(m, str) else "；".join(m)
                                    for m in messages.values()), "error")
    except (NotFoundError,):
        raise
    except DomainError as e:
        flash(f"上传未成功：{e.message}", "error")
    else:
        flash(f"已上传：{result['name']}" if result["attached"] else
              f"该文件已上传过：{result['name']}", "success")
    return redirect(url_for("staff.detail", kind="consultations", number=consultation_no),
                    303)


@bp.get("/<consultation_no>/files/<file_id>")
@staff_required()
def file(consultation_no: str, file_id: str):
    """Any attached file (published or not), for staff who may see the consultation."""
    app = runtime().app
    consultation = app.get_consultation(consultation_no[:40])
    app.workflows["consultations"].require_visible(consultation, current_actor())
    if len(file_id) != 32 or any(ch not in "0123456789abcdef" for ch in file_id):
        raise NotFoundError("未找到该文件")
    return download(app.consultation_file(consultation_no[:40], file_id, public=False))
