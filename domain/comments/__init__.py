"""Portal comments (网民留言): the aggregate, its workflow and the citizen's commands."""

from .aggregate import Comment, comment_id
from .commands import CommentCommands
from .states import OPEN_STATES, STATUS_LABELS, Status
from .workflow import COMMENTS

__all__ = ["COMMENTS", "Comment", "CommentCommands", "OPEN_STATES", "STATUS_LABELS", "Status",
           "comment_id"]
