"""The consultation API: the public column and detail, the citizen's opinion and answer
(/api/v1/consultations), and staff's catalogue and files (/api/v1/staff/consultations;
the workflow actions go through the generic /api/v1/staff/consultations/<no>/<action>)."""

from flask import Blueprint, abort, g, request

from domain.errors import InvalidValueError

from ..auth import current_actor, staff_required
from ..extensions import rate_limits, runtime
from ..jsonbody import json_body
from ..ratelimits import client_address
from . import schemas
from .public import citizen_opinion, public_detail, verified_opinion

bp = Blueprint("consultations_api", __name__, url_prefix="/api/v1/consultations")
staff_bp = Blueprint("consultations_staff_api", __name__,
                     url_prefix="/api/v1/staff/consultations")
OPINION_IN, CREATED = schemas.OpinionIn(), schemas.OpinionCreated()
MAX_UPLOAD = 6 * 1024 * 1024  # one file of up to 5 MB with its multipart envelope


def listing(query: dict, catalogue: bool = False):
    rt = runtime()
    department = query.get("department")
    if department and department not in rt.queries.departments(active_only=False):
        raise InvalidValueError(f"未知的单位：{department}", field="department")
    return rt.queries.consultations(today=rt.app.today(), catalogue=catalogue, **query)


@bp.get("")
def consultations():
    """The pre-publication column (filters: status, department, year)."""
    page = listing(schemas.ConsultationsQuery().load(request.args.to_dict()))
    return schemas.ConsultationsPageOut().dump(page.as_dict())


@bp.get("/<consultation_no>")
def consultation(consultation_no: str):
    """One consultation: draft, dates, meetings and — once published — the adoption."""
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100000:
        abort(400, description="页码须为正整数")
    detail = public_detail(consultation_no[:40], page=int(page))
    return schemas.ConsultationDetailOut().dump(detail)


@bp.post("/<consultation_no>/opinions")
def submit_opinion(consultation_no: str):
    """Submit an opinion while the consultation is open; 422 when it is not."""
    data = OPINION_IN.load(json_body())
    rate_limits().hit("submit", client_address())
    created = runtime().app.submit_opinion(consultation_no[:40], **data)
    created["message"] = "意见已提交，请妥善保存意见编号和查询码"
    return CREATED.dump(created), 201


@bp.get("/opinions/<opinion_no>")
def own_opinion(opinion_no: str):
    """The citizen's own opinion and its answer; needs ?query_code=."""
    code = request.args.get("query_code", "")
    if not code:
        abort(400, description="缺少查询码 query_code")
    opinion = verified_opinion(opinion_no[:40], code[:40])
    return schemas.CitizenOpinionOut().dump(citizen_opinion(opinion))


# --- staff -------------------------------------------------------------------------------

@staff_bp.get("")
@staff_required()
def catalogue():
    """The catalogue of major decisions (every status; handlers: their department's)."""
    query = schemas.StaffQuery().load(request.args.to_dict())
    actor = current_actor()
    if not actor.sees_all_departments:
        query["department"] = actor.department or "—"
    page = runtime().queries.consultations(today=runtime().app.today(), catalogue=True,
                                           **query)
    return schemas.ConsultationsPageOut().dump(page.as_dict())


@staff_bp.post("")
@staff_required("handler")
def list_consultation():
    """列入年度重大决策事项目录 (admin; a handler for their own department)."""
    data = schemas.ConsultationIn().load(json_body())
    consultation = runtime().app.list_consultation(current_actor(), **data)
    g.audit_item = ("consultations", consultation.consultation_no, consultation.version)
    g.audit_what = "list_consultation"
    return {"consultation_no": consultation.consultation_no, "number": consultation.number,
            "status": consultation.status}, 201


def upload(consultation_no: str) -> dict:
    """Store an uploaded file (multipart field `file`, with `role` and `meeting_no`)."""
    values = schemas.FileForm().load(request.form.to_dict())
    uploaded = request.files.get("file")
    if uploaded is None or not uploaded.filename:
        raise InvalidValueError("请选择要上传的文件", field="file")
    data = uploaded.read(MAX_UPLOAD + 1)
    result = runtime().app.attach_consultation_file(
        current_actor(), consultation_no[:40], name=uploaded.filename,
        content_type=uploaded.mimetype, data=data, **values)
    consultation = result.pop("consultation")
    g.audit_item = ("consultations", consultation.consultation_no, consultation.version)
    g.audit_what = "attach_file"
    return result


@staff_bp.post("/<consultation_no>/files")
@staff_required("handler")
def attach_file(consultation_no: str):
    """Attach a file: `role` draft (草案及依据), decision (决策结果) or meeting (会议材料,
    with `meeting_no`); multipart/form-data, at most 5 MB."""
    result = upload(consultation_no)
    return result, 201 if result["attached"] else 200
