"""The statistics page, its charts, the summaries on the portal, and the annual report."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest

from domain.statistics import DEFINITIONS
from tests.support import NAME, PHONE, Staff, replied, submit
from tests.web.test_feeds import OPERATOR, answered_ticket
from web.reports import HEADERS, report_command

PRIVATE_TITLE = "不愿公开的家事"
CHARTS = ("monthly", "response-days", "on-time", "satisfaction")
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture
def items(rt, web_clock):
    """A month ago: two published replies; this month: an answered hotline ticket, a reply
    the citizen did not want published, an unanswered comment and an open ticket."""
    staff = Staff()
    web_clock.set_local(2026, 8, 3)
    replied(rt.app, staff)
    replied(rt.app, staff, department="区交运局")
    web_clock.set_local(2026, 9, 15)
    answered_ticket(rt)
    replied(rt.app, staff, publish=False, title=PRIVATE_TITLE)
    submit(rt.app, title=PRIVATE_TITLE)
    rt.app.register_ticket(OPERATOR, channel="web", area="临城街道", category="交通出行",
                           kind="咨询", urgency="normal", title="公交", content="几点发车")
    rt.catch_up_all()
    return rt.queries.statistics()


def card(html: str, label: str) -> str:
    """The text of a figure card (<dt>label</dt><dd>value</dd>) on the page."""
    value = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", html).group(1)
    return re.sub(r"<[^>]+>", "", value)


def no_personal_data(html: str) -> None:
    for text in (NAME, PHONE, "张三", "13812345678", "zhang@example.com", PRIVATE_TITLE,
                 "路灯坏了", "几点发车"):
        assert text not in html, text


# --- the page -------------------------------------------------------------------------------

def test_the_page_shows_every_figure_with_its_formula_and_no_personal_data(client, items):
    response = client.get("/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    totals = items["totals"]
    assert totals["received"] == 6 and totals["replied"] == 4
    for label, key in (("收到", "received"), ("受理", "accepted"), ("不予受理", "rejected"),
                       ("已答复", "replied"), ("按期答复", "replied_on_time"),
                       ("超期", "overdue"), ("办理中", "open"), ("催办", "reminded"),
                       ("督办", "supervised")):
        assert card(html, label) == str(totals[key]), label
    assert card(html, "满意率") == "100.0%" and card(html, "解决率") == "100.0%"
    assert card(html, "中位数（工作日）") == "0"
    for key in ("on_time_rate", "response_rate", "resolution_rate", "satisfaction_rate"):
        assert DEFINITIONS[key] in html, key
    assert "误差不超过±11.8%" in html and "60个工作日以内" in html
    # Every breakdown, with captions and header cells.
    for title in ("按承办单位", "按渠道", "按分类", "按类型", "按受理月份"):
        assert f"<h3 id=" in html and f">{title}</h3>" in html, title
    assert html.count("<caption") >= 9 and 'scope="row">区住建局</th>' in html
    assert 'scope="row">12345热线电话</th>' in html and 'scope="row">2026-08</th>' in html
    assert 'scope="colgroup"' in html
    # The rating distribution, in a table.
    assert re.search(r'scope="row">满意</th><td class="num">1</td>', html)
    # Charts: an image with a text alternative and a table of the same numbers.
    for name in CHARTS:
        assert f'src="/stats/charts/{name}.svg"' in html, name
    assert html.count("<figure") == 4 and html.count("<figcaption") == 4
    assert html.count('alt="') >= 4
    # Links to the feeds and the annual report; the nav marks the page.
    for link in ("/feeds/stats.json", "/feeds/stats.csv", "/feeds/replies.atom",
                 "/open311/v2/discovery.json", "/stats/annual/2026.csv",
                 "/stats/annual/2026.xlsx"):
        assert f'href="{link}"' in html, link
    assert 'href="/stats" aria-current="page">数据统计</a>' in html
    no_personal_data(html)


def test_filters_by_year_month_and_department(client, items, rt):
    html = client.get("/stats?year=2026&month=09").get_data(as_text=True)
    month = rt.queries.statistics(month_from="2026-09", month_to="2026-09")["totals"]
    assert card(html, "收到") == str(month["received"]) == "4"
    assert "2026年9月，全区" in html
    assert '<option value="09" selected>' in html and '<option value="2026" selected>' in html
    html = client.get("/stats?year=2026").get_data(as_text=True)
    assert card(html, "收到") == "6" and "2026年全年" in html
    assert 'src="/stats/charts/monthly.svg?from=2026-01&amp;to=2026-12"' in html
    assert card(client.get("/stats?year=2019").get_data(as_text=True), "收到") == "0"
    html = client.get("/stats?department=区交运局").get_data(as_text=True)
    assert card(html, "收到") == "1" and "全部期间，区交运局" in html
    assert 'scope="row">区住建局</th>' not in html
    assert 'href="/feeds/stats.json?department=' in html
    # The feed's own parameters work too.
    html = client.get("/stats?from=2026-08&to=2026-08").get_data(as_text=True)
    assert card(html, "收到") == "2" and "2026年8月" in html
    assert card(client.get("/stats?period=2026-09").get_data(as_text=True), "收到") == "4"


@pytest.mark.parametrize("query, field", [
    ("year=2026&month=13", "月份"), ("month=05", "月份"), ("year=20x6", "年份"),
    ("year=2026&period=2026", "年份"), ("period=26", "统计期间"), ("from=2026-13", "起始月份"),
    ("from=2026-05&to=2026-01", "起始月份"), ("department=不存在的局", "单位"),
    ("department=" + "局" * 60, "单位")])
def test_bad_filters_show_the_page_again_with_a_chinese_message(client, items, query, field):
    response = client.get(f"/stats?{query}")
    assert response.status_code == 422 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "筛选条件有误" in html and f"<li>{field}：" in html
    assert 'role="alert"' in html and "<h1" in html
    assert "<figure" not in html  # no figures for a query that was refused
    assert DEFINITIONS["satisfaction_rate"] in html


# --- charts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHARTS)
def test_charts_are_svg_that_load_nothing_from_elsewhere(client, items, name):
    response = client.get(f"/stats/charts/{name}.svg?from=2026-01&to=2026-12")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = response.get_data(as_text=True)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= NAMESPACES
    assert "<script" not in text and "<image" not in text and "@import" not in text
    again = client.get(f"/stats/charts/{name}.svg?from=2026-01&to=2026-12",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_charts_say_when_there_is_nothing_to_draw(client, items):
    html = client.get("/stats?year=2019").get_data(as_text=True)
    assert "/stats/charts/" not in html and html.count("暂无数据。") >= 4
    response = client.get("/stats/charts/monthly.svg?period=2019")
    assert response.status_code == 200 and "暂无数据" in response.get_data(as_text=True)
    assert client.get("/stats/charts/pie.svg").status_code == 404
    assert client.get("/stats/charts/monthly.svg?period=26").status_code == 422


# --- the summaries ---------------------------------------------------------------------------

def test_home_page_and_reply_listing_show_the_summary(client, items):
    totals = items["totals"]
    home = client.get("/").get_data(as_text=True)
    assert card(home, "累计收到") == f'{totals["received"]}件' == "6件"
    assert card(home, "已办结") == f'{totals["replied"]}件' == "4件"
    assert card(home, "按期办结率") == "100.0%" and card(home, "满意率") == "100.0%"
    assert card(home, "2026年9月收到") == "4件" and card(home, "其中已答复") == "2件"
    assert 'href="/stats"' in home
    listing = client.get("/replies").get_data(as_text=True)
    assert re.search(r"累计收到 <strong>6</strong> 件，已办结 <strong>4</strong> 件", listing)
    assert "2026年9月收到 <strong>4</strong> 件" in listing and 'href="/stats"' in listing
    # Withheld items count, but their text is nowhere.
    for html in (home, listing):
        assert PRIVATE_TITLE not in html and PHONE not in html


# --- the annual report -------------------------------------------------------------------------

def _csv_rows(data: bytes) -> list[dict]:
    assert data.startswith("\ufeff".encode("utf-8"))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_annual_csv_opens_with_chinese_headers_and_matches_the_statistics(client, items, rt):
    response = client.get("/stats/annual/2026.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "minyi-annual-2026.csv" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    assert list(rows[0]) == list(HEADERS)
    assert list(rows[0])[:6] == ["分组", "名称", "收到（件）", "受理（件）", "不予受理（件）",
                                 "已答复（件）"]
    year = rt.queries.statistics(month_from="2026-01", month_to="2026-12")
    total = rows[0]
    assert (total["分组"], total["名称"]) == ("合计", "全区")
    for header, key in (("收到（件）", "received"), ("受理（件）", "accepted"),
                        ("已答复（件）", "replied"), ("按期答复（件）", "replied_on_time"),
                        ("超期（件）", "overdue"), ("催办（件）", "reminded"),
                        ("督办（件）", "supervised")):
        assert total[header] == str(year["totals"][key]), header
    assert total["满意率"] == f'{year["totals"]["satisfaction_rate"] * 100:.2f}%'
    assert total["按期答复率"] == "100.00%"
    departments = {r["名称"]: r for r in rows if r["分组"] == "承办单位"}
    assert departments["区住建局"]["收到（件）"] == "3"
    assert sum(int(r["收到（件）"]) for r in departments.values()) == 6
    assert {r["名称"] for r in rows if r["分组"] == "渠道"} >= {"门户网站", "12345热线电话"}
    assert {r["名称"] for r in rows if r["分组"] == "分类"} == {"城乡建设", "交通出行"}
    no_personal_data(response.data.decode("utf-8-sig"))
    assert len(_csv_rows(client.get("/stats/annual/2019.csv").data)) == 1  # the total only


def test_annual_xlsx_opens_in_openpyxl_with_the_same_numbers(client, items):
    from openpyxl import load_workbook

    response = client.get("/stats/annual/2026.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert "2026年度" in sheet["A1"].value
    assert [c.value for c in sheet[3]] == list(HEADERS)
    csv_rows = _csv_rows(client.get("/stats/annual/2026.csv").data)
    xlsx_rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert len(xlsx_rows) == len(csv_rows)
    for values, expected in zip(xlsx_rows, csv_rows):
        for header, value in zip(HEADERS, values):
            if value is None:
                assert expected[header] == "", header
            elif expected[header].endswith("%"):  # a rate: 1.0 reads back as 1
                assert f"{value * 100:.2f}%" == expected[header], header
            else:
                assert str(value) == expected[header], header
    assert sheet.column_dimensions["B"].width >= 20 and sheet.freeze_panes == "C4"
    assert "满意率" in str([c.value for c in book["指标说明"]["B"]])


def test_annual_downloads_answer_conditional_gets_and_refuse_odd_years(client, items):
    for suffix in ("csv", "xlsx"):
        first = client.get(f"/stats/annual/2026.{suffix}")
        etag = first.headers["ETag"]
        again = client.get(f"/stats/annual/2026.{suffix}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", suffix
        assert client.get(f"/stats/annual/2026.{suffix}", headers={
            "If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    for year in (1999, 2101):
        response = client.get(f"/stats/annual/{year}.csv")
        assert response.status_code == 404
        assert f"没有 {year} 年度的报告" in response.get_data(as_text=True)
    assert client.get("/stats/annual/abc.csv").status_code == 404


def test_report_command_writes_the_annual_table(app, items, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(report_command, ["annual", "--year", "2026"])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.stdout_bytes)
    assert rows[0]["收到（件）"] == "6"
    target = tmp_path / "report.xlsx"
    result = runner.invoke(report_command, ["annual", "--year", "2026", "--format", "xlsx",
                                            "--output", str(target)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook
    assert load_workbook(target).worksheets[0]["C4"].value == 6
    assert runner.invoke(report_command, ["annual", "--year", "1999"]).exit_code != 0


def test_the_page_answers_conditional_gets(client, rt):
    first = client.get("/stats")
    assert first.status_code == 200 and first.headers.get("ETag")
    again = client.get("/stats", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/stats?year=1999x").status_code == 422
