"""States, public phases and labels of a major decision's pre-publication (重大决策预公开)."""

from datetime import date


class Status:
    """What staff have done (stored). The public phase also depends on the date: `phase`."""

    PLANNED = "planned"  # in the year's catalogue; no draft published yet
    CONSULTING = "consulting"  # draft published with its opening and closing dates
    REVIEWING = "reviewing"  # adoption summary submitted, awaiting the reviewer
    PUBLISHED = "published"  # adoption published (采纳情况已公布)


STATUS_LABELS = {Status.PLANNED: "已列入目录", Status.CONSULTING: "征求意见",
                 Status.REVIEWING: "采纳情况待审核", Status.PUBLISHED: "已公布采纳情况"}
OPEN_STATES = (Status.PLANNED, Status.CONSULTING, Status.REVIEWING)


class Phase:
    """The public status of a consultation on a given local date."""

    PLANNED = "planned"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


PHASE_LABELS = {Phase.PLANNED: "未发布草案", Phase.UPCOMING: "未开始", Phase.OPEN: "征集中",
                Phase.CLOSED: "已结束", Phase.PUBLISHED: "已公布采纳情况"}
# The pre-publication column's statuses, in the order a consultation moves through them.
LISTED_PHASES = (Phase.UPCOMING, Phase.OPEN, Phase.CLOSED, Phase.PUBLISHED)

# How the public takes part (公众参与方式).
PARTICIPATION = {"online": "网上征求意见", "hearing": "听证会", "symposium": "座谈会",
                 "survey": "问卷调查"}

# The answer to an opinion.
ADOPTION = {"adopted": "采纳", "partly": "部分采纳", "not_adopted": "未采纳"}

# The roles of an attached file: which part of the page shows it (and from when).
FILE_ROLES = {"draft": "草案及起草说明、依据", "decision": "决策结果文件",
              "meeting": "会议材料"}


def phase(status: str, opens_on: date | None, closes_on: date | None, today: date) -> str:
    """The public phase on `today` (a local date): by the dates while consulting; both
    the opening and the closing day belong to the consultation."""
    if status == Status.PUBLISHED:
        return Phase.PUBLISHED
    if status == Status.PLANNED or opens_on is None or closes_on is None:
        return Phase.PLANNED
    if status == Status.REVIEWING or today > closes_on:
        return Phase.CLOSED
    return Phase.OPEN if today >= opens_on else Phase.UPCOMING


def days_left(closes_on: date | None, today: date, opens_on: date | None = None) -> int | None:
    """Days the consultation still accepts opinions, today included (0 when over); before
    it opens, the whole period (with `opens_on`)."""
    if closes_on is None:
        return None
    if opens_on is not None and today < opens_on:
        today = opens_on
    return max(0, (closes_on - today).days + 1)
