"""Commands of incidents that are not workflow actions: opening one."""

import secrets

from ..errors import ConflictError
from .aggregate import Incident


class IncidentCommands:
    """Mixed into the application: open an incident by hand (the opinion team)."""

    def open_incident(self, actor, *, title: str, topic: str | None = None,
                      area: str | None = None, level: str = "IV", reasons=(),
                      incident_no: str | None = None, source: str = "manual") -> Incident:
        """建立舆情事件. With `incident_no` the number is the caller's (the escalation
        process derives it from the item that set it off, so that a replay finds the
        incident it opened); otherwise one is drawn: YQ, the date, four digits."""
        actor.require_role("opinion")
        now = self.clock()
        for _ in range(20 if incident_no is None else 1):
            number = incident_no or f"YQ{self.local_date(now):%Y%m%d}{secrets.randbelow(10**4):04d}"
            incident = Incident.open(incident_no=number, title=title, topic=topic, area=area,
                                     level=level, reasons=list(reasons), source=source,
                                     actor=actor.id, at=now)
            try:
                self.save(incident)
            except ConflictError:
                continue
            return incident
        raise ConflictError("事件编号已存在")
