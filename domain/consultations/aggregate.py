"""A major decision in the year's catalogue (重大决策事项) and its consultation; each
citizen's opinion (意见) is an aggregate of its own, and so is each attached file.

Opinions live apart from their consultation so that many citizens can submit at the same
moment without contending for one aggregate's next version; an opinion is numbered
`<consultation_no>-<n>` with n dense from 1 (ConsultationCommands finds the next free
one), so the consultation's opinions can be enumerated without a read model.
"""

import base64
import hashlib
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ..errors import IllegalTransitionError, InvalidValueError
from ..masking import mask_personal_data
from ..topics import pin_topics
from .states import ADOPTION, FILE_ROLES, PARTICIPATION, STATUS_LABELS, Status

MAX_TITLE = 100
MAX_DESCRIPTION = 2000
MAX_DRAFT = 20000
MAX_TEXT = 5000
MAX_OPINION = 3000
MAX_REASON = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 30
MIN_DAYS = 30  # the default of CONSULTATION_MIN_DAYS (docs/rules.md C2)


def consultation_id(consultation_no: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:consultation:{consultation_no}")


def opinion_id(opinion_no: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:consultation-opinion:{opinion_no}")


def file_id(consultation_no: str, sha256: str) -> UUID:
    """One stored copy per file and consultation: the same upload twice is one file."""
    return uuid5(NAMESPACE_URL, f"minyi:consultation-file:{consultation_no}:{sha256}")


def opinion_no_of(consultation_no: str, seq: int) -> str:
    return f"{consultation_no}-{seq:04d}"


def parse_date(value, field: str, label: str) -> date:
    """A date from ISO text (or a date); a bad one is an InvalidValueError on `field`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidValueError(f"{label}须为日期，如 2026-10-01", field=field) from None


def _text(value: str, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidValueError(f"请填写{label}", field=field)
    if len(value) > limit:
        raise InvalidValueError(f"{label}不超过{limit}字", field=field)
    return value


def check_adoption(adoption: str, reason: str) -> str:
    if adoption not in ADOPTION:
        raise InvalidValueError("采纳情况须为 adopted、partly 或 not_adopted", field="adoption")
    return _text(reason, "reason", "理由", MAX_REASON)


@pin_topics("consultations")
class Consultation(Aggregate):
    """A catalogue entry; when consulted online, its draft, dates, meetings and adoption."""

    @staticmethod
    def create_id(consultation_no: str, **_) -> UUID:
        return consultation_id(consultation_no)

    @classmethod
    def validate_entry(cls, *, year: int, title: str, department: str, planned_on,
                       participation, description: str = "") -> dict:
        """The catalogue entry's values, checked (the department is the application's)."""
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidValueError("年度须为 2000—2100 的年份", field="year")
        planned = parse_date(planned_on, "planned_on", "计划决策时间")
        methods = list(dict.fromkeys(participation or ()))
        if not methods:
            raise InvalidValueError("请选择公众参与方式", field="participation")
        unknown = [m for m in methods if m not in PARTICIPATION]
        if unknown:
            raise InvalidValueError(f"未知的公众参与方式：{unknown[0]}", field="participation")
        return {"year": year, "title": _text(title, "title", "决策事项", MAX_TITLE),
                "department": department, "planned_on": planned, "participation": methods,
                "description": _text(description, "description", "事项说明", MAX_DESCRIPTION,
                                      required=False)}

    @event("Listed")
    def __init__(self, consultation_no: str, year: int, title: str, department: str,
                 planned_on: date, participation: list, description: str, actor: str,
                 at: datetime):
        self.consultation_no = consultation_no
        self.year, self.title, self.department = year, title, department
        self.planned_on, self.participation = planned_on, list(participation)
        self.description = description
        self.listed_at = at
        self.status = Status.PLANNED
        self.draft: str | None = None
        self.basis: str | None = None
        self.opens_on: date | None = None
        self.closes_on: date | None = None
        self.draft_published_at: datetime | None = None
        self.extensions: list[dict] = []
        self.files: dict[str, dict] = {}  # file id (hex) -> name, role, size, ...
        self.meetings: list[dict] = []
        self.summary: str | None = None
        self.sent_back: str | None = None
        self.counts: dict | None = None
        self.adoption_published_at: datetime | None = None
        self.decision: str | None = None
        self.decided_on: date | None = None

    # --- what the generic item page and the workflow read ----------------------------

    @property
    def number(self) -> str:
        return self.consultation_no

    due_date = None  # no 催办/督办: the dates are the consultation's own

    @property
    def online(self) -> bool:
        return "online" in self.participation

    def closed_on(self, today: date) -> bool:
        """Whether the consultation is over on `today` (a local date)."""
        return self.closes_on is not None and today > self.closes_on

    def _require(self, action: str, *states: str) -> None:
        if self.status not in states:
            raise IllegalTransitionError(
                f"当前状态为“{STATUS_LABELS[self.status]}”，不能{action}",
                status=self.status, action=action)

    # --- the draft and its dates ------------------------------------------------------

    def publish_draft(self, *, draft: str, basis: str, opens_on, closes_on, today: date,
                      min_days: int, actor: str, at: datetime) -> None:
        """草案预公开: the draft and its basis, open from `opens_on` to `closes_on` (both
        included); at least `min_days` days (docs/rules.md C2)."""
        self._require("发布草案", Status.PLANNED)
        if not self.online:
            raise IllegalTransitionError("该事项的公众参与方式不含网上征求意见，不能发布草案征求意见",
                                         status=self.status, action="发布草案")
        opens = parse_date(opens_on, "opens_on", "征集开始日期")
        closes = parse_date(closes_on, "closes_on", "征集截止日期")
        if opens < today:
            raise InvalidValueError("征集开始日期不能早于今天", field="opens_on")
        if closes < opens:
            raise InvalidValueError("征集截止日期不能早于开始日期", field="closes_on")
        if (closes - opens).days + 1 < min_days:
            raise InvalidValueError(f"征求意见期限不少于{min_days}日（截止日期不早于 "
                                    f"{opens + timedelta(days=min_days - 1)}）",
                                    field="closes_on")
        self._draft_published(draft=_text(draft, "draft", "草案", MAX_DRAFT),
                              basis=_text(basis, "basis", "起草说明和依据", MAX_DRAFT),
                              opens_on=opens, closes_on=closes, actor=actor, at=at)

    @event("DraftPublished")
    def _draft_published(self, draft: str, basis: str, opens_on: date, closes_on: date,
                         actor: str, at: datetime) -> None:
        self.status = Status.CONSULTING
        self.draft, self.basis = draft, basis
        self.opens_on, self.closes_on = opens_on, closes_on
        self.draft_published_at = at

    def extend(self, *, closes_on, reason: str, today: date, actor: str, at: datetime) -> None:
        """延长征集期: a later closing date with a reason, before the current one passes."""
        self._require("延长征集期", Status.CONSULTING)
        if self.closed_on(today):
            raise IllegalTransitionError(f"征集已于 {self.closes_on} 截止，不能再延长",
                                         status=self.status, action="延长征集期")
        new = parse_date(closes_on, "closes_on", "新的截止日期")
        if new <= self.closes_on:
            raise InvalidValueError(f"新的截止日期须晚于 {self.closes_on}", field="closes_on")
        self._extended(closes_on=new, previous=self.closes_on,
                       reason=_text(reason, "reason", "延长理由", MAX_REASON),
                       actor=actor, at=at)

    @event("Extended")
    def _extended(self, closes_on: date, previous: date, reason: str, actor: str,
                  at: datetime) -> None:
        self.closes_on = closes_on
        self.extensions.append({"closes_on": closes_on, "previous": previous,
                                "reason": reason, "at": at})

    # --- files --------------------------------------------------------------------------

    def attach(self, *, file: "ConsultationFile", role: str, meeting_no: int | None,
               actor: str, at: datetime) -> bool:
        """Attach a stored file to a part of the page; False when it is attached already."""
        if role not in FILE_ROLES:
            raise InvalidValueError("文件类别须为 draft、decision 或 meeting", field="role")
        if role == "meeting" and not any(m["meeting_no"] == meeting_no for m in self.meetings):
            raise InvalidValueError("请先记录会议，再上传会议材料", field="meeting_no")
        if role == "draft" and self.status not in (Status.PLANNED, Status.CONSULTING):
            raise IllegalTransitionError("采纳情况已提交，不能再补充草案材料",
                                         status=self.status, action="上传文件")
        if file.id.hex in self.files:
            return False
        if len(self.files) >= MAX_FILES:
            raise InvalidValueError(f"附件不超过{MAX_FILES}个", field="file")
        self._attached(file_id=file.id.hex, name=file.name, content_type=file.content_type,
                       size=file.size, sha256=file.sha256, role=role,
                       meeting_no=meeting_no if role == "meeting" else None,
                       actor=actor, at=at)
        return True

    @event("FileAttached")
    def _attached(self, file_id: str, name: str, content_type: str, size: int, sha256: str,
                  role: str, meeting_no: int | None, actor: str, at: datetime) -> None:
        self.files[file_id] = {"file_id": file_id, "name": name, "content_type": content_type,
                               "size": size, "role": role, "meeting_no": meeting_no, "at": at}

    def public_files(self, role: str, meeting_no: int | None = None) -> list[dict]:
        """Files of one part that the public may open: draft files once the draft is
        published, decision files once the decision is, meeting files with their meeting."""
        visible = {"draft": self.status != Status.PLANNED,
                   "decision": self.decision is not None, "meeting": True}[role]
        return [f for f in self.files.values() if visible and f["role"] == role
                and (role != "meeting" or f["meeting_no"] == meeting_no)]

    def file_is_public(self, file_hex: str) -> bool:
        f = self.files.get(file_hex)
        return f is not None and f in self.public_files(f["role"], f["meeting_no"])

    # --- meetings with attending representatives (列席) ------------------------------

    def record_meeting(self, *, title: str, held_on, attendees: str, decisions: str,
                       today: date, actor: str, at: datetime) -> int:
        """A meeting on the decision with attending citizen representatives: its public
        record (who attended, as the department describes them, and what it decided)."""
        self._require("记录会议", Status.PLANNED, Status.CONSULTING)
        held = parse_date(held_on, "held_on", "会议日期")
        if held > today:
            raise InvalidValueError("会议日期不能晚于今天", field="held_on")
        number = len(self.meetings) + 1
        self._meeting_recorded(meeting_no=number,
                               title=_text(title, "title", "会议名称", MAX_TITLE),
                               held_on=held,
                               attendees=_text(attendees, "attendees", "列席人员", MAX_TEXT),
                               decisions=_text(decisions, "decisions", "会议决定", MAX_TEXT),
                               actor=actor, at=at)
        return number

    @event("MeetingRecorded")
    def _meeting_recorded(self, meeting_no: int, title: str, held_on: date, attendees: str,
                          decisions: str, actor: str, at: datetime) -> None:
        self.meetings.append({"meeting_no": meeting_no, "title": title, "held_on": held_on,
                              "attendees": attendees, "decisions": decisions, "opinions": []})

    def meeting(self, meeting_no: int) -> dict:
        for m in self.meetings:
            if m["meeting_no"] == meeting_no:
                return m
        raise InvalidValueError(f"未找到第 {meeting_no} 次会议", field="meeting_no")

    def add_representative_opinion(self, *, meeting_no: int, representative: str,
                                   content: str, actor: str, at: datetime) -> str:
        """An attending representative's opinion, as the department recorded it."""
        self._require("记录列席代表意见", Status.PLANNED, Status.CONSULTING)
        meeting = self.meeting(meeting_no)
        content = _text(content, "content", "意见内容", MAX_OPINION)
        self._representative_opinion(
            meeting_no=meeting_no, opinion_no=len(meeting["opinions"]) + 1,
            representative=_text(representative, "representative", "列席代表", 50),
            content=content, public_content=mask_personal_data(content), actor=actor, at=at)
        return f"M{meeting_no}-{len(meeting['opinions'])}"

    @event("RepresentativeOpinionRecorded")
    def _representative_opinion(self, meeting_no: int, opinion_no: int, representative: str,
                                content: str, public_content: str, actor: str,
                                at: datetime) -> None:
        self.meeting(meeting_no)["opinions"].append(
            {"opinion_no": opinion_no, "representative": representative, "content": content,
             "public_content": public_content, "adoption": None, "reason": None})

    def answer_representative(self, *, meeting_no: int, opinion_no: int, adoption: str,
                              reason: str, today: date, actor: str, at: datetime) -> None:
        self._require("答复意见", Status.PLANNED, Status.CONSULTING)
        opinions = self.meeting(meeting_no)["opinions"]
        if not 1 <= opinion_no <= len(opinions):
            raise InvalidValueError(f"未找到意见 M{meeting_no}-{opinion_no}", field="opinion_no")
        reason = check_adoption(adoption, reason)
        self._representative_answered(meeting_no=meeting_no, opinion_no=opinion_no,
                                      adoption=adoption, reason=reason,
                                      public_reason=mask_personal_data(reason),
                                      actor=actor, at=at)

    @event("RepresentativeOpinionAnswered")
    def _representative_answered(self, meeting_no: int, opinion_no: int, adoption: str,
                                 reason: str, public_reason: str, actor: str,
                                 at: datetime) -> None:
        opinion = self.meeting(meeting_no)["opinions"][opinion_no - 1]
        opinion.update(adoption=adoption, reason=reason, public_reason=public_reason)

    @property
    def unanswered_representative_opinions(self) -> list[str]:
        return [f"M{m['meeting_no']}-{o['opinion_no']}" for m in self.meetings
                for o in m["opinions"] if o["adoption"] is None]

    # --- adoption: summary, review, publication -------------------------------------

    def may_answer(self, today: date) -> bool:
        """Opinions are answered after the consultation closed, until the summary goes to
        the reviewer (and again if it comes back)."""
        return self.status == Status.CONSULTING and self.closed_on(today)

    def ready_for_summary(self, today: date) -> bool:
        return self.may_answer(today) or (self.status == Status.PLANNED and not self.online
                                          and bool(self.meetings))

    def submit_summary(self, *, summary: str, unanswered: list[str], today: date, actor: str,
                       at: datetime) -> None:
        """采纳情况说明 for the reviewer; every opinion must have its answer by then."""
        if self.status == Status.CONSULTING and not self.closed_on(today):
            raise IllegalTransitionError(f"征集至 {self.closes_on} 截止，截止后才能汇总采纳情况",
                                         status=self.status, action="提交采纳情况")
        if not self.ready_for_summary(today):
            self._require("提交采纳情况", Status.CONSULTING)
            raise IllegalTransitionError("尚无可汇总的意见", status=self.status,
                                         action="提交采纳情况")
        missing = list(unanswered) + self.unanswered_representative_opinions
        if missing:
            shown = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
            raise IllegalTransitionError(f"还有 {len(missing)} 条意见未答复：{shown}",
                                         status=self.status, action="提交采纳情况",
                                         unanswered=missing[:50])
        self._summary_submitted(summary=_text(summary, "summary", "采纳情况说明", MAX_TEXT),
                                actor=actor, at=at)

    @event("SummarySubmitted")
    def _summary_submitted(self, summary: str, actor: str, at: datetime) -> None:
        self.status, self.summary, self.sent_back = Status.REVIEWING, summary, None

    def send_back(self, *, reason: str, actor: str, at: datetime) -> None:
        self._require("退回采纳情况", Status.REVIEWING)
        self._sent_back(reason=_text(reason, "reason", "退回理由", MAX_REASON), actor=actor,
                        at=at)

    @event("SummarySentBack")
    def _sent_back(self, reason: str, actor: str, at: datetime) -> None:
        self.sent_back = reason
        self.status = Status.CONSULTING if self.opens_on is not None else Status.PLANNED

    def publish_adoption(self, *, counts: dict, unanswered: list[str], actor: str,
                         at: datetime) -> None:
        """审核通过: the adoption (numbers, summary, each answer) becomes public."""
        self._require("审核发布采纳情况", Status.REVIEWING)
        if unanswered or self.unanswered_representative_opinions:
            raise IllegalTransitionError("还有意见未答复，不能发布", status=self.status,
                                         action="审核发布采纳情况")
        self._adoption_published(counts=dict(counts), actor=actor, at=at)

    @event("AdoptionPublished")
    def _adoption_published(self, counts: dict, actor: str, at: datetime) -> None:
        self.status, self.counts, self.adoption_published_at = Status.PUBLISHED, counts, at

    def record_decision(self, *, decision: str, decided_on, today: date, actor: str,
                        at: datetime) -> None:
        """决策结果: the decision as taken, after the adoption was published."""
        if not (self.status == Status.PUBLISHED or (
                self.status == Status.PLANNED and not self.online)):
            self._require("公布决策结果", Status.PUBLISHED)
        decided = parse_date(decided_on, "decided_on", "决策日期")
        if decided > today:
            raise InvalidValueError("决策日期不能晚于今天", field="decided_on")
        self._decided(decision=_text(decision, "decision", "决策结果", MAX_DRAFT),
                      decided_on=decided, actor=actor, at=at)

    @event("DecisionRecorded")
    def _decided(self, decision: str, decided_on: date, actor: str, at: datetime) -> None:
        self.decision, self.decided_on = decision, decided_on


@pin_topics("consultations")
class ConsultationOpinion(Aggregate):
    """One citizen's opinion on a consultation's draft, and the department's answer."""

    @staticmethod
    def create_id(opinion_no: str, **_) -> UUID:
        return opinion_id(opinion_no)

    @classmethod
    def submit(cls, *, content: str, contact: dict, **values) -> "ConsultationOpinion":
        """The public wording is decided here, once: personal data masked, the citizen's
        own name, phone and e-mail wherever they appear."""
        content = _text(content, "content", "意见内容", MAX_OPINION)
        return cls(content=content, contact=contact,
                   public_content=mask_personal_data(content, known=tuple(contact.values())),
                   **values)

    @event("Submitted")
    def __init__(self, opinion_no: str, consultation_no: str, seq: int, content: str,
                 public_content: str, contact: dict, publish: bool, query_code_hash: str,
                 actor: str, at: datetime):
        self.opinion_no, self.consultation_no, self.seq = opinion_no, consultation_no, seq
        self.content, self.public_content = content, public_content
        self.contact, self.publish = contact, publish
        self.query_code_hash = query_code_hash
        self.submitted_at = at
        self.adoption: str | None = None
        self.reason: str | None = None
        self.public_reason: str | None = None
        self.answered_at: datetime | None = None

    @property
    def answered(self) -> bool:
        return self.adoption is not None

    def answer(self, *, adoption: str, reason: str, department: str, actor: str,
               at: datetime) -> None:
        reason = check_adoption(adoption, reason)
        self._answered(adoption=adoption, reason=reason, department=department,
                       public_reason=mask_personal_data(
                           reason, known=tuple((self.contact or {}).values())),
                       actor=actor, at=at)

    @event("Answered")
    def _answered(self, adoption: str, reason: str, public_reason: str, department: str,
                  actor: str, at: datetime) -> None:
        self.adoption, self.reason, self.public_reason = adoption, reason, public_reason
        self.answered_at = at


@pin_topics("consultations")
class ConsultationFile(Aggregate):
    """An attached file (a draft, its basis, meeting materials, the decision), kept in the
    event store like everything else (encrypted at rest)."""

    @staticmethod
    def create_id(consultation_no: str, sha256: str, **_) -> UUID:
        return file_id(consultation_no, sha256)

    @classmethod
    def upload(cls, *, consultation_no: str, name: str, content_type: str, data: bytes,
               actor: str, at: datetime) -> "ConsultationFile":
        name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not name or len(name) > 120 or any(ord(c) < 32 for c in name):
            raise InvalidValueError("文件名不能为空且不超过120字", field="file")
        if not data:
            raise InvalidValueError("文件为空", field="file")
        if len(data) > MAX_FILE_BYTES:
            raise InvalidValueError(f"文件不超过 {MAX_FILE_BYTES // 1024 // 1024} MB",
                                    field="file")
        return cls(consultation_no=consultation_no, sha256=hashlib.sha256(data).hexdigest(),
                   name=name, content_type=(content_type or "application/octet-stream")[:100],
                   size=len(data), data=base64.b64encode(data).decode(), actor=actor, at=at)

    @event("Uploaded")
    def __init__(self, consultation_no: str, sha256: str, name: str, content_type: str,
                 size: int, data: str, actor: str, at: datetime):
        self.consultation_no, self.sha256 = consultation_no, sha256
        self.name, self.content_type, self.size = name, content_type, size
        self.data = data

    @property
    def content(self) -> bytes:
        return base64.b64decode(self.data)
