"""Notifications for everyone who must act, kept as a read model: a notice is written with
the tracking position of the event that calls for it, so each event gives its notices
exactly once (a replay or a rebuild writes the same rows, keyed by the event).

Notices are addressed to a role (`role:opinion`) or a department (`dept:区住建局`); the
console lists those of the signed-in staff member. Citizens who gave an e-mail address
get one when the reply to their comment is published: those messages wait in `outbox`
(without the address) for a sender (not yet built; see docs/rules.md, Planned).
"""

from domain.comments import Comment
from domain.errors import DomainError
from domain.incidents import LEVELS, Incident
from domain.oversight import Overseen

from .base import ReadModel
from .queries import Page, QueryBase

SEVERITY = {"IV": 0, "III": 1, "II": 2, "I": 3}


class Notifications(ReadModel):
    name = "notifications"
    tables = {
        "notices": """id TEXT PRIMARY KEY, audience TEXT NOT NULL, kind TEXT NOT NULL,
            subject TEXT NOT NULL, item_kind TEXT, item_no TEXT, created_at TEXT NOT NULL""",
        # Messages to citizens; the address is not kept here (no read model holds contact
        # data): the sender reads it from the item, encrypted at rest, when it sends.
        "outbox": """id TEXT PRIMARY KEY, item_kind TEXT NOT NULL, item_no TEXT NOT NULL,
            subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL""",
    }
    indexes = (("notices", "audience", "(audience, created_at)"),)
    handlers = {Incident.Opened: "incident_opened", Incident.LevelSet: "level_set",
                Incident.Assigned: "assigned", Incident.ClockWarned: "clock_warned",
                Overseen.Reminded: "overdue",
                Overseen.Supervised: "overdue", Comment.ReplyPublished: "reply_published"}

    def notice(self, emit, e, audience: str, kind: str, subject: str, item_kind: str,
               item_no: str) -> None:
        emit("INSERT INTO notices (id, audience, kind, subject, item_kind, item_no, created_at) "
             "VALUES (:id, :audience, :kind, :subject, :item_kind, :item_no, :at) "
             "ON CONFLICT (id) DO NOTHING",
             {"id": f"{e.originator_id.hex}:{e.originator_version}:{audience}",
              "audience": audience, "kind": kind, "subject": subject[:200],
              "item_kind": item_kind, "item_no": item_no, "at": self.iso(e.at)})

    def _item(self, e):
        """The aggregate an event belongs to, as it is now (for its number and department)."""
        try:
            return self.app.repository.get(e.originator_id)
        except Exception:  # noqa: BLE001 - an item that cannot be read gets no notice
            return None

    def incident_opened(self, e, emit):
        level = LEVELS[e.level][0]
        self.notice(emit, e, "role:opinion", "incident",
                    f"新的舆情事件（{level}）：{e.title}", "incidents", e.incident_no)

    def level_set(self, e, emit):
        incident = self._item(e)
        if incident is None or SEVERITY[e.level] <= SEVERITY[e.previous]:
            return
        subject = f"舆情事件升级为{LEVELS[e.level][0]}：{incident.title}"
        for audience in ("role:opinion", *(f"dept:{d}" for d in (
                incident.handling_department, incident.response_department) if d)):
            self.notice(emit, e, audience, "incident", subject, "incidents",
                        incident.incident_no)

    def assigned(self, e, emit):
        incident = self._item(e)
        if incident is None:
            return
        self.notice(emit, e, f"dept:{e.handling_department}", "incident",
                    f"请处置舆情事件：{incident.title}", "incidents", incident.incident_no)
        self.notice(emit, e, f"dept:{e.response_department}", "incident",
                    f"请做好舆情回应：{incident.title}", "incidents", incident.incident_no)

    def clock_warned(self, e, emit):
        incident = self._item(e)
        if incident is None:
            return
        from domain.incidents.clocks import CLOCKS
        label = CLOCKS.get(e.clock, (e.clock,))[0]
        when = e.due_at.astimezone(self.tz).strftime("%m-%d %H:%M")
        subject = (f"{label}时限将于 {when} 届满：{incident.title}" if e.stage == "due_soon"
                   else f"{label}已超过时限（{when}）：{incident.title}")
        for audience in ("role:opinion", *([f"dept:{incident.response_department}"]
                                           if incident.response_department else [])):
            self.notice(emit, e, audience, "clock", subject, "incidents", incident.incident_no)

    def overdue(self, e, emit):
        item = self._item(e)
        if item is None or self.app is None:
            return
        try:
            workflow = self.app.workflows.by_aggregate[type(item)]
        except (KeyError, AttributeError, DomainError):
            return
        supervised = isinstance(e, Overseen.Supervised)
        word = "督办" if supervised else "催办"
        subject = f"{word}：{workflow.label} {item.number} 已超过办理时限（{e.due_date}）"
        audiences = [f"dept:{item.department}"] if item.department else ["role:reviewer"]
        if supervised:
            audiences.append("role:supervisor")
        for audience in audiences:
            self.notice(emit, e, audience, "overdue", subject, workflow.kind, item.number)

    def reply_published(self, e, emit):
        comment = self._item(e)
        email = (comment.contact or {}).get("email") if comment is not None else None
        if not email:
            return
        emit("INSERT INTO outbox (id, item_kind, item_no, subject, body, created_at) VALUES "
             "(:id, 'comments', :no, :subject, :body, :at) ON CONFLICT (id) DO NOTHING",
             {"id": f"{e.originator_id.hex}:{e.originator_version}", "no": comment.tracking_no,
              "subject": f"您的留言 {comment.tracking_no} 已答复",
              "body": (f"您好！您于{self.local_date(comment.submitted_at)}提交的留言"
                       f"（受理编号 {comment.tracking_no}）已由{e.department}答复。"
                       "请凭受理编号和查询码在区政府网站“留言查询”中查看答复并评价。"),
              "at": self.iso(e.at)})


class NotificationQueries(QueryBase):
    def notices_for(self, actor, page: int = 1, per_page: int = 30) -> Page:
        """The notices addressed to the actor's roles or department, newest first."""
        audiences = [f"role:{r}" for r in actor.roles]
        if actor.department:
            audiences.append(f"dept:{actor.department}")
        if "admin" in actor.roles:
            return self.page("notices", [], {}, order="created_at DESC, id", columns="*",
                             page=page, per_page=per_page)
        names = {f"a{i}": a for i, a in enumerate(audiences)}
        where = [f"audience IN ({', '.join(':' + n for n in names)})"] if names else ["1 = 0"]
        return self.page("notices", where, names, order="created_at DESC, id", columns="*",
                         page=page, per_page=per_page)
