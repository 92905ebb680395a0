"""Read models of portal comments and their queries."""

from .citizen_view import CitizenView
from .photos import CommentPhotos, PhotoQueries
from .queries import CommentQueries
from .staff_inbox import StaffInbox

# (and their rows in the shared public listing)
READ_MODELS = (StaffInbox, CitizenView, CommentPhotos)

# Where the oversight job finds open comments by due date: (table, number column).
DEADLINES = ("inbox", "tracking_no")

__all__ = ["DEADLINES", "READ_MODELS", "CitizenView", "CommentPhotos", "CommentQueries",
           "PhotoQueries", "StaffInbox"]
