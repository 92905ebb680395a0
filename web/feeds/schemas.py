"""The statistics feed's query and output, documented in the OpenAPI document."""

import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from domain.reference import RATINGS

from ..schemas import FormSchema

MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
YEAR = re.compile(r"^(19|20)\d\d$")
_month = validate.Regexp(MONTH, error="月份格式须为 YYYY-MM")


def parse_period(period: str) -> tuple[str | None, str | None]:
    """all | YYYY | YYYY-MM | YYYY-MM..YYYY-MM -> (first month, last month)."""
    period = period.strip()
    if period in ("", "all"):
        return None, None
    if YEAR.match(period):
        return f"{period}-01", f"{period}-12"
    if MONTH.match(period):
        return period, period
    first, sep, last = period.partition("..")
    if sep and MONTH.match(first) and MONTH.match(last):
        return first, last
    raise ValidationError("统计期间须为 all、YYYY、YYYY-MM 或 YYYY-MM..YYYY-MM", "period")


class StatsQuery(FormSchema):
    period = fields.String(load_default="all", validate=validate.Length(max=20), metadata={
        "description": "统计期间：all（默认，全部）、YYYY（全年）、YYYY-MM（单月）或 "
                       "YYYY-MM..YYYY-MM（按受理月份，含首尾）"})
    month_from = fields.String(data_key="from", load_default=None, validate=_month,
                               metadata={"description": "起始月份 YYYY-MM（与 period 二选一）"})
    month_to = fields.String(data_key="to", load_default=None, validate=_month,
                             metadata={"description": "截止月份 YYYY-MM（与 period 二选一）"})
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                               metadata={"description": "只看一个单位"})

    @validates_schema
    def one_way(self, data, **_):
        if data.get("period", "all") != "all" and (data.get("month_from") or
                                                   data.get("month_to")):
            raise ValidationError("period 与 from/to 不能同时使用", "period")

    @post_load
    def months(self, data, **_):
        first, last = parse_period(data.pop("period"))
        first = data.pop("month_from") or first
        last = data.pop("month_to") or last
        if first and last and first > last:
            raise ValidationError("起始月份不能晚于截止月份", "from")
        return {"month_from": first, "month_to": last, "department": data["department"]}


class Figures(Schema):
    received = fields.Integer(metadata={"description": "收到（件）"})
    accepted = fields.Integer(metadata={"description": "受理（件）"})
    rejected = fields.Integer(metadata={"description": "不予受理（件）"})
    replied = fields.Integer(metadata={"description": "已答复 / 已办结（件，首次答复）"})
    replied_on_time = fields.Integer(metadata={"description": "按期答复（件）"})
    overdue = fields.Integer(metadata={"description": "超期（件）：答复晚于期限或已被催办"})
    open = fields.Integer(metadata={"description": "办理中（件）"})
    reminded = fields.Integer(metadata={"description": "被催办（件）"})
    supervised = fields.Integer(metadata={"description": "被督办（件）"})
    on_time_rate = fields.Float(allow_none=True, metadata={
        "description": "按期答复率 = 按期答复 ÷ 已答复"})
    response_rate = fields.Float(allow_none=True, metadata={
        "description": "响应率 = 期限内响应（热线签收或直接办结、留言答复）÷ 应响应"})
    resolution_rate = fields.Float(allow_none=True, metadata={
        "description": "解决率 = 回访认为已解决 ÷ 回访接通"})
    satisfaction_rate = fields.Float(allow_none=True, metadata={
        "description": "满意率 = （非常满意+满意+基本满意）÷ 已评价"})
    median_response_days = fields.Float(allow_none=True, metadata={
        "description": "答复用时中位数（工作日；60个工作日内精确）"})
    p90_response_days = fields.Float(allow_none=True, metadata={
        "description": "答复用时90分位数（工作日）"})
    median_response_hours = fields.Float(allow_none=True, metadata={
        "description": "答复用时中位数（小时；误差不超过±12%）"})
    p90_response_hours = fields.Float(allow_none=True, metadata={
        "description": "答复用时90分位数（小时；误差不超过±12%）"})
    mean_response_days = fields.Float(allow_none=True)
    mean_response_hours = fields.Float(allow_none=True)
    rated = fields.Integer(metadata={"description": "已评价（件）"})
    called_back = fields.Integer(metadata={"description": "回访接通（件）"})
    resolved = fields.Integer(metadata={"description": "回访认为已解决（件）"})
    ratings = fields.Dict(keys=fields.String(validate=validate.OneOf(RATINGS)),
                          values=fields.Integer(),
                          metadata={"description": "评价分布（最新一次评价）"})


class DepartmentFigures(Figures):
    department = fields.String(metadata={"description": "答复（承办）单位；空为尚未交办"})


class ChannelFigures(Figures):
    channel = fields.String()
    channel_label = fields.String()


class CategoryFigures(Figures):
    category = fields.String()


class KindFigures(Figures):
    kind = fields.String()


class MonthFigures(Figures):
    month = fields.String(metadata={"description": "受理月份 YYYY-MM"})


class Period(Schema):
    month_from = fields.String(data_key="from", allow_none=True)
    month_to = fields.String(data_key="to", allow_none=True)
    department = fields.String(allow_none=True)


class StatsOut(Schema):
    generated_at = fields.String(metadata={"description": "生成时间（ISO 8601，含时区）"})
    period = fields.Nested(Period)
    definitions = fields.Dict(keys=fields.String(), values=fields.String())
    totals = fields.Nested(Figures)
    departments = fields.List(fields.Nested(DepartmentFigures))
    channels = fields.List(fields.Nested(ChannelFigures))
    categories = fields.List(fields.Nested(CategoryFigures))
    kinds = fields.List(fields.Nested(KindFigures))
    months = fields.List(fields.Nested(MonthFigures))
