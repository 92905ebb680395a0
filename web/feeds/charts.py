"""The statistics page's charts: their numbers, and server-side SVG drawn with pygal.

Each chart is defined once by a function that takes the figures of a statistics query
and returns its rows; the page shows the same rows as a data table beside the image,
so the chart never carries anything the table does not. The SVG loads nothing: no
script (`js=[]`, and pygal's inline configuration script is removed), no web fonts, no
links, and pygal's comments (which name its web site) are removed.
"""

import re

import pygal
from pygal.style import Style

from domain.reference import RATINGS

NO_DEPARTMENT = "（未交办）"
FONT = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
        '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif')
# The site's palette; dark enough to read on white (contrast above 4.5:1).
STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1f2329",
              foreground_strong="#1f2329", foreground_subtle="#4e5661", opacity="1",
              opacity_hover=".85", transition="0s",
              colors=("#0b4a8b", "#b3161b", "#1d7a3e", "#8a5a00", "#5a2d91"),
              font_family=FONT, title_font_family=FONT, label_font_family=FONT,
              major_label_font_family=FONT, value_font_family=FONT,
              value_label_font_family=FONT, tooltip_font_family=FONT,
              legend_font_family=FONT, title_font_size=18, label_font_size=13,
              major_label_font_size=13, value_font_size=12, legend_font_size=14,
              tooltip_font_size=13, no_data_font_size=20)
WIDTH = 800


def department_label(name: str) -> str:
    return name or NO_DEPARTMENT


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


# --- the numbers of each chart ------------------------------------------------------------

def monthly_rows(figures: dict) -> list[dict]:
    return [{"label": m["month"], "received": m["received"], "replied": m["replied"]}
            for m in figures["months"]]


def response_days_rows(figures: dict) -> list[dict]:
    rows = [{"label": department_label(d["department"]), "median": d["median_response_days"],
             "p90": d["p90_response_days"], "replied": d["replied"]}
            for d in figures["departments"] if d["median_response_days"] is not None]
    return sorted(rows, key=lambda r: (-r["median"], r["label"]))


def on_time_rows(figures: dict) -> list[dict]:
    rows = [{"label": department_label(d["department"]), "rate": _percent(d["on_time_rate"]),
             "on_time": d["replied_on_time"], "replied": d["replied"]}
            for d in figures["departments"] if d["on_time_rate"] is not None]
    return sorted(rows, key=lambda r: (r["rate"], r["label"]))


def satisfaction_rows(figures: dict) -> list[dict]:
    ratings, rated = figures["totals"]["ratings"], figures["totals"]["rated"]
    return [{"label": level, "count": ratings.get(level, 0),
             "share": _percent(ratings.get(level, 0) / rated) if rated else None}
            for level in RATINGS]


CHARTS = {
    "monthly": {"title": "月度收到与已答复件数", "rows": monthly_rows,
                "alt": "柱状图：各月收到件数与其中已答复件数，具体数字见图下数据表"},
    "response-days": {"title": "各单位答复用时中位数（工作日）", "rows": response_days_rows,
                      "alt": "条形图：各单位答复用时中位数（工作日），具体数字见图下数据表"},
    "on-time": {"title": "各单位按期答复率", "rows": on_time_rows,
                "alt": "条形图：各单位按期答复率（%），具体数字见图下数据表"},
    "satisfaction": {"title": "满意度评价分布", "rows": satisfaction_rows,
                     "alt": "柱状图：各评价等级的件数，具体数字见图下数据表"},
}


# --- drawing ---------------------------------------------------------------------------

def _config(**overrides) -> dict:
    config = dict(style=STYLE, js=[], width=WIDTH, height=420, explicit_size=True,
                  disable_xml_declaration=False, no_data_text="暂无数据",
                  truncate_label=-1, truncate_legend=-1, legend_at_bottom=True,
                  show_y_guides=True, print_values=False, margin=16, spacing=12,
                  order_min=0)  # whole-number axis ticks
    config.update(overrides)
    return config


def _bar_height(count: int) -> int:
    return max(200, 90 + 30 * count)


def has_data(name: str, rows: list[dict]) -> bool:
    """Whether there is anything to draw (a zero median is data; no ratings is not)."""
    if name == "satisfaction":
        return any(r["count"] for r in rows)
    return bool(rows)


def size(name: str, rows: list[dict]) -> tuple[int, int]:
    """The chart's width and height (for the page's <img>, so nothing jumps on load)."""
    if name in ("response-days", "on-time"):
        return WIDTH, _bar_height(len(rows))
    return WIDTH, 420


def _draw(name: str, rows: list[dict]) -> str:
    """Values are written into the category labels (dark text on white, wherever the bar
    ends) rather than on the bars; axes carry plain numbers, the title the unit. A leading
    ideographic space keeps pygal, which sizes labels by character count, from clipping
    the left edge of wide (Chinese) labels."""
    title = CHARTS[name]["title"]
    count = len(rows)
    if name == "monthly":
        chart = pygal.Bar(**_config(title=title, x_label_rotation=-45 if count > 12 else 0,
                                    value_formatter=_plain))
        labels = [r["label"] for r in rows]
        series = (("收到", "received"), ("已答复", "replied"))
    elif name == "response-days":
        chart = pygal.HorizontalBar(**_config(title=title, height=_bar_height(count),
                                              show_legend=False, value_formatter=_plain))
        labels = [f"　{r['label']}　{r['median']:g}" for r in rows]
        series = (("中位数（工作日）", "median"),)
    elif name == "on-time":
        chart = pygal.HorizontalBar(**_config(title=title, height=_bar_height(count),
                                              show_legend=False, range=(0, 100),
                                              value_formatter=lambda v: f"{v:g}%"))
        labels = [f"　{r['label']}　{r['rate']:g}%" for r in rows]
        series = (("按期答复率", "rate"),)
    else:
        chart = pygal.Bar(**_config(title=f"{title}（件）", show_legend=False,
                                    value_formatter=_plain))
        labels = [f"{r['label']} {r['count']}" for r in rows]
        series = (("件数", "count"),)
    if has_data(name, rows):  # otherwise pygal says 暂无数据
        chart.x_labels = labels
        for label, key in series:
            chart.add(label, [r[key] for r in rows])
    return chart.render(is_unicode=True)


def _plain(value: float) -> str:
    return f"{value:g}"


# pygal's comments name its web site; its one script only hands its configuration to the
# interactive JavaScript, which is not loaded (js=[]). Neither is needed.
_UNWANTED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.S)


def svg(name: str, rows: list[dict]) -> bytes:
    """The chart as a standalone SVG document that fetches and runs nothing."""
    return _UNWANTED.sub("", _draw(name, rows)).encode("utf-8")
