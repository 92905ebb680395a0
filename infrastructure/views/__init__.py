"""Read models: storage, the models of each item kind, and the queries pages and the API run.

A new item kind adds its read models to READ_MODELS and its queries to ViewQueries.
"""

from . import comments
from .directory import DirectoryQueries, DirectoryView

READ_MODELS = (*comments.READ_MODELS, DirectoryView)


class ViewQueries(comments.CommentQueries, DirectoryQueries):
    """Every read-side query, over one store."""


__all__ = ["READ_MODELS", "ViewQueries"]
