"""Read models: storage, projections and the queries that pages and the API run."""

from .comments import CitizenView, PublicReplies, StaffInbox
from .directory import DirectoryView

PROJECTIONS = (PublicReplies, StaffInbox, CitizenView, DirectoryView)
