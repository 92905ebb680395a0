"""Notifications for everyone who must act, kept as a read model: a notice is written with
the tracking position of the event that calls for it, so each event gives its notices
exactly once (a replay or a rebuild writes the same rows, keyed by the event).

Notices are addressed to a role (`role:opinion`) or a department (`dept:区住建局`); the
console lists those of the signed-in staff member. Each notice is also a message in
`outbox`, e-mailed by infrastructure/mail.py to the staff of its audience who gave an
e-mail address and to the department's duty mailbox. Citizens who gave an e-mail address
get one when the reply to their comment is published and when they ask to recover their
query code. No outbox row holds an address: the sender reads it when it sends (a
citizen's from the item, encrypted at rest; staff's from their accounts).
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
        # `audience` is NULL for a message to the item's citizen.
        "outbox": """id TEXT PRIMARY KEY, item_kind TEXT NOT NULL, item_no TEXT NOT NULL,
            subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
            audience TEXT, kind TEXT""",
        # Comments whose citizen gave an e-mail address (the address itself is not here):
        # read with the events that write to the citizen, instead of loading the comment.
        "mail_to": """id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL,
            submitted_on TEXT NOT NULL""",
    }
    version = 3  # v3: mail_to (no comment is loaded to write to its citizen)
    indexes = (("notices", "audience", "(audience, created_at)"),)
    handlers = {Incident.Opened: "incident_opened", Incident.LevelSet: "level_set",
                Incident.Assigned: "assigned", Incident.ClockWarned: "clock_warned",
                Overseen.Reminded: "overdue",
                Overseen.Supervised: "overdue", Comment.ReplyPublished: "reply_published",
                Comment.QueryCodeReset: "query_code_reset", Comment.Submitted: "submitted"}
    TO_CITIZEN = (Comment.ReplyPublished, Comment.QueryCodeReset)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._mail_to: dict = {}  # id -> row, for the batch at hand

    def handle_batch(self, events: list, emit, query) -> None:
        """As event by event, with the batch's comments that take e-mail read at once."""
        ids = list(dict.fromkeys(e.originator_id.hex for e in events
                                 if isinstance(e, self.TO_CITIZEN)))
        self._mail_to = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            names = {f"i{n}": v for n, v in enumerate(chunk)}
            rows = query(f"SELECT id, tracking_no, submitted_on FROM mail_to WHERE id IN "
                         f"({', '.join(':' + n for n in names)})", names)
            self._mail_to.update({row["id"]: row for row in rows})
        for event in events:
            self.handle(event, emit)

    def submitted(self, e, emit):
        if (e.contact or {}).get("email"):
            row = {"id": e.originator_id.hex, "tracking_no": e.tracking_no,
                   "submitted_on": self.local_date(e.at)}
            self._mail_to[row["id"]] = row
            emit("INSERT INTO mail_to (id, tracking_no, submitted_on) VALUES "
                 "(:id, :tracking_no, :submitted_on) ON CONFLICT (id) DO NOTHING", row)

    def notice(self, emit, e, audience: str, kind: str, subject: str, item_kind: str,
               item_no: str) -> None:
        """A notice in the console and, for whoever has an address, an e-mail."""
        row = {"id": f"{e.originator_id.hex}:{e.originator_version}:{audience}",
               "audience": audience, "kind": kind, "subject": subject[:200],
               "item_kind": item_kind, "item_no": item_no, "at": self.iso(e.at),
               "body": f"{subject[:200]}\n\n请登录工作台处理（{item_no}）。"}
        emit("INSERT INTO notices (id, audience, kind, subject, item_kind, item_no, created_at) "
             "VALUES (:id, :audience, :kind, :subject, :item_kind, :item_no, :at) "
             "ON CONFLICT (id) DO NOTHING", row)
        emit("INSERT INTO outbox (id, item_kind, item_no, subject, body, created_at, audience, "
             "kind) VALUES (:id, :item_kind, :item_no, :subject, :body, :at, :audience, :kind) "
             "ON CONFLICT (id) DO NOTHING", row)

    def to_citizen(self, emit, e, kind: str, item_no: str, subject: str, body: str) -> None:
        emit("INSERT INTO outbox (id, item_kind, item_no, subject, body, created_at, kind) "
             "VALUES (:id, 'comments', :no, :subject, :body, :at, :kind) "
             "ON CONFLICT (id) DO NOTHING",
             {"id": f"{e.originator_id.hex}:{e.originator_version}", "no": item_no,
              "subject": subject, "body": body, "at": self.iso(e.at), "kind": kind})

    def _item(self, e):
        """The aggregate an event belongs to, as it is now (for its number and department)."""
        try:
            return self.app.load(Incident if isinstance(e, Incident.Event) else None,
                                 e.originator_id)
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
        if e.handling_department == e.response_department:  # one notice, both tracks
            self.notice(emit, e, f"dept:{e.handling_department}", "incident",
                        f"请处置舆情事件并做好回应：{incident.title}", "incidents",
                        incident.incident_no)
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
        comment = self._mail_to.get(e.originator_id.hex)
        if comment is None:  # no e-mail address given
            return
        no = comment["tracking_no"]
        self.to_citizen(
            emit, e, "reply", no, f"您的留言 {no} 已答复",
            f"您好！您于{comment['submitted_on']}提交的留言"
            f"（留言编号 {no}）已由{e.department}答复。"
            "请凭留言编号和查询码在区政府网站“留言查询”中查看答复并评价。")

    def query_code_reset(self, e, emit):
        """The new code is not in the event (only its hash): the sender derives it."""
        comment = self._mail_to.get(e.originator_id.hex)
        if comment is None:
            return
        no = comment["tracking_no"]
        self.to_citizen(
            emit, e, "query_code", no,
            f"您的留言 {no} 的新查询码",
            f"您好！您申请找回留言（留言编号 {no}）的查询码。"
            "新的查询码是：{query_code}\n原查询码已停止使用。"
            "如非本人操作，请忽略本邮件；他人无法通过本邮件以外的途径获得新查询码。")


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
