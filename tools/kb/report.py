"""kb report: a day's, week's or month's report as an Excel workbook (a sheet per section) or a printable page."""

import datetime as dt
from pathlib import Path
from typing import Any

from chalicelib.desk.models.reports import Period, ReportParams
from chalicelib.desk.reports import ReportDesk
from chalicelib.people.access import Principal, Role
from tools.kb.sheets import append_row

TOOL = Principal(Role.ADMIN, "kb-report")  # every department: the report a head office prints
# Each list of the report as a sheet: its title and its columns (keys of the report's rows).
SHEETS = {
    "top_questions": ("热门问题", ["question", "count", "variants", "article_id", "title"]),
    "gaps": ("未解答", ["question", "count", "searches", "unhelpful", "example"]),
    "articles": (
        "文章",
        ["id", "title", "department", "department_name", "views", "helpful", "unhelpful", "flags", "overdue"],
    ),
    "by_category": ("分类", ["category", "name", "searches", "answered"]),
    "by_day": ("每日", ["date", "searches", "answered"]),
    "by_hour": ("每小时", ["hour", "searches"]),
    "surges": (
        "激增",
        ["date", "category", "name", "district_name", "searches", "baseline", "ratio", "top_questions"],
    ),
}
_SUMMARY = ["searches", "answered", "answered_rate", "abstained", "clicks"]


def make_report(desk: ReportDesk, period: str, day: dt.date, district: str | None = None) -> dict[str, Any]:
    """The report as GET /api/reports answers it for an admin (cut by a district, if given), as plain JSON values."""
    params = ReportParams(period=Period(period), date=day, district=district)
    return desk.report(params, TOOL).model_dump(mode="json")


def write_xlsx(report: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "概览"
    append_row(summary, ["", "本期", "上期", "变化"])
    append_row(summary, ["period", report["period"]])
    if report.get("district"):
        append_row(summary, ["district", report["district"]["name"]])
    append_row(
        summary,
        [
            "dates",
            f"{report['start']} – {report['end']}",
            f"{report['previous']['start']} – {report['previous']['end']}",
        ],
    )
    previous, change = report["previous"], report["previous"]["change"]
    for name in _SUMMARY:
        append_row(summary, [name, report[name], previous.get(name), change.get(name)])
    for key, (title, columns) in SHEETS.items():
        sheet = book.create_sheet(title)
        append_row(sheet, columns)
        for row in report[key]:
            append_row(sheet, [_cell(row.get(column)) for column in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_html(report: dict[str, Any], path: Path) -> None:
    from chalicelib.desk.charts import report_page

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_page(report), encoding="utf-8")


def _cell(value: Any) -> Any:
    return "、".join(value) if isinstance(value, list) else value
