"""Read models: storage, the models of each item kind, and the queries pages and the API run.

A new item kind adds its read models to READ_MODELS and its queries to ViewQueries.
"""

from . import comments, consultations, incidents, tickets
from .directory import DirectoryQueries, DirectoryView
from .escalation import Escalation
from .notifications import NotificationQueries, Notifications
from .public_replies import PublicReplies, PublicReplyQueries
from .statistics import Statistics, StatisticsQueries

# Escalation first: the incidents it opens are then on the board after the same job.
READ_MODELS = (Escalation, PublicReplies, *comments.READ_MODELS, *tickets.READ_MODELS,
               DirectoryView, Statistics, *incidents.READ_MODELS, Notifications,
               *consultations.READ_MODELS)


# Kind -> where the oversight job finds its open items by due date.
DEADLINE_SOURCES = {"comments": comments.DEADLINES, "tickets": tickets.DEADLINES}


class ViewQueries(PublicReplyQueries, comments.CommentQueries, comments.PhotoQueries,
                  tickets.TicketQueries,
                  DirectoryQueries, StatisticsQueries, incidents.IncidentQueries,
                  NotificationQueries, consultations.ConsultationQueries):
    """Every read-side query, over one store."""


__all__ = ["DEADLINE_SOURCES", "READ_MODELS", "ViewQueries"]
