"""OpenAPI 3 description of the JSON API, generated from the marshmallow schemas."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, abort, current_app, send_from_directory

from . import photos, schemas
from .extensions import runtime
from .feeds import schemas as feed_schemas
from .tickets import schemas as ticket_schemas
from .forms import action_schema
from .incidents import api as incident_api
from .consultations import schemas as consultation_schemas
from .notifications import NoticesPageOut

bp = Blueprint("openapi", __name__, url_prefix="/api")

ERROR = {"description": "错误：JSON `{error: {code, message, details}}`"}
BEARER = [{"bearer": []}]

# (path, method, summary, request schema, (status, response schema), needs token, query schema)
OPERATIONS = (
    ("/api/v1/comments", "post", "提交留言", schemas.CommentIn, (201, schemas.CommentCreated), False, None),
    ("/api/v1/comments/{tracking_no}", "get", "网民凭查询码查看本人留言", None,
     (200, schemas.CitizenCommentOut), False, None),
    ("/api/v1/comments/{tracking_no}/rating", "post", "网民评价答复（好差评）", schemas.RatingIn,
     (201, None), False, None),
    ("/api/v1/comments/{tracking_no}/query-code-recovery", "post",
     "找回查询码：新查询码发送到留言时填写的邮箱（无论是否相符均答复 202）", schemas.RecoveryIn,
     (202, None), False, None),
    ("/api/v1/replies", "get", "答复公开列表（筛选、分页）", None, (200, schemas.RepliesPageOut), False,
     schemas.RepliesQuery),
    ("/api/v1/replies/{tracking_no}", "get", "一条已公开的答复（含公开的照片）", None,
     (200, photos.PublicReplyDetailOut), False, None),
    ("/api/v1/reference", "get", "单位、分类、类型、评价等级", None, (200, None), False, None),
    ("/api/v1/auth/token", "post", "工作人员换取访问令牌", schemas.TokenIn, (201, None), False, None),
    ("/api/v1/me", "get", "当前工作人员", None, (200, None), True, None),
    ("/api/v1/staff/inbox", "get", "留言列表（状态、单位、超期、检索）", None, (200, schemas.InboxPageOut), True,
     schemas.InboxQuery),
    ("/api/v1/staff/todo", "get", "本人待办：按角色的待办队列，办理时限近者在前", None,
     (200, schemas.TodoPageOut), True, schemas.TodoQuery),
    ("/api/v1/staff/tickets", "post", "12345热线来电登记（话务员）", ticket_schemas.TicketIn,
     (201, ticket_schemas.TicketCreated), True, None),
    ("/api/v1/staff/tickets", "get", "热线工单队列（单位、状态、超期、今日到期、待回访）", None,
     (200, ticket_schemas.TicketQueueOut), True, ticket_schemas.TicketQueueQuery),
    ("/api/v1/staff/incidents", "get", "舆情事件看板（未办结在前，双时钟）", None,
     (200, incident_api.BoardOut), True, incident_api.BoardQuery),
    ("/api/v1/staff/incidents", "post", "建立舆情事件（舆情专班）", incident_api.IncidentIn,
     (201, None), True, None),
    ("/api/v1/staff/notifications", "get", "本人角色和单位的通知", None, (200, NoticesPageOut),
     True, None),
    ("/api/v1/staff/tokens", "get", "本账号的会话和访问令牌（管理员可查任一账号）", None, (200, None),
     True, None),
    ("/api/v1/staff/tokens/{credential_id}", "delete", "撤销一个会话或访问令牌", None, (200, None),
     True, None),
    ("/feeds/stats.json", "get", "公开统计数据（总量、各单位、渠道、分类、类型、月份；三率与答复用时）",
     None, (200, feed_schemas.StatsOut), False, feed_schemas.StatsQuery),
    ("/feeds/stats.csv", "get", "公开统计数据 CSV（每个单位每月一行，UTF-8 带 BOM）", None,
     (200, None), False, feed_schemas.StatsQuery),
    ("/api/v1/consultations", "get", "重大决策预公开：征求意见列表（状态 upcoming/open/closed/published、"
     "承办部门、年度）", None, (200, consultation_schemas.ConsultationsPageOut), False,
     consultation_schemas.ConsultationsQuery),
    ("/api/v1/consultations/{consultation_no}", "get",
     "一个重大决策事项：草案、起止日期、会议、采纳情况（每条意见的 adoption 和 reason）", None,
     (200, consultation_schemas.ConsultationDetailOut), False, None),
    ("/api/v1/consultations/{consultation_no}/opinions", "post",
     "提交意见（征集期内；不在征集期 422），返回意见编号和查询码", consultation_schemas.OpinionIn,
     (201, consultation_schemas.OpinionCreated), False, None),
    ("/api/v1/consultations/opinions/{opinion_no}", "get", "网民凭查询码查看本人意见的采纳情况",
     None, (200, consultation_schemas.CitizenOpinionOut), False, None),
    ("/api/v1/staff/consultations", "get", "年度重大决策事项目录（工作人员；承办人仅本单位）", None,
     (200, consultation_schemas.ConsultationsPageOut), True, consultation_schemas.StaffQuery),
    ("/api/v1/staff/consultations", "post", "列入年度重大决策事项目录（管理员；承办人限本单位）",
     consultation_schemas.ConsultationIn, (201, None), True, None),
    ("/api/v1/staff/consultations/{consultation_no}/files", "post",
     "上传附件（multipart/form-data：file、role=draft|decision|meeting、meeting_no；不超过 5 MB）",
     None, (201, None), True, None),
    ("/feeds/consultations.json", "get", "重大决策预公开 JSON 订阅（generated_at 与事项列表）", None,
     (200, consultation_schemas.ConsultationsFeedOut), False,
     consultation_schemas.FeedQuery),
    ("/feeds/consultations.atom", "get", "重大决策预公开 Atom 订阅", None, (200, None), False,
     consultation_schemas.FeedQuery),
)


IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "客户端生成的唯一键（如 UUID）。重试同一请求时带上同一键，返回首次的响应，"
                   "不会重复受理或重复办理（保留 IDEMPOTENCY_TTL 秒）。",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}}


def build_spec(workflows) -> dict:
    """The whole document; cheap enough to build per request, cached by the caller."""
    spec = APISpec(title="minyi 民意 API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "区政府网民留言办理平台的公开接口与工作人员接口。"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for path, method, summary, body, (status, out), secured, query in OPERATIONS:
        operation = {"summary": summary, "responses": {
            str(status): {"description": "成功", **({"content": {"application/json": {
                "schema": out}}} if out else {})},
            "4XX": ERROR}}
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": body}}}
        params = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"\{(\w+)\}", path)]
        if query is not None:
            params.append({"in": "query", "schema": query})
        if path.endswith(("/comments/{tracking_no}", "/opinions/{opinion_no}")) and \
                not secured:
            params.append({"in": "query", "name": "query_code", "required": True,
                           "schema": {"type": "string"}})
        if method == "post":
            params.append(IDEMPOTENCY_KEY)
        if params:
            operation["parameters"] = params
        if secured:
            operation["security"] = BEARER
        spec.path(path=path, operations={method: operation})
    number = [{"in": "path", "name": "number", "required": True, "schema": {"type": "string"}}]
    for workflow in workflows:
        base = f"/api/v1/staff/{workflow.kind}/{{number}}"
        spec.path(path=base, operations={"get": {
            "summary": f"{workflow.label}详情与办理过程", "parameters": number,
            "responses": {"200": {"description": "成功"}, "4XX": ERROR}, "security": BEARER}})
        for action in workflow.actions:
            spec.path(path=f"{base}/{action.name}", operations={"post": {
                "summary": f"{workflow.label}：{action.label}（{'、'.join(action.roles)}）",
                "parameters": [*number, IDEMPOTENCY_KEY],
                "requestBody": {"required": bool(action.inputs), "content": {
                    "application/json": {"schema": action_schema(workflow, action)}}},
                "responses": {"200": {"description": "新状态与可执行的操作"}, "4XX": ERROR},
                "security": BEARER}})
    return photos.document(spec.to_dict())


@bp.get("/openapi.json")
def openapi_json():
    extensions = current_app.extensions
    if "minyi.openapi" not in extensions:
        extensions["minyi.openapi"] = build_spec(runtime().app.workflows)
    return extensions["minyi.openapi"]


@bp.get("/docs/")
def docs():
    """Swagger UI served from the swagger-ui-bundle package (no CDN)."""
    page = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>minyi API 文档</title><link rel="stylesheet" href="assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="assets/swagger-ui-bundle.js"></script>
<script src="init.js"></script></body></html>"""
    return Response(page, mimetype="text/html")


@bp.get("/docs/init.js")
def docs_init():
    """Swagger UI's start, as a file: the content security policy allows no inline script."""
    return Response('SwaggerUIBundle({url: "../openapi.json", dom_id: "#ui"});',
                    mimetype="text/javascript")


@bp.get("/docs/assets/<path:filename>")
def docs_assets(filename: str):
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - installed with the package
        abort(404)
    return send_from_directory(swagger_ui_path, filename)
