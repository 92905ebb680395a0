"""The annual report table (政府信息公开工作年度报告): one year's figures per department,
in total, by channel and by category, as CSV (UTF-8 with BOM, for Excel) and XLSX.

The numbers are the public statistics (domain/statistics.py defines each one) for the
months of the year, by month of receipt; items not published count like any other.
Downloads: /stats/annual/<year>.csv and .xlsx (web/feeds/pages.py); command line:
`minyi report annual --year 2026 [--format csv|xlsx] [--output FILE]`.
"""

import csv
import io

import click
from flask.cli import with_appcontext

from domain.reference import CHANNELS
from domain.statistics import DEFINITIONS

from .extensions import runtime

NO_DEPARTMENT = "（未交办）"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTAL, DEPARTMENTS, CHANNEL, CATEGORY = "合计", "承办单位", "渠道", "分类"
SECTIONS = (("departments", DEPARTMENTS, "department"), ("channels", CHANNEL, "channel"),
            ("categories", CATEGORY, "category"))
COLUMNS = (("received", "收到（件）"), ("accepted", "受理（件）"),
           ("rejected", "不予受理（件）"), ("replied", "已答复（件）"),
           ("replied_on_time", "按期答复（件）"), ("on_time_rate", "按期答复率"),
           ("overdue", "超期（件）"), ("reminded", "催办（件）"), ("supervised", "督办（件）"),
           ("response_rate", "响应率"), ("resolution_rate", "解决率"),
           ("satisfaction_rate", "满意率"),
           ("median_response_days", "答复用时中位数（工作日）"))
RATES = frozenset(("on_time_rate", "response_rate", "resolution_rate", "satisfaction_rate"))
HEADERS = ("分组", "名称", *(label for _, label in COLUMNS))


def annual_rows(year: int) -> list[dict]:
    """The report's rows, in order: the district total, then each department, channel and
    category (most items first). Each row: section, name and the COLUMNS figures (rates
    as fractions 0..1, None where there is nothing to divide by)."""
    figures = runtime().queries.statistics(month_from=f"{year}-01", month_to=f"{year}-12")
    rows = [_row(TOTAL, "全区", figures["totals"])]
    for key, section, dimension in SECTIONS:
        for entry in figures[key]:
            rows.append(_row(section, _name(dimension, entry[dimension]), entry))
    return rows


def _name(dimension: str, value: str) -> str:
    if dimension == "department":
        return value or NO_DEPARTMENT
    if dimension == "channel":
        return CHANNELS.get(value, value)
    return value


def _row(section: str, name: str, figures: dict) -> dict:
    return {"section": section, "name": name, **{key: figures[key] for key, _ in COLUMNS}}


def _cell(key: str, value):
    """A CSV cell: rates as percentages with two decimals (exact: the statistics round
    rates to four places), days without a needless ".0", nothing for no value."""
    if value is None:
        return ""
    if key in RATES:
        return f"{value * 100:.2f}%"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def csv_bytes(rows: list[dict]) -> bytes:
    """UTF-8 with a BOM, so that Excel shows the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row["section"], row["name"],
                         *(_cell(key, row[key]) for key, _ in COLUMNS)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def annual_csv(year: int) -> bytes:
    return csv_bytes(annual_rows(year))


def title(year: int) -> str:
    return f"{year}年度网民留言和12345热线办理情况统计表"


def xlsx_bytes(rows: list[dict], year: int) -> bytes:
    """A workbook: the table (title row, Chinese headers, widths, frozen header) and a
    second sheet with the definition of every figure."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年度统计"
    width = len(HEADERS)
    sheet.append([title(year)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([f"统计期间：{year}年1月至12月（按收到时间）；含不予受理和不公开的事项（只计数，"
                  "不公开内容）；各项指标的定义见“指标说明”工作表"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[2].height = 32
    sheet.append(list(HEADERS))
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[3].height = 36
    for row in rows:
        sheet.append([row["section"], row["name"], *(row[key] for key, _ in COLUMNS)])
        line = sheet.max_row
        for index, (key, _) in enumerate(COLUMNS, start=3):
            cell = sheet.cell(row=line, column=index)
            cell.number_format = "0.0%" if key in RATES else (
                "0.0" if key == "median_response_days" else "#,##0")
        for cell in sheet[line]:
            cell.border = border
            if row["section"] == TOTAL:
                cell.font = Font(bold=True)
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (
            10 if index == 1 else 24 if index == 2 else max(11, len(header) * 2 - 2))
    sheet.freeze_panes = "C4"
    notes = book.create_sheet("指标说明")
    notes.append(["指标", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    labels = {"received": "收到", "replied": "已答复", "on_time_rate": "按期答复率",
              "overdue": "超期", "response_rate": "响应率", "resolution_rate": "解决率",
              "satisfaction_rate": "满意率", "response_time": "答复用时"}
    for key, text in DEFINITIONS.items():
        notes.append([labels.get(key, key), text])
        notes.cell(row=notes.max_row, column=2).alignment = Alignment(wrap_text=True)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annual_xlsx(year: int) -> bytes:
    return xlsx_bytes(annual_rows(year), year)


# --- minyi report annual -----------------------------------------------------------------

@click.group("report")
def report_command():
    """Reports built from the public statistics."""


@report_command.command("annual")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="统计年度")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="输出文件；CSV 缺省写到标准输出，XLSX 缺省写到 minyi-annual-<年度>.xlsx")
@with_appcontext
def annual_command(year, fmt, output):
    """The annual report table (政府信息公开工作年度报告) for one year."""
    runtime().catch_up_all()  # read what has been recorded, even with no worker running
    body = annual_csv(year) if fmt == "csv" else annual_xlsx(year)
    if output is None and fmt == "csv":
        click.echo(body, nl=False)  # bytes go to the binary standard output as they are
        return
    output = output or f"minyi-annual-{year}.xlsx"
    with open(output, "wb") as f:
        f.write(body)
    click.echo(f"已生成 {year} 年度统计表：{output}")
