"""Public-opinion incidents (政务舆情事件): the aggregate, its clocks and its workflow."""

from .aggregate import Incident, incident_id
from .clocks import clocks
from .commands import IncidentCommands
from .states import LEVELS, OPEN_STATES, STATEMENTS, STATUS_LABELS, Status
from .workflow import INCIDENTS

__all__ = ["INCIDENTS", "Incident", "IncidentCommands", "LEVELS", "OPEN_STATES", "STATEMENTS",
           "STATUS_LABELS", "Status", "clocks", "incident_id"]
