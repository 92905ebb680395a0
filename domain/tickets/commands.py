"""Commands of hotline tickets that are not workflow actions: intake with its number."""

from ..errors import ConflictError
from .aggregate import Ticket, ticket_id

SEQUENCE_DIGITS = 5  # up to 99,999 tickets a day


class TicketCommands:
    """Mixed into the application: register a call as a ticket."""

    def register_ticket(self, actor, *, channel: str, caller_name: str = "",
                        caller_phone: str = "", area: str, address: str = "", category: str,
                        kind: str, urgency: str, title: str, content: str,
                        publish: bool = False) -> Ticket:
        """登记: the ticket is taken on now, and its clock starts (operators only)."""
        actor.require_role("operator")
        now = self.clock()
        due_date, due_at = self.policy.ticket_due(self.calendar, kind, urgency == "urgent",
                                                  now, self.tz)
        contact = {k: v for k, v in (("name", caller_name), ("phone", caller_phone)) if v}
        values = dict(channel=channel, contact=contact, area=area, address=address,
                      category=category, kind=kind, urgency=urgency, title=title,
                      content=content, publish=publish, due_date=due_date, due_at=due_at,
                      actor=actor.id, at=now)
        Ticket.validate(**values)  # before a number is drawn
        day = self.local_date(now)
        probe = day not in self._ticket_numbers
        for _ in range(20):
            # The next number after this process's last one is tried without a look-up:
            # the store refuses a number taken meanwhile, and then the free one is found.
            last = self._next_free_sequence(day) if probe else self._ticket_numbers[day] + 1
            self._ticket_numbers[day] = last
            ticket = Ticket.register(ticket_no=f"{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}",
                                     **values)
            try:
                self.save(ticket)
            except ConflictError:  # another process took the number: probe on from it
                probe = True
                continue
            return ticket
        raise ConflictError("暂时无法生成工单编号，请重试")

    def _next_free_sequence(self, day) -> int:
        """The lowest unused sequence of the day after the last one this process issued;
        found by galloping then bisecting over the numbers taken (issued in order)."""
        if day in self._ticket_numbers:
            low = self._ticket_numbers[day]
        else:
            low = 0  # the largest number known to be taken (0: none)
        taken = lambda n: self._exists(ticket_id(f"{day:%Y%m%d}{n:0{SEQUENCE_DIGITS}d}"))  # noqa: E731
        step = 1
        while taken(low + step):
            low, step = low + step, step * 2
        high = low + step  # free
        while high - low > 1:
            middle = (low + high) // 2
            if taken(middle):
                low = middle
            else:
                high = middle
        return high

    @property
    def _ticket_numbers(self) -> dict:
        """Day -> the last sequence this process issued (a hint; the store decides)."""
        return self.__dict__.setdefault("_issued_ticket_numbers", {})
