"""The hotline rows of the public listing (infrastructure/views/public_replies.py).

A ticket shows only once a reviewer approved its public wording (Published) and the
caller agreed to publication; the wording is the approved one, never the raw call. Its
standing (pub_status) follows it from registration: answered once the department (or
the operator) answers, open again when it is reopened.
"""

from domain.tickets import Ticket


class TicketPublicRows:
    ticket_handlers = {Ticket.Registered: "ticket_registered",
                       Ticket.Published: "ticket_published",
                       Ticket.Withheld: "ticket_withheld",
                       Ticket.CalledBack: "ticket_called_back",
                       Ticket.Resolved: "ticket_resolved",
                       Ticket.Reopened: "ticket_reopened",
                       Ticket.ExtensionGranted: "ticket_extension_granted"}

    def ticket_registered(self, e, emit):
        emit("INSERT INTO pub_replies (id, item_kind, tracking_no, title, content, kind, "
             "category, channel, submitted_at, accepted_on, consent) VALUES (:id, 'tickets', "
             ":t, :title, :content, :kind, :category, :channel, :at, :d, :consent)",
             {"id": e.originator_id.hex, "t": e.ticket_no, "title": e.public_title,
              "content": e.public_content, "kind": e.kind, "category": e.category,
              "channel": e.channel, "at": self.iso(e.at), "d": self.local_date(e.at),
              "consent": int(bool(e.publish))})
        self.add_status(emit, e, item_kind="tickets", number=e.ticket_no, category=e.category,
                        area=e.area, due_at=self.instant(e.due_at))
        self.index(emit, e, title=e.public_title, content=e.public_content, kind=e.kind,
                   category=e.category)

    def ticket_published(self, e, emit):
        self.set(emit, e, "title = :title, content = :content, reply = :reply, "
                 "reply_department = :dep, replied_on = :d, replied_at = :at, withheld = 0",
                 title=e.title, content=e.content, reply=e.reply, dep=e.department,
                 d=self.local_date(e.replied_at), at=self.iso(e.replied_at),
                 visible=self.VISIBLE_IF_CONSENTED)
        self.index(emit, e, title=e.title, content=e.content, reply=e.reply,
                   department=e.department)

    def ticket_withheld(self, e, emit):
        self.set(emit, e, "withheld = 1", visible="0")

    def ticket_called_back(self, e, emit):
        if e.reached and e.rating:
            self.set(emit, e, "rating = :r", r=e.rating)

    def ticket_resolved(self, e, emit):
        self.set_stage(emit, e, self.ANSWERED)

    def ticket_reopened(self, e, emit):
        self.set_stage(emit, e, self.OPEN, due_at=self.instant(e.due_at))

    def ticket_extension_granted(self, e, emit):
        self.set_status(emit, e, "due_at = :due", due=self.instant(e.due_at))
