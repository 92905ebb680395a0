"""A small item kind that exists only in the tests: it shows that a new kind needs only
its own aggregate, workflow and read model to work through the generic routes, the
console and the OpenAPI document (docs/architecture.md, "Adding an item kind").
"""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import IllegalTransitionError
from domain.topics import pin_topics
from domain.workflow import Action, Input, Workflow
from infrastructure.views.base import ReadModel


def memo_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi-test:memo:{number}")


@pin_topics("test-memos")
class Memo(Aggregate):
    """A memo filed with a department, approved by a reviewer, archived by the department."""

    @staticmethod
    def create_id(number: str, **_) -> UUID:
        return memo_id(number)

    @event("Filed")
    def __init__(self, number: str, title: str, department: str, actor: str, at: datetime):
        self.number, self.title, self.department = number, title, department
        self.status, self.due_date, self.note = "filed", None, ""

    def approve(self, *, note: str, actor: str, at: datetime) -> None:
        if self.status != "filed":
            raise IllegalTransitionError("只有待批的备忘可以批准")
        self._approved(note=note, actor=actor, at=at)

    @event("Approved")
    def _approved(self, note: str, actor: str, at: datetime) -> None:
        self.status, self.note = "approved", note

    def archive(self, *, actor: str, at: datetime) -> None:
        self._archived(actor=actor, at=at)

    @event("Archived")
    def _archived(self, actor: str, at: datetime) -> None:
        self.status = "archived"


MEMOS = Workflow(
    kind="memos", label="备忘", aggregate=Memo, id_for=memo_id, number_label="备忘编号",
    status_labels={"filed": "待批", "approved": "已批", "archived": "已归档"},
    open_states=("filed",),
    event_labels={Memo.Filed: "登记备忘", Memo.Approved: "批准", Memo.Archived: "归档"},
    actions=(
        Action("approve", "批准", ("reviewer",),
               lambda ctx, m, d: m.approve(note=d["note"], **ctx.stamp), states=("filed",),
               style="primary", inputs=(Input("note", "批注", required=False),),
               success="备忘已批准"),
        Action("archive", "归档", ("handler", "reviewer"),
               lambda ctx, m, d: m.archive(**ctx.stamp), states=("approved",),
               own_department=True, group="quick"),
    ),
)


class MemoList(ReadModel):
    name = "test_memos"
    tables = {"memos": "id TEXT PRIMARY KEY, number TEXT NOT NULL, title TEXT NOT NULL, "
                       "status TEXT NOT NULL, note TEXT"}
    handlers = {Memo.Filed: "filed", Memo.Approved: "approved", Memo.Archived: "archived"}

    def filed(self, e, emit):
        emit("INSERT INTO memos (id, number, title, status) VALUES (:id, :n, :t, 'filed')",
             {"id": e.originator_id.hex, "n": e.number, "t": e.title})

    def approved(self, e, emit):
        emit("UPDATE memos SET status = 'approved', note = :note WHERE id = :id",
             {"id": e.originator_id.hex, "note": e.note})

    def archived(self, e, emit):
        emit("UPDATE memos SET status = 'archived' WHERE id = :id", {"id": e.originator_id.hex})
