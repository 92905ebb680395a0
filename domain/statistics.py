"""What the public statistics count, and how (docs/rules.md, "Statistics").

Every item kind contributes the same facts: when it was received, its department, channel,
category, kind, whether and when it was first answered and whether in time, whether it was
reminded or supervised, its callback and its rating. This module holds the definitions
that turn those facts into numbers: the counters, the three rates, and response-time
histograms whose percentiles carry a stated error bound. It does no I/O; the statistics
read model (infrastructure/views/statistics.py) keeps the counters per cell.
"""

import math
from datetime import date, datetime

from .reference import RATINGS, SATISFIED_RATINGS

# --- response-time histograms ---------------------------------------------------------
# Working days: one bin per day up to EXACT_DAYS (exact percentiles), then wider bins.
EXACT_DAYS = 60
DAY_RANGES = ((61, 90), (91, 120), (121, 180), (181, 365), (366, None))
# Hours: bin 0 is [0, 0.25 h); then geometric bins growing by HOUR_RATIO, so a percentile
# reported as the bin's geometric middle is within HOUR_ERROR of the true value.
HOUR_START, HOUR_RATIO, HOUR_BINS = 0.25, 1.25, 48
HOUR_ERROR = math.sqrt(HOUR_RATIO) - 1  # about 11.8 %


def day_bin(days: int) -> int:
    if days <= EXACT_DAYS:
        return max(days, 0)
    for index, (low, high) in enumerate(DAY_RANGES):
        if high is None or days <= high:
            return EXACT_DAYS + 1 + index
    raise AssertionError("unreachable")


def day_value(bin_: int) -> float:
    """A day bin's value: exact for the first EXACT_DAYS, the middle of a wider range."""
    if bin_ <= EXACT_DAYS:
        return float(bin_)
    low, high = DAY_RANGES[bin_ - EXACT_DAYS - 1]
    return float(low if high is None else (low + high) / 2)


def hour_bin(hours: float) -> int:
    if hours < HOUR_START:
        return 0
    return min(HOUR_BINS, 1 + int(math.log(hours / HOUR_START, HOUR_RATIO)))


def hour_value(bin_: int) -> float:
    """An hour bin's geometric middle (bin 0: half of its width)."""
    if bin_ == 0:
        return HOUR_START / 2
    low = HOUR_START * HOUR_RATIO ** (bin_ - 1)
    return low * math.sqrt(HOUR_RATIO)


def percentile(histogram: dict, q: float, value_of) -> float | None:
    """The nearest-rank q-quantile (0 < q <= 1) of a histogram {bin: count}."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for bin_ in sorted(histogram):
        seen += histogram[bin_]
        if seen >= rank:
            return value_of(bin_)
    raise AssertionError("unreachable")


# --- counters ---------------------------------------------------------------------------
COUNTERS = ("received", "accepted", "rejected", "replied", "on_time", "overdue", "open",
            "reminded", "supervised", "responded", "responded_on_time", "response_due",
            "called_back", "resolved", "rated", "satisfied",
            *(f"rating_{i}" for i in range(len(RATINGS))), "days_sum", "hours_sum")


def new_facts(item_kind: str, channel: str, category: str, kind: str, received_at: datetime,
              received_on: date, accepted: bool, due_date: date | None = None,
              due_at: datetime | None = None) -> dict:
    """The facts of an item just received (JSON-friendly: ISO strings, 0/1 flags)."""
    return {"item_kind": item_kind, "department": "", "channel": channel or "",
            "category": category, "kind": kind, "month": received_on.isoformat()[:7],
            "received_at": received_at.isoformat(), "received_on": received_on.isoformat(),
            "due_date": due_date.isoformat() if due_date else None,
            "due_at": due_at.isoformat() if due_at else None,
            "accepted": int(accepted), "rejected": 0, "open": 1, "replied_at": None,
            "days": None, "hours": None, "on_time": None, "overdue": 0, "reminded": 0,
            "supervised": 0, "responded": 0, "responded_on_time": 0, "response_due": 0,
            "called_back": 0, "resolved": 0, "rating": None}


def in_time(facts: dict, at: datetime, on: date) -> bool:
    """Whether a step at `at` (local date `on`) meets the item's deadline: by the moment
    for items with one (hotline tickets), by the date otherwise."""
    if facts["due_at"]:
        return at <= datetime.fromisoformat(facts["due_at"])
    if facts["due_date"]:
        return on <= date.fromisoformat(facts["due_date"])
    return True  # no deadline was set: nothing to be late for


def contribution(facts: dict) -> tuple[dict, dict, dict]:
    """(counters, day histogram, hour histogram) an item adds to its cells."""
    replied = facts["replied_at"] is not None
    rating = facts["rating"]
    counters = {
        "received": 1, "accepted": facts["accepted"], "rejected": facts["rejected"],
        "replied": int(replied), "on_time": int(bool(facts["on_time"])),
        "overdue": facts["overdue"], "open": facts["open"], "reminded": facts["reminded"],
        "supervised": facts["supervised"], "responded": facts["responded"],
        "responded_on_time": facts["responded_on_time"],
        "response_due": facts["response_due"], "called_back": facts["called_back"],
        "resolved": facts["resolved"], "rated": int(rating is not None),
        "satisfied": int(rating in SATISFIED_RATINGS),
        "days_sum": facts["days"] if replied else 0,
        "hours_sum": round(facts["hours"], 4) if replied else 0}
    for i, level in enumerate(RATINGS):
        counters[f"rating_{i}"] = int(rating == level)
    days = {day_bin(facts["days"]): 1} if replied else {}
    hours = {hour_bin(facts["hours"]): 1} if replied else {}
    return counters, days, hours


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def summary(counters: dict, days: dict, hours: dict) -> dict:
    """The published figures of a group of items (see docs/rules.md for each formula)."""
    c = {name: counters.get(name, 0) for name in COUNTERS}
    replied = c["replied"]
    return {
        "received": c["received"], "accepted": c["accepted"], "rejected": c["rejected"],
        "replied": replied, "replied_on_time": c["on_time"], "overdue": c["overdue"],
        "open": c["open"], "reminded": c["reminded"], "supervised": c["supervised"],
        "on_time_rate": rate(c["on_time"], replied),
        "response_rate": rate(c["responded_on_time"], c["response_due"]),
        "resolution_rate": rate(c["resolved"], c["called_back"]),
        "satisfaction_rate": rate(c["satisfied"], c["rated"]),
        "median_response_days": percentile(days, 0.5, day_value),
        "p90_response_days": percentile(days, 0.9, day_value),
        "median_response_hours": _round(percentile(hours, 0.5, hour_value)),
        "p90_response_hours": _round(percentile(hours, 0.9, hour_value)),
        "mean_response_days": round(c["days_sum"] / replied, 2) if replied else None,
        "mean_response_hours": round(c["hours_sum"] / replied, 1) if replied else None,
        "ratings": {level: c[f"rating_{i}"] for i, level in enumerate(RATINGS)},
        "rated": c["rated"], "called_back": c["called_back"], "resolved": c["resolved"],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# What each published figure means; shown on the statistics page and in the feed.
DEFINITIONS = {
    "received": "收到：按收到时间所在月份统计的全部事项，含不予受理、不公开和被撤回公开的事项"
                "（它们计入数字，但内容不公开）",
    "replied": "已答复：网民留言答复已公开、12345热线工单已办结（含直接办结），按首次答复计",
    "on_time_rate": "按期答复率 = 按期答复件数 ÷ 已答复件数；按期指首次答复不晚于当时的办理期限"
                    "（热线工单按到期时刻，网民留言按到期日）",
    "overdue": "超期：首次答复晚于期限，或到期后仍未答复而被催办的事项",
    "response_rate": "响应率 = 期限内响应件数 ÷ 应响应件数；响应指热线工单签收或直接办结、"
                     "网民留言答复公开；应响应 = 已响应 + 超期仍未响应",
    "resolution_rate": "解决率 = 回访时诉求人认为问题已解决的件数 ÷ 回访接通的件数（12345热线）",
    "satisfaction_rate": "满意率 = （非常满意 + 满意 + 基本满意）件数 ÷ 已评价件数，"
                         "按每件事项最新一次评价计",
    "response_time": "答复用时：自收到至首次答复。工作日按法定节假日和调休计算，"
                     f"{EXACT_DAYS}个工作日以内的中位数和90分位数是精确的；小时数取自分档直方图，"
                     f"误差不超过±{math.ceil(HOUR_ERROR * 100)}%",
}
