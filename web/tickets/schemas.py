"""Marshmallow schemas of the hotline's intake and queue."""

from marshmallow import Schema, fields, pre_load, validate

from domain.reference import AREAS, TICKET_CHANNELS, TICKET_KINDS, URGENCIES
from domain.tickets import STATUS_LABELS
from domain.tickets.aggregate import MAX_ADDRESS, MAX_CONTENT, MAX_TITLE

from ..schemas import (Flag, FormSchema, known_category, PageOut, QueueQuery, StrictSchema, required_messages,
                       TitleHighlightOut,
                       text_field)


def _one_of(values, message: str, **kw) -> fields.String:
    return fields.String(validate=validate.OneOf(list(values), error=message),
                         error_messages=required_messages, **kw)


class TicketIn(StrictSchema):
    """登记 a call. Channel and urgency take their codes or their Chinese names."""

    channel = _one_of(TICKET_CHANNELS, "渠道须为：电话、网站、微信、手机App、邮件之一",
                      required=True)
    caller_name = fields.String(load_default="", validate=validate.Length(max=30))
    caller_phone = fields.String(load_default="", validate=validate.Regexp(
        r"^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{5,8})$",
        error="电话号码格式不正确"))
    area = _one_of(AREAS, "未知的镇街", required=True)
    address = fields.String(load_default="", validate=validate.Length(max=MAX_ADDRESS))
    category = fields.String(required=True, validate=lambda v: known_category(v),
                             error_messages=required_messages)
    kind = _one_of(TICKET_KINDS, "须为：咨询、求助、投诉、建议、举报之一", required=True)
    urgency = _one_of(URGENCIES, "须为：一般、紧急之一", load_default="normal")
    title = text_field(MAX_TITLE)
    content = text_field(MAX_CONTENT)
    publish = Flag(load_default=False, error_messages={"invalid": "须为 true 或 false"})

    @pre_load
    def codes(self, data, **_):
        """Accept 电话 for phone, 紧急 for urgent: operators and clients use either."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, names in (("channel", TICKET_CHANNELS), ("urgency", URGENCIES)):
            by_label = {label: code for code, label in names.items()}
            if isinstance(data.get(key), str):
                data[key] = by_label.get(data[key], data[key])
        return data


class TicketForm(FormSchema, TicketIn):
    publish = Flag(load_default=False)


class TicketCreated(Schema):
    ticket_no = fields.String()
    status = fields.String()
    due_date = fields.String()


class TicketQueueQuery(QueueQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUS_LABELS)))
    due_today = Flag(load_default=False)
    callbacks = Flag(load_default=False)
    supervised = Flag(load_default=False)
    mine = Flag(load_default=False, metadata={
        "description": "本人待办：话务员待派单和待回访，承办单位待签收和办理中，督办人员超期工单"})


class TicketRowOut(Schema):
    ticket_no = fields.String()
    title = fields.String()
    channel = fields.String()
    area = fields.String()
    category = fields.String()
    kind = fields.String()
    urgency = fields.String()
    status = fields.String()
    department = fields.String(allow_none=True)
    co_departments = fields.Function(lambda row: [d for d in row["co_departments"].split("|")
                                                  if d])
    co_pending = fields.Function(lambda row: [d for d in row["co_pending"].split("|") if d])
    registered_at = fields.String()
    due_date = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    signed_at = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    reply_department = fields.String(allow_none=True)
    called_back_at = fields.String(allow_none=True)
    callbacks = fields.Integer()
    closed_at = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    round = fields.Integer()
    extension = fields.String(allow_none=True)
    published = Flag()
    reminders = fields.Integer(metadata={"description": "催办次数"})
    supervised = Flag(metadata={"description": "已督办（当前办理时限）"})
    overdue = Flag()
    highlight = fields.Nested(TitleHighlightOut, metadata={"description": "仅在检索（q）时给出"})


class TicketQueueOut(PageOut):
    items = fields.List(fields.Nested(TicketRowOut))
