"""The two response clocks of an incident, in real hours (docs/rules.md section 11).

For 重大 and 特别重大 incidents authoritative information is due within 5 hours and a press
conference within 24 hours (国办发〔2016〕61号, 80号); any other incident is to be answered
within 48 hours (61号). Clocks run from the moment the incident was opened. A clock is
green while more than an hour is left, amber in its last hour, red once missed, and done
when a qualifying statement was made (late or not: `late` says which).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .states import MAJOR_LEVELS

AMBER_BEFORE = timedelta(hours=1)
CLOCKS = {  # name -> (label, hours, statement kinds that stop it)
    "authoritative": ("发布权威信息", 5, ("authoritative",)),
    "press_conference": ("召开新闻发布会", 24, ("press_conference",)),
    "response": ("回应", 48, ("authoritative", "press_conference", "written")),
}


@dataclass(frozen=True)
class Clock:
    name: str
    label: str
    due_at: datetime
    met_at: datetime | None
    state: str  # green | amber | red | done
    late: bool

    @property
    def state_label(self) -> str:
        return {"green": "正常", "amber": "即将到时", "red": "已超时",
                "done": "已超时完成" if self.late else "已按时完成"}[self.state]


def clock_names(level: str) -> tuple[str, ...]:
    return ("authoritative", "press_conference") if level in MAJOR_LEVELS else ("response",)


def first_statement(statements: list, kinds: tuple) -> datetime | None:
    times = [s["at"] for s in statements if s["kind"] in kinds]
    return min(times) if times else None


def clocks(level: str, opened_at: datetime, statements: list, now: datetime) -> list[Clock]:
    """The incident's clocks as of `now`; `statements` are dicts with `kind` and `at`."""
    out = []
    for name in clock_names(level):
        label, hours, kinds = CLOCKS[name]
        due = opened_at + timedelta(hours=hours)
        met = first_statement(statements, kinds)
        if met is not None:
            state, late = "done", met > due
        elif now > due:
            state, late = "red", True
        elif now >= due - AMBER_BEFORE:
            state, late = "amber", False
        else:
            state, late = "green", False
        out.append(Clock(name, label, due, met, state, late))
    return out
