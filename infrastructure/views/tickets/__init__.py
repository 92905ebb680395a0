"""Read models of hotline tickets and their queries (their public rows join the listing)."""

from .queries import TicketQueries
from .ticket_queue import TicketQueue

READ_MODELS = (TicketQueue,)

# Where the oversight job finds open tickets by due date: (table, number column).
DEADLINES = ("tickets", "ticket_no")

__all__ = ["DEADLINES", "READ_MODELS", "TicketQueries", "TicketQueue"]
