"""Shared by the comment read models: rows keyed by the aggregate id.

Later events carry only the id; the tracking number is a unique column for lookups.
"""

from ..base import ReadModel


class CommentReadModel(ReadModel):
    """Shared helper: update one comment's row in this projection's main table."""

    table = ""

    def set(self, emit, e, assignments: str, **params) -> None:
        emit(f"UPDATE {self.table} SET {assignments} WHERE id = :id",
             {"id": e.originator_id.hex, **params})


