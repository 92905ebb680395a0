"""Read models of public-opinion incidents: the incident board."""

from .board import IncidentBoard, IncidentQueries

READ_MODELS = (IncidentBoard,)

__all__ = ["READ_MODELS", "IncidentBoard", "IncidentQueries"]
