"""Marshmallow schemas for every input and output of the web edge."""

import re

from flask import current_app
from marshmallow import (EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate,
                         validates_schema)

from domain.comments import STATUS_LABELS
from domain.comments.aggregate import (MAX_ADDRESS, MAX_CONTENT, MAX_TITLE, MIN_CONTENT,
                                       RATING_REASONS)
from domain.reference import AREAS, CHANNELS, KINDS, RATINGS, TICKET_KINDS

required_messages = {"required": "此项为必填项", "null": "此项不能为空", "invalid": "格式不正确"}
_required = required_messages


def text_field(max_len: int, *, required: bool = True, min_len: int = 1, **kw):
    return fields.String(required=required, validate=validate.Length(
        min=min_len if required else 0, max=max_len,
        error=f"长度须在{min_len if required else 0}到{max_len}个字符之间"),
        error_messages=_required, **kw)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(key: str, value: str) -> str:
    """Strip, drop control characters (PostgreSQL TEXT refuses NUL), refuse lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(["包含无效字符"], key) from None
    return _CONTROL.sub("", value).strip()


def known_category(value: str, retired_too: bool = False) -> None:
    """A category new items may take (retired ones too for filters): the admin's list."""
    app = current_app.extensions["minyi"].app
    if value not in (app.all_categories() if retired_too else app.categories()):
        raise ValidationError("未知的分类")


class Flag(fields.Boolean):
    """A boolean that is sent as true/false even when the row holds 0/1 (SQLite has no
    boolean type, and marshmallow passes 0 and 1 through as numbers)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else bool(value)


class StrictSchema(Schema):
    """API inputs: unknown fields are an error, strings are cleaned and stripped."""

    class Meta:
        unknown = RAISE

    @pre_load
    def clean_strings(self, data, **_):
        if isinstance(data, dict):
            return {k: clean_text(k, v) if isinstance(v, str) else v for k, v in data.items()}
        return data


class FormSchema(StrictSchema):
    """HTML form inputs: the CSRF token and buttons are ignored; empty strings are absent."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data, **_):
        return {k: v for k, v in data.items() if v != ""} if isinstance(data, dict) else data


# --- citizen -----------------------------------------------------------------

def _content_long_enough(value: str) -> None:
    if len(value.strip()) < MIN_CONTENT:
        raise ValidationError(f"留言内容至少{MIN_CONTENT}个字，请写明事情经过和诉求")


class CommentIn(StrictSchema):
    title = text_field(MAX_TITLE)
    content = fields.String(required=True, validate=[
        validate.Length(max=MAX_CONTENT, error=f"留言内容不超过{MAX_CONTENT}字"),
        _content_long_enough], error_messages=_required,
        metadata={"description": f"{MIN_CONTENT}–{MAX_CONTENT} 字"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error="须为：咨询、建议、投诉、求助之一"),
                         error_messages=_required)
    category = fields.String(required=True, validate=lambda v: known_category(v),
                             error_messages=_required)
    department = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=50))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^[0-9+\- ]{5,20}$", error="电话号码格式不正确"))
    email = fields.Email(load_default=None, allow_none=True, error_messages={"invalid": "电子邮箱格式不正确"})
    publish = Flag(load_default=True, error_messages={"invalid": "须为 true 或 false"})
    area = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        AREAS, error="未知的镇街"), metadata={"description": "所在镇街（公开）"})
    address = fields.String(load_default="", validate=validate.Length(
        max=MAX_ADDRESS, error=f"详细地址不超过{MAX_ADDRESS}字"),
        metadata={"description": "详细地址（仅工作人员可见，不公开）"})


class Open311CommentIn(CommentIn):
    """CommentIn as the Open311 interface fills it: GeoReport v2 sets no minimum length on
    a description, so only the portal's own forms ask for one."""

    content = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_CONTENT, error=f"留言内容不能为空且不超过{MAX_CONTENT}字"),
        error_messages=_required)


class CommentForm(FormSchema, CommentIn):
    publish = Flag(load_default=True)

    @pre_load
    def checkbox(self, data, **_):
        # The form has a "do not publish" checkbox; its absence means publish.
        data = dict(data)
        data["publish"] = "no_publish" not in data
        data.pop("no_publish", None)
        return data


class CommentCreated(Schema):
    tracking_no = fields.String()
    query_code = fields.String()
    submitted_at = fields.DateTime()
    message = fields.String()
    duplicate = Flag(metadata={"description": "与几分钟内的一次提交相同：返回首次提交的编号和查询码"})


class QueryIn(FormSchema):
    tracking_no = fields.String(required=True, validate=validate.Length(min=4, max=40),
                                error_messages=_required)
    query_code = fields.String(required=True, validate=validate.Length(min=4, max=40),
                               error_messages=_required)


class RecoveryIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         error_messages={**_required, "invalid": "电子邮箱格式不正确"})


class RecoveryForm(FormSchema, RecoveryIn):
    tracking_no = fields.String(required=True, validate=validate.Length(min=4, max=40),
                                error_messages=_required)


class RatingIn(StrictSchema):
    query_code = fields.String(required=True, error_messages=_required)
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS, error="未知的评价等级"),
                           error_messages=_required)
    remark = fields.String(load_default="", validate=validate.Length(max=500))
    reasons = fields.List(fields.String(validate=validate.OneOf(
        RATING_REASONS, error="未知的差评原因")), load_default=list,
        validate=validate.Length(max=len(RATING_REASONS)),
        metadata={"description": "差评原因（仅“不满意”“非常不满意”可选）"})


class RatingForm(FormSchema, RatingIn):
    # The follow page's session may vouch for the citizen instead of the code.
    query_code = fields.String(load_default=None)


class Step(Schema):
    at = fields.String()
    event = fields.String()
    label = fields.String()
    department = fields.String(allow_none=True)


class CitizenCommentOut(Schema):
    tracking_no = fields.String()
    title = fields.String()
    content = fields.String()
    kind = fields.String()
    category = fields.String()
    status = fields.String()
    status_label = fields.String()
    publish = Flag()
    submitted_at = fields.String()
    accepted_on = fields.String(allow_none=True)
    due_date = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    reject_note = fields.String(allow_none=True, metadata={
        "description": "不予受理时告知留言人的说明"})
    replied_on = fields.String(allow_none=True)
    reply_department = fields.String(allow_none=True)
    reply = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    can_rate = Flag()
    steps = fields.List(fields.Nested(Step))


# --- public listing ------------------------------------------------------------

class RepliesQuery(FormSchema):
    department = fields.String(load_default=None, validate=validate.Length(max=50))
    category = fields.String(load_default=None, validate=lambda v: known_category(v, True))
    kind = fields.String(load_default=None, validate=validate.OneOf(
        list(dict.fromkeys((*KINDS, *TICKET_KINDS)))))
    date_from = fields.Date(load_default=None, error_messages={"invalid": "日期格式须为 YYYY-MM-DD"})
    date_to = fields.Date(load_default=None, error_messages={"invalid": "日期格式须为 YYYY-MM-DD"})
    q = fields.String(load_default=None, validate=validate.Length(max=50), metadata={
        "description": "全文检索（标题、内容、答复；中文分词，“停车”可查到“停车场”“乱停车”）："
                       "给出时按相关程度排序，每条另有 highlight"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    sort = fields.String(load_default="replied", validate=validate.OneOf(
        ("replied", "submitted"), error="排序须为 replied（最新答复）或 submitted（最新留言）"),
        metadata={"description": "replied：最新答复在前（默认）；submitted：最新留言在前"})

    @validates_schema
    def dates_in_order(self, data, **_):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", "date_from")


class PublicReplyOut(Schema):
    tracking_no = fields.String()
    item_kind = fields.String(metadata={"description": "comments（网民留言）或 tickets（12345热线）"})
    channel = fields.String(allow_none=True)
    channel_label = fields.Function(lambda row: CHANNELS.get(row.get("channel"),
                                                             row.get("channel")))
    title = fields.String()
    content = fields.String()
    kind = fields.String()
    category = fields.String()
    accepted_on = fields.String()
    replied_on = fields.String()
    reply_department = fields.String()
    reply = fields.String()
    rating = fields.String(allow_none=True)
    highlight = fields.Nested(lambda: ReplyHighlightOut(), metadata={
        "description": "仅在检索（q）时给出"})


class TitleHighlightOut(Schema):
    """Search results: text already HTML-escaped, matched terms in <mark>…</mark>."""

    title = fields.String(metadata={"description": "标题（HTML 已转义，命中词以 <mark> 标出）"})


class ReplyHighlightOut(TitleHighlightOut):
    snippet = fields.String(metadata={
        "description": "内容或答复中首个命中处前后约 80 字（HTML 已转义，命中词以 <mark> 标出，"
                       "截断处为 …）"})


class PageOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class RepliesPageOut(PageOut):
    items = fields.List(fields.Nested(PublicReplyOut))


# --- staff ---------------------------------------------------------------------

class LoginIn(FormSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=40),
                             error_messages=_required)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             error_messages=_required)
    next = fields.String(load_default=None)


class TokenIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class Paging(FormSchema):
    """The page of a staff list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class QueueQuery(Paging):
    """The filters every staff queue takes; a kind's queue adds its status and its own."""

    department = fields.String(load_default=None, validate=validate.Length(max=50))
    overdue = Flag(load_default=False)
    q = fields.String(load_default=None, validate=validate.Length(max=50), metadata={
        "description": "编号（精确），或标题和内容的全文检索（按相关程度排序，每条另有 highlight）"})


class InboxQuery(QueueQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUS_LABELS)))


class InboxItemOut(Schema):
    tracking_no = fields.String()
    title = fields.String()
    kind = fields.String()
    category = fields.String()
    channel = fields.String()
    status = fields.String()
    department = fields.String(allow_none=True)
    requested_department = fields.String(allow_none=True)
    submitted_at = fields.String()
    accepted_at = fields.String(allow_none=True)
    due_date = fields.String(allow_none=True)
    replied_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    round = fields.Integer()
    withheld = Flag()
    extension = fields.String(allow_none=True)
    reminders = fields.Integer(metadata={"description": "催办次数"})
    supervised = Flag(metadata={"description": "已督办（当前办理时限）"})
    overdue = Flag()
    highlight = fields.Nested(TitleHighlightOut, metadata={"description": "仅在检索（q）时给出"})


class InboxPageOut(PageOut):
    items = fields.List(fields.Nested(InboxItemOut))


class TodoQuery(Paging):
    queue = fields.String(load_default=None, validate=validate.OneOf(
        ["review", "route", "answer", "approve", "extension", "bad_rating", "supervise"]),
        metadata={"description": "一个待办队列；不填为本人全部待办"})


class TodoItemOut(InboxItemOut):
    todo = fields.String(metadata={"description": "所在待办队列：review 待受理、route 待交办、"
                                                  "answer 待答复、approve 待审签、extension 延期待审批、"
                                                  "bad_rating 差评待核实、supervise 超期待督办"})
    days_left = fields.Integer(allow_none=True, metadata={"description": "距办理时限的剩余工作日"})
    days_over = fields.Integer(allow_none=True, metadata={"description": "已超期的工作日"})
    due_soon = Flag(metadata={"description": "剩余不超过2个工作日"})


class TodoPageOut(PageOut):
    items = fields.List(fields.Nested(TodoItemOut))
    queues = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "本人各待办队列的件数"})
