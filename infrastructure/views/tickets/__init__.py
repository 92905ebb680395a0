"""Read models of hotline tickets and their queries (their public rows join the listing)."""

from .queries import TicketQueries
from .ticket_queue import TicketQueue

READ_MODELS = (TicketQueue,)

__all__ = ["READ_MODELS", "TicketQueries", "TicketQueue"]
