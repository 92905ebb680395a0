"""The consultation workflow, declared once: states, event labels and every staff action.

The owning department's handlers (and admins) keep the entry, publish the draft, extend
the closing date, record meetings and answer every opinion; a reviewer approves the
adoption summary, which publishes it (docs/rules.md C1–C7)."""

import re

from ..errors import IllegalTransitionError, InvalidValueError, NotFoundError
from ..workflow import Action, Input, Workflow
from .aggregate import (MAX_DRAFT, MAX_OPINION, MAX_REASON, MAX_TEXT, MAX_TITLE, Consultation,
                        consultation_id)
from .states import ADOPTION, OPEN_STATES, STATUS_LABELS, Status

OWNER = ("handler",)
REVIEWER = ("reviewer",)
DATE_HINT = "格式：2026-10-01"
REPRESENTATIVE_NO = re.compile(r"^M(\d{1,3})-(\d{1,4})$")


def answer(ctx, consultation, d) -> None:
    """Answer one opinion: a citizen's (its own aggregate, saved here) or an attending
    representative's (`M<meeting>-<n>`, recorded on the consultation)."""
    number = d["opinion_no"].strip().upper()
    found = REPRESENTATIVE_NO.match(number)
    if found:
        consultation.answer_representative(
            meeting_no=int(found[1]), opinion_no=int(found[2]), adoption=d["adoption"],
            reason=d["reason"], today=ctx.today, **ctx.stamp)
        return
    if not consultation.may_answer(ctx.today):
        raise IllegalTransitionError(
            "征集截止后、提交采纳情况之前才能答复网民意见" if consultation.status ==
            Status.CONSULTING else f"当前状态为“{STATUS_LABELS[consultation.status]}”，不能答复意见",
            status=consultation.status, action="答复意见")
    try:
        opinion = ctx.app.get_opinion(number)
    except NotFoundError:
        raise InvalidValueError(f"未找到意见 {number}", field="opinion_no") from None
    if opinion.consultation_no != consultation.consultation_no:
        raise InvalidValueError(f"意见 {number} 不属于本事项", field="opinion_no")
    opinion.answer(adoption=d["adoption"], reason=d["reason"],
                   department=consultation.department, **ctx.stamp)
    ctx.app.save(opinion)


def submit_summary(ctx, consultation, d) -> None:
    consultation.submit_summary(
        summary=d["summary"], today=ctx.today, **ctx.stamp,
        unanswered=ctx.app.unanswered_opinions(consultation.consultation_no)
        if consultation.opens_on is not None else [])


def approve(ctx, consultation, d) -> None:
    counts, unanswered = ctx.app.adoption_counts(consultation.consultation_no)
    consultation.publish_adoption(counts=counts, unanswered=unanswered, **ctx.stamp)


ACTIONS = (
    Action("publish_draft", "发布草案征求意见", OWNER,
           lambda ctx, c, d: c.publish_draft(
               draft=d["draft"], basis=d["basis"], opens_on=d["opens_on"],
               closes_on=d["closes_on"], today=ctx.today,
               min_days=ctx.app.consultation_min_days, **ctx.stamp),
           states=(Status.PLANNED,), guard=lambda c: c.online, own_department=True,
           style="primary", success="草案已发布，征集期 {item.opens_on} 至 {item.closes_on}",
           inputs=(Input("draft", "决策草案", "textarea", max_length=MAX_DRAFT),
                   Input("basis", "起草说明和依据", "textarea", max_length=MAX_DRAFT),
                   Input("opens_on", "征集开始日期", max_length=10, hint=DATE_HINT),
                   Input("closes_on", "征集截止日期", max_length=10,
                         hint="征求意见期限一般不少于30日"))),
    Action("extend", "延长征集期", OWNER,
           lambda ctx, c, d: c.extend(closes_on=d["closes_on"], reason=d["reason"],
                                      today=ctx.today, **ctx.stamp),
           states=(Status.CONSULTING,), own_department=True,
           success="征集期已延长至 {item.closes_on}",
           inputs=(Input("closes_on", "新的截止日期", max_length=10, hint=DATE_HINT),
                   Input("reason", "延长理由", "textarea", max_length=MAX_REASON))),
    Action("record_meeting", "记录列席会议", OWNER,
           lambda ctx, c, d: c.record_meeting(
               title=d["title"], held_on=d["held_on"], attendees=d["attendees"],
               decisions=d["decisions"], today=ctx.today, **ctx.stamp),
           states=(Status.PLANNED, Status.CONSULTING), own_department=True,
           success="会议已记录",
           inputs=(Input("title", "会议名称", max_length=MAX_TITLE),
                   Input("held_on", "会议日期", max_length=10, hint=DATE_HINT),
                   Input("attendees", "列席人员（公开，如：市民代表3名、专家2名）", "textarea",
                         max_length=MAX_TEXT),
                   Input("decisions", "会议决定事项", "textarea", max_length=MAX_TEXT))),
    Action("add_representative_opinion", "记录列席代表意见", OWNER,
           lambda ctx, c, d: c.add_representative_opinion(
               meeting_no=d["meeting_no"], representative=d["representative"],
               content=d["content"], **ctx.stamp),
           states=(Status.PLANNED, Status.CONSULTING), guard=lambda c: bool(c.meetings),
           own_department=True, success="列席代表意见已记录",
           inputs=(Input("meeting_no", "会议序号", "number", minimum=1, maximum=999),
                   Input("representative", "列席代表（公开称谓，如：市民代表甲）", max_length=50),
                   Input("content", "意见内容", "textarea", max_length=MAX_OPINION))),
    Action("answer", "答复意见（采纳情况）", OWNER, answer,
           states=(Status.PLANNED, Status.CONSULTING), own_department=True,
           success="已答复意见",
           inputs=(Input("opinion_no", "意见编号", max_length=40,
                         hint="网民意见如 JC20260001-0003；列席代表意见如 M1-2"),
                   Input("adoption", "采纳情况", "choice", choices=ADOPTION),
                   Input("reason", "理由", "textarea", max_length=MAX_REASON))),
    Action("submit_summary", "提交采纳情况送审", OWNER, submit_summary,
           states=(Status.PLANNED, Status.CONSULTING),
           guard=lambda c: c.opens_on is not None or (not c.online and bool(c.meetings)),
           own_department=True, style="primary", success="采纳情况已提交审核",
           inputs=(Input("summary", "意见收集采纳情况说明", "textarea", max_length=MAX_TEXT),)),
    Action("approve", "审核通过并公布采纳情况", REVIEWER, approve,
           states=(Status.REVIEWING,), style="primary", group="publication",
           success="采纳情况已公布"),
    Action("send_back", "退回采纳情况", REVIEWER,
           lambda ctx, c, d: c.send_back(reason=d["reason"], **ctx.stamp),
           states=(Status.REVIEWING,), style="danger", group="publication",
           success="已退回承办单位",
           inputs=(Input("reason", "退回理由", "textarea", max_length=MAX_REASON),)),
    Action("record_decision", "公布决策结果", OWNER,
           lambda ctx, c, d: c.record_decision(decision=d["decision"],
                                               decided_on=d["decided_on"], today=ctx.today,
                                               **ctx.stamp),
           states=(Status.PUBLISHED, Status.PLANNED),
           guard=lambda c: c.status == Status.PUBLISHED or not c.online,
           own_department=True, success="决策结果已公布",
           inputs=(Input("decision", "决策结果", "textarea", max_length=MAX_DRAFT),
                   Input("decided_on", "决策日期", max_length=10, hint=DATE_HINT))),
)

EVENT_LABELS = {
    Consultation.Listed: "列入年度重大决策事项目录",
    Consultation.DraftPublished: "发布草案征求意见",
    Consultation.Extended: "延长征集期",
    Consultation.FileAttached: "上传附件",
    Consultation.MeetingRecorded: "记录列席会议",
    Consultation.RepresentativeOpinionRecorded: "记录列席代表意见",
    Consultation.RepresentativeOpinionAnswered: "答复列席代表意见",
    Consultation.SummarySubmitted: "提交采纳情况送审",
    Consultation.SummarySentBack: "退回采纳情况",
    Consultation.AdoptionPublished: "公布采纳情况",
    Consultation.DecisionRecorded: "公布决策结果",
}

CONSULTATIONS = Workflow(
    kind="consultations", label="重大决策事项", aggregate=Consultation,
    id_for=consultation_id, number_label="事项编号", status_labels=STATUS_LABELS,
    open_states=OPEN_STATES, event_labels=EVENT_LABELS, actions=ACTIONS,
)
