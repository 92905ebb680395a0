"""Marshmallow schemas of the consultation API (public contract and staff inputs)."""

from marshmallow import Schema, fields, validate

from domain.consultations import ADOPTION, LISTED_PHASES, PARTICIPATION, Phase
from domain.consultations.aggregate import MAX_DESCRIPTION, MAX_OPINION, MAX_TITLE

from ..schemas import Flag, FormSchema, PageOut, StrictSchema, required_messages, text_field

PHASES = (*LISTED_PHASES, Phase.PLANNED)


class ConsultationsQuery(FormSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        PHASES, error="状态须为 " + "、".join(PHASES)),
        metadata={"description": "upcoming 未开始 / open 征集中 / closed 已结束 / published 已公布"
                                 "采纳情况 / planned 已列入目录未发布草案"})
    department = fields.String(load_default=None, validate=validate.Length(max=50))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          error_messages={"invalid": "年度须为整数"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ConsultationItem(Schema):
    consultation_no = fields.String()
    year = fields.Integer()
    title = fields.String()
    department = fields.String()
    planned_on = fields.String(metadata={"description": "计划决策时间"})
    participation = fields.List(fields.String(), metadata={
        "description": "公众参与方式：" + "、".join(f"{k} {v}" for k, v in PARTICIPATION.items())})
    status = fields.String(attribute="phase", metadata={
        "description": "planned / upcoming / open / closed / published（按当地日期计算）"})
    status_label = fields.String(attribute="phase_label")
    opens_on = fields.String(allow_none=True)
    closes_on = fields.String(allow_none=True)
    days_left = fields.Integer(allow_none=True, metadata={
        "description": "剩余征集天数（含今天；未开始的为整个征集期天数）"})
    extended = Flag()
    opinion_count = fields.Integer()
    received = fields.Integer(allow_none=True)
    adopted = fields.Integer(allow_none=True)
    partly = fields.Integer(allow_none=True)
    not_adopted = fields.Integer(allow_none=True)
    decided_on = fields.String(allow_none=True)


class ConsultationsPageOut(PageOut):
    items = fields.List(fields.Nested(ConsultationItem))


class FeedQuery(ConsultationsQuery):
    class Meta:
        exclude = ("page", "per_page")


class ConsultationsFeedOut(Schema):
    generated_at = fields.String(metadata={"description": "数据最近一次变化的时间（当地时间）"})
    total = fields.Integer()
    items = fields.List(fields.Nested(ConsultationItem))


class FileOut(Schema):
    file_id = fields.String()
    name = fields.String()
    size = fields.Integer()
    url = fields.String()


class PublicOpinion(Schema):
    opinion_no = fields.String()
    content = fields.String(metadata={"description": "意见内容（个人信息已遮盖）"})
    submitted_at = fields.String()
    adoption = fields.String(allow_none=True, metadata={
        "description": "adopted 采纳 / partly 部分采纳 / not_adopted 未采纳"})
    adoption_label = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class RepresentativeOpinion(Schema):
    opinion_no = fields.String(metadata={"description": "M<会议序号>-<序号>"})
    representative = fields.String()
    content = fields.String()
    adoption = fields.String(allow_none=True)
    adoption_label = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class Meeting(Schema):
    meeting_no = fields.Integer()
    title = fields.String()
    held_on = fields.String()
    attendees = fields.String()
    decisions = fields.String()
    materials = fields.List(fields.Nested(FileOut))
    opinions = fields.List(fields.Nested(RepresentativeOpinion), metadata={
        "description": "列席代表意见及采纳情况（采纳情况公布后）"})


class Extension(Schema):
    closes_on = fields.String()
    previous = fields.String()
    reason = fields.String()


class ConsultationDetailOut(ConsultationItem):
    description = fields.String()
    participation_labels = fields.List(fields.String())
    draft = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    draft_files = fields.List(fields.Nested(FileOut))
    extensions = fields.List(fields.Nested(Extension))
    summary = fields.String(allow_none=True, metadata={"description": "意见收集采纳情况说明"})
    representative = fields.Integer(allow_none=True)
    adoption_published_at = fields.String(allow_none=True)
    opinions = fields.List(fields.Nested(PublicOpinion), metadata={
        "description": "已公布的意见及采纳情况（网民同意公开的）"})
    opinions_total = fields.Integer()
    meetings = fields.List(fields.Nested(Meeting))
    decision = fields.String(allow_none=True, metadata={"description": "决策结果"})
    decision_files = fields.List(fields.Nested(FileOut))


class OpinionIn(StrictSchema):
    content = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_OPINION, error=f"意见内容不能为空且不超过{MAX_OPINION}字"),
        error_messages=required_messages)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^[0-9+\- ]{5,20}$", error="电话号码格式不正确"))
    email = fields.Email(load_default=None, allow_none=True,
                         error_messages={"invalid": "电子邮箱格式不正确"})
    publish = Flag(load_default=True, error_messages={"invalid": "须为 true 或 false"},
                   metadata={"description": "同意公开意见内容（个人信息不公开）"})


class OpinionForm(FormSchema, OpinionIn):
    """The portal's form: an unticked checkbox is absent."""

    publish = Flag(load_default=False)


class OpinionCreated(Schema):
    opinion_no = fields.String()
    query_code = fields.String(metadata={"description": "查询码，只显示这一次"})
    submitted_at = fields.DateTime()
    message = fields.String()


class CitizenOpinionOut(Schema):
    opinion_no = fields.String()
    consultation_no = fields.String()
    consultation_title = fields.String()
    content = fields.String()
    submitted_at = fields.String()
    status = fields.String(metadata={"description": "received 已收到 / answered 已公布采纳情况"})
    adoption = fields.String(allow_none=True)
    adoption_label = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class OpinionQuery(FormSchema):
    opinion_no = text_field(40)
    query_code = text_field(40)


class ConsultationIn(StrictSchema):
    """A new entry of the year's catalogue of major decisions."""

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100),
                          error_messages={**required_messages, "invalid": "年度须为整数"})
    title = text_field(MAX_TITLE, metadata={"description": "决策事项"})
    department = text_field(50, metadata={"description": "承办部门"})
    planned_on = fields.Date(required=True, error_messages={
        **required_messages, "invalid": "计划决策时间须为日期，如 2026-12-01"})
    participation = fields.List(fields.String(validate=validate.OneOf(
        list(PARTICIPATION), error="公众参与方式须为 " + "、".join(PARTICIPATION))),
        required=True, validate=validate.Length(min=1, max=4, error="请选择公众参与方式"),
        error_messages=required_messages)
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))


class ConsultationForm(FormSchema, ConsultationIn):
    pass


class FileForm(FormSchema):
    role = fields.String(required=True, validate=validate.OneOf(
        ["draft", "decision", "meeting"], error="文件类别须为 draft、decision 或 meeting"),
        error_messages=required_messages)
    meeting_no = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=1, max=999))


class StaffQuery(ConsultationsQuery):
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class StaffCatalogueOut(ConsultationsPageOut):
    pass


def adoption_label(value):
    return ADOPTION.get(value) if value else None

