"""Test helpers shared by the tiers: time, calendars, staff, and comments in a given state."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from domain.actors import Actor

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- time ----------------------------------------------------------------------------


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment given in Beijing time, as an aware UTC datetime (what the app's clock returns)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        self.now += timedelta(days=days, hours=hours, minutes=minutes)
        return self.now

    def set_local(self, year: int, month: int, day: int, hour: int = 9) -> datetime:
        self.now = local(year, month, day, hour)
        return self.now

    def today(self) -> date:
        """Today in Beijing, the date deadlines are compared with."""
        return self.now.astimezone(SHANGHAI).date()


class FixedCalendar:
    """Monday to Friday, minus `holidays`, plus `workdays`: for tests that want no real data."""

    def __init__(self, holidays=(), workdays=()):
        self.holidays, self.workdays = set(holidays), set(workdays)

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() < 5


# --- people --------------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    reviewer: Actor = Actor("rev", ("reviewer",))
    handler: Actor = Actor("h1", ("handler",), "区住建局")
    other_handler: Actor = Actor("h2", ("handler",), "区交运局")
    admin: Actor = Actor("root", ("admin",))


# --- a comment in a given state --------------------------------------------------------

PHONE = "13812345678"
NAME = "张三丰"


def submit(app, *, kind: str = "咨询", category: str = "城乡建设", publish: bool = True,
           content: str = f"小区路灯坏了一个月，请尽快维修。联系电话{PHONE}", **extra) -> dict:
    """Submit a typical comment with contact details; returns tracking_no and query_code."""
    values = dict(title="小区路灯不亮", content=content, kind=kind, category=category,
                  name=NAME, phone=PHONE, email="zhang@example.com", publish=publish)
    values.update(extra)
    return app.submit_comment(**values)


def replied(app, staff, *, department: str = "区住建局", **submit_kw) -> dict:
    """A comment taken to a published reply; returns what `submit` returned."""
    receipt = submit(app, **submit_kw)
    no = receipt["tracking_no"]
    handler = staff.handler if department == staff.handler.department else staff.reviewer
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department=department)
    app.act("comments", no, "draft", handler, content="已安排维修，三日内修复。")
    app.act("comments", no, "approve", staff.reviewer)
    return receipt


# --- live systems --------------------------------------------------------------------

LIVE_STAFF = (("rev", ("--role", "reviewer"), "review-pass-1"),
              ("h1", ("--role", "handler", "--department", "区住建局"), "handler-pass-1"),
              ("h2", ("--role", "handler", "--department", "区交运局"), "handler-pass-2"),
              ("op", ("--role", "operator"), "operator-pass-1"),
              ("sup", ("--role", "supervisor"), "supervisor-pass-1"),
              ("yq", ("--role", "opinion"), "opinion-pass-1"))


def live_system_with_staff(redis_url: str, database_url: str | None = None):
    """A started live system (gunicorn + RQ worker) with the staff of LIVE_STAFF."""
    from bench.system import System

    system = System(database_url=database_url, redis_url=redis_url, web_workers=1)
    system.run_cli("init")
    for username, options, password in LIVE_STAFF:
        system.run_cli("create-staff", username, *options, "--password", password)
    return system.start()
