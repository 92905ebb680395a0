"""Read models of portal comments and their queries."""

from .citizen_view import CitizenView
from .public_replies import PublicReplies
from .queries import CommentQueries
from .staff_inbox import StaffInbox

READ_MODELS = (PublicReplies, StaffInbox, CitizenView)

__all__ = ["READ_MODELS", "CitizenView", "CommentQueries", "PublicReplies", "StaffInbox"]
