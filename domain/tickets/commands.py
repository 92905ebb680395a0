"""Commands of hotline tickets that are not workflow actions: intake with its number."""

import threading

from ..errors import ConflictError
from .aggregate import Ticket, ticket_id

SEQUENCE_DIGITS = 5  # up to 99,999 tickets a day
_BLOCKS_LOCK = threading.Lock()


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
        Ticket.validate(**values, categories=self.categories())  # before a number is drawn
        day = self.local_date(now)
        conflicts = 0
        for _ in range(20):
            sequence = self._draw_sequence(day, conflicts)
            ticket = Ticket.register(ticket_no=f"{day:%Y%m%d}{sequence:0{SEQUENCE_DIGITS}d}",
                                     **values)
            try:
                self.save(ticket)
            except ConflictError:  # another process took the number
                conflicts += 1
                continue
            return ticket
        raise ConflictError("暂时无法生成工单编号，请重试")

    def _draw_sequence(self, day, conflicts: int) -> int:
        """The sequence to try next; the store refuses a number already taken.

        With shared number blocks (`number_blocks`, Redis in production), a process draws
        from a block only it holds, so processes do not collide. Without them, or when a
        drawn number is taken all the same (the shared counter was lost), the process
        tries the next number after its last one and, after a refusal, finds the lowest
        free one in the store and moves the shared counter past it."""
        issued = self._ticket_numbers
        key = f"tickets:{day:%Y%m%d}"
        if conflicts < 2:
            drawn = self._from_block(key)
            if drawn is not None:
                issued[day] = max(issued.get(day, 0), drawn)
                return drawn
        if conflicts or day not in issued:
            sequence = self._next_free_sequence(day)
            self._ticket_blocks.pop(key, None)
            if self.number_blocks is not None:
                self.number_blocks.advance(key, sequence)
        else:
            sequence = issued[day] + 1
        issued[day] = sequence
        return sequence

    def _from_block(self, key: str) -> int | None:
        """The next number of this process's block for `key`, drawing a new block if it
        is used up; None without shared blocks."""
        if self.number_blocks is None:
            return None
        with _BLOCKS_LOCK:  # a process's request threads share its block
            block = self._ticket_blocks.get(key)
            if not block:
                drawn = self.number_blocks.draw(key)
                if drawn is None:
                    return None
                self._ticket_blocks.clear()  # a past day's leftovers go
                block = self._ticket_blocks[key] = list(drawn)
            return block.pop(0)

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
        """Day -> the highest sequence this process issued (a hint; the store decides)."""
        return self.__dict__.setdefault("_issued_ticket_numbers", {})

    @property
    def _ticket_blocks(self) -> dict:
        """Counter key -> the numbers left in the block this process holds."""
        return self.__dict__.setdefault("_held_ticket_blocks", {})
