"""12345 hotline tickets (市民热线工单): the aggregate, its workflow and intake."""

from .aggregate import Ticket, ticket_id
from .commands import TicketCommands
from .states import OPEN_STATES, STATUS_LABELS, Status
from .workflow import TICKETS

__all__ = ["OPEN_STATES", "STATUS_LABELS", "Status", "TICKETS", "Ticket", "TicketCommands",
           "ticket_id"]
