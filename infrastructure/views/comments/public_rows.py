"""The comment rows of the public listing (infrastructure/views/public_replies.py)."""

from domain.comments import Comment
from domain.masking import mask_name


class CommentPublicRows:
    """Comments enter the listing when submitted and show once a reply is published; their
    standing (pub_status) follows them from submission, rejection included."""

    comment_handlers = {Comment.Submitted: "submitted", Comment.Accepted: "accepted",
                        Comment.Rejected: "rejected", Comment.ReplyPublished: "published",
                        Comment.Rated: "rated", Comment.Reopened: "reopened",
                        Comment.Withheld: "withheld", Comment.Released: "released",
                        Comment.Redacted: "redacted",
                        Comment.ExtensionGranted: "extension_granted"}

    def submitted(self, e, emit):
        emit("INSERT INTO pub_replies (id, item_kind, tracking_no, title, content, kind, "
             "category, channel, submitted_at, consent, submitter) VALUES (:id, 'comments', :t, "
             ":title, :content, :kind, :category, :channel, :at, :consent, :submitter)",
             {"id": e.originator_id.hex, "t": e.tracking_no,
              "title": e.public_title, "content": e.public_content,
              "kind": e.kind, "category": e.category, "channel": e.channel,
              "at": self.iso(e.at), "consent": int(bool(e.publish)),
              # Only the surname leaves the event (the name itself never reaches a table).
              "submitter": mask_name((e.contact or {}).get("name"))})
        self.add_status(emit, e, item_kind="comments", number=e.tracking_no,
                        category=e.category, area=getattr(e, "area", None))
        self.index(emit, e, title=e.public_title, content=e.public_content, kind=e.kind,
                   category=e.category)

    def accepted(self, e, emit):
        self.set(emit, e, "accepted_on = :d", d=self.local_date(e.at))
        self.set_status(emit, e, "due_at = :due", due=self.end_of(e.due_date))

    def rejected(self, e, emit):
        emit("DELETE FROM pub_replies WHERE id = :id", {"id": e.originator_id.hex})
        emit("DELETE FROM pub_search WHERE id = :id", {"id": e.originator_id.hex})
        self.set_stage(emit, e, self.REJECTED, due_at=None)

    def published(self, e, emit):
        self.set(emit, e, "replied_on = :d, replied_at = :at, reply_department = :dep, "
                 "reply = :reply, rating = NULL", d=self.local_date(e.at), at=self.iso(e.at),
                 dep=e.department, reply=e.public_content, visible=self.VISIBLE_IF_SHOWN)
        self.set_stage(emit, e, self.ANSWERED)
        self.index(emit, e, reply=e.public_content, department=e.department)

    def rated(self, e, emit):
        self.set(emit, e, "rating = :r", r=e.level)

    def reopened(self, e, emit):
        self.set(emit, e, "rating = NULL")
        self.set_stage(emit, e, self.OPEN, due_at=self.end_of(e.due_date))

    def withheld(self, e, emit):
        self.set(emit, e, "withheld = 1", visible="0")

    def released(self, e, emit):
        self.set(emit, e, "withheld = 0", visible=self.VISIBLE_IF_REPLIED)

    def redacted(self, e, emit):
        self.set(emit, e, "title = :title, content = :content", title=e.title,
                 content=e.content)
        self.index(emit, e, title=e.title, content=e.content)

    def extension_granted(self, e, emit):
        self.set_status(emit, e, "due_at = :due", due=self.end_of(e.due_date))
