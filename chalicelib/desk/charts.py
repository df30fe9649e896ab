"""The report as it is shown: its summary figures and SVG charts, drawn here from the report dict for the
editor console (GET /api/reports/drawn carries them) and for the standalone printable page (`kb report --format
html`, the weekly mail). The one renderer: static/report.js only places what this draws. Every text escaped.
"""

import re
from collections.abc import Sequence
from html import escape
from math import ceil
from typing import Any, Literal

from chalicelib.desk.models.reports import DrawnReport, Report, ReportChart, ReportFigure

WIDTH = 640  # about 170 mm at 96 dpi: the width of an A4 page inside its margins
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 20, 30
BAR = "#0b5cad"
ANSWERED = "#1d6b34"
SOFT = "#b9cfe6"
INK = "#1a1f26"
MUTED = "#4a5360"
LINE = "#c9d0d9"
Tone = Literal["good", "bad", ""]
PERIODS = {"day": "日报", "week": "周报", "month": "月报"}


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _svg(title: str, height: int, body: list[str]) -> str:
    """An accessible SVG: role="img" named by its <title>."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: Any, anchor: str = "middle", size: int = 12, fill: str = MUTED) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{_e(text)}</text>'


def label_step(count: int) -> int:
    """Every how many bars an axis label is written, so that at most about 12 fit under the chart."""
    return max(1, ceil(count / 12))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> str:
    """Vertical bars, one per label, scaled to the largest value (an all-zero chart draws flat bars)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max(values, default=0) or 1
    band = plot_w / max(len(values), 1)
    step = label_step(len(values))
    body = [
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{LINE}"/>',
        _text(LEFT - 6, TOP + 4, max(values, default=0), "end"),
        _text(LEFT - 6, TOP + plot_h, 0, "end"),
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = value / top * plot_h
        x = LEFT + i * band + band * 0.15
        body.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{band * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"><title>{_e(label)}：{value}</title></rect>'
        )
        if i % step == 0:
            body.append(_text(LEFT + (i + 0.5) * band, HEIGHT - 10, label))
        if len(values) <= 14 and value:
            body.append(_text(LEFT + (i + 0.5) * band, TOP + plot_h - h - 4, value, fill=INK))
    return _svg(title, HEIGHT, body)


def line_chart(title: str, labels: Sequence[str], rates: Sequence[float | None]) -> str:
    """A rate (0-1) per label as a line on a 0-100 % scale; a day without searches (None) breaks the line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / max(len(rates), 1)
    step = label_step(len(rates))
    body = []
    for pct in (0, 50, 100):
        y = TOP + plot_h - pct / 100 * plot_h
        body.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{LINE}"/>')
        body.append(_text(LEFT - 6, y + 4, f"{pct}%", "end"))
    runs: list[list[str]] = [[]]
    for i, (label, rate) in enumerate(zip(labels, rates, strict=True)):
        x = LEFT + (i + 0.5) * band
        if i % step == 0:
            body.append(_text(x, HEIGHT - 10, label))
        if rate is None:
            runs.append([])
            continue
        y = TOP + plot_h - min(max(rate, 0.0), 1.0) * plot_h
        runs[-1].append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ANSWERED}">'
            f"<title>{_e(label)}：{percent(rate)}</title></circle>"
        )
    for run in runs:
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{ANSWERED}" stroke-width="2"/>')
    return _svg(title, HEIGHT, body)


def category_chart(title: str, rows: Sequence[dict[str, Any]], limit: int = 8) -> str:
    """Horizontal bars for the categories searched most: all searches, the answered part drawn over them."""
    rows = sorted(rows, key=lambda row: -row["searches"])[:limit]
    name_w, row_h = 150, 28
    height = TOP + row_h * max(len(rows), 1) + 8
    plot_w = WIDTH - name_w - 110
    top = max((row["searches"] for row in rows), default=0) or 1
    body = []
    for i, row in enumerate(rows):
        y = TOP + i * row_h
        searched, answered = row["searches"] / top * plot_w, min(row["answered"], row["searches"]) / top * plot_w
        body += [
            _text(name_w - 8, y + 17, row.get("name") or row["category"], "end", 13, INK),
            f'<rect class="chart-bar" x="{name_w}" y="{y + 4}" width="{searched:.1f}" height="18" fill="{SOFT}">'
            f"<title>{_e(row.get('name') or row['category'])}：搜索 {row['searches']}</title></rect>",
            f'<rect x="{name_w}" y="{y + 4}" width="{answered:.1f}" height="18" fill="{BAR}"/>',
            _text(name_w + searched + 6, y + 17, f"{row['searches']}（已答 {row['answered']}）", "start"),
        ]
    if not rows:
        body.append(_text(WIDTH / 2, TOP + 18, "本期没有搜索"))
    return _svg(title, height, body)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def change(value: float | None, points: bool = False) -> tuple[str, str]:
    """The change against the previous period as (text, "up" | "down" | "same"): ↑ 25%, for a rate ↑ 3.2 个百分点."""
    if value is None:
        return "—（上期无数据）", "same"
    if abs(value) < 0.0005:
        return "持平", "same"
    arrow, way = ("↑", "up") if value > 0 else ("↓", "down")
    amount = f"{abs(value) * 100:.1f} 个百分点" if points else f"{abs(value) * 100:.0f}%"
    return f"{arrow} {amount}", way


def volume_chart(report: dict[str, Any]) -> str:
    """Searches per hour for a day's report, per day otherwise."""
    if report["period"] == "day":
        hours = report.get("by_hour") or []
        return bar_chart("每小时搜索量", [f"{h['hour']}时" for h in hours], [h["searches"] for h in hours])
    days = report.get("by_day") or []
    return bar_chart("每日搜索量", [d["date"][5:] for d in days], [d["searches"] for d in days])


def rate_chart(report: dict[str, Any]) -> str:
    days = report.get("by_day") or []
    rates = [d["answered"] / d["searches"] if d["searches"] else None for d in days]
    return line_chart("每日解答率", [d["date"][5:] for d in days], rates)


def charts(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's charts in reading order as (caption, SVG); a day's report has no per-day line."""
    volume = "每小时搜索量" if report["period"] == "day" else "每日搜索量"
    drawn = [(volume, volume_chart(report))]
    if len(report.get("by_day") or []) > 1:
        drawn.append(("每日解答率（有答案的搜索占比）", rate_chart(report)))
    drawn.append(
        ("搜索最多的分类（深色为有答案的搜索）", category_chart("搜索最多的分类", report.get("by_category") or []))
    )
    return drawn


# ---- the standalone page: inline styles only, so a mail client or a saved file shows it whole

_PAGE_CSS = """
body { font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
  "WenQuanYi Micro Hei", sans-serif; color: #1a1f26; margin: 24px auto; max-width: 720px; padding: 0 16px;
  line-height: 1.5; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; border-left: 4px solid #0b5cad; padding-left: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #c9d0d9; padding: 4px 6px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.date { white-space: nowrap; }
.good { color: #1d6b34; } .bad { color: #a1261b; }
figure { margin: 0 0 16px; } figcaption { font-weight: bold; font-size: 14px; }
.meta { color: #4a5360; font-size: 14px; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 0; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; padding: 0; } section, figure, tr { break-inside: avoid; } }
"""


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: set[int], empty: str) -> str:
    if not rows:
        return f'<p class="meta">{_e(empty)}</p>'
    cls = lambda i: ' class="num"' if i in numeric else ""  # noqa: E731
    kind = lambda i, v: cls(i) or (' class="date"' if _DATE.fullmatch(str(v)) else "")  # noqa: E731  a date: one line
    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{kind(i, v)}>{_e(v)}</td>" for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(heading: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: set[int], empty: str) -> str:
    return f"<section><h2>{_e(heading)}</h2>{_table(headers, rows, numeric, empty)}</section>"


Table = tuple[str, list[str], list[tuple[Any, ...]], set[int], str]


def _tables(report: dict[str, Any]) -> list[Table]:
    """The report's tables: (heading, column headers, rows, numeric columns, what to say when there is no row)."""
    top = [
        (q["question"], q["count"], q["variants"], q.get("title") or "（没有答案）") for q in report["top_questions"]
    ]
    gaps = [(g["question"], g["count"], g["searches"], g["unhelpful"], g["example"]) for g in report["gaps"]]
    articles = [
        (
            a["title"],
            a.get("department_name") or a["department"],
            a["views"],
            a["helpful"],
            a["unhelpful"],
            a["flags"],
            "是" if a["overdue"] else "",
        )
        for a in report["articles"]
    ]
    surges = [
        (
            s["date"],
            f"{s['district_name']} {s['name']}" if s.get("district_name") else s["name"],  # a district's callers
            s["searches"],
            f"{s['baseline']:.1f}",
            f"{s['ratio']:.1f} 倍",
            "、".join(s["top_questions"]),
        )
        for s in report["surges"]
    ]
    return [
        ("问得最多的问题", ["问题", "次数", "不同说法", "答案"], top, {1, 2}, "本期没有搜索。"),
        (
            "知识缺口：没有找到答案的问题",
            ["问题", "合计", "未答搜索", "没帮助", "原话示例"],
            gaps,
            {1, 2, 3},
            "本期所有问题都找到了答案。",
        ),
        (
            "文章",
            ["标题", "承办单位", "浏览", "有帮助", "没帮助", "标记过时", "待复审"],
            articles,
            {2, 3, 4, 5},
            "本期没有文章被浏览。",
        ),
        (
            "搜索量突增",
            ["日期", "分类", "搜索", "近四周同日平均", "倍数", "主要问题"],
            surges,
            {2, 3, 4},
            "没有分类的搜索量达到近四周同日平均的 3 倍。",
        ),
    ]


# The summary's figures: (name, field, whether more is better: True, False, or None when it is neither).
FIGURES = [
    ("搜索次数", "searches", None),
    ("解答率", "answered_rate", True),
    ("转 12345（未答）", "abstained", False),
    ("点开答案", "clicks", True),
]


def tone(way: str, more_is_better: bool | None) -> Tone:
    """ "good", "bad" or "" for a change's colour: fewer searches that went unanswered is good news."""
    if way == "same" or more_is_better is None:
        return ""
    return "good" if (way == "up") == more_is_better else "bad"


def summary_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str, Tone]]:
    """(figure, this period, previous period, change text, its tone) for the summary table."""
    previous = report.get("previous") or {}
    changes = previous.get("change") or {}
    rows = []
    for name, field, better in FIGURES:
        rate = field == "answered_rate"
        text, way = change(changes.get(field), points=rate)
        now, was = (percent(report.get(field)), percent(previous.get(field))) if rate else (
            str(report.get(field, 0)), str(previous.get(field, "—")))  # fmt: skip
        rows.append((name, now, was, text, tone(way, better)))
    return rows


def presented(report: Report) -> DrawnReport:
    """The report with its summary and charts as they are shown: the console shows these, never draws its own."""
    data = report.model_dump(mode="json")
    figures = [ReportFigure(name=n, value=v, previous=p, change=c, tone=w) for n, v, p, c, w in summary_rows(data)]
    drawn = [ReportChart(caption=caption, svg=svg) for caption, svg in charts(data)]
    said = {"title": title(data), "compared": compared_with(data["previous"])}
    return DrawnReport(**dict(report), **said, figures=figures, charts=drawn)


def compared_with(previous: dict[str, Any]) -> str:
    """What the changes are measured against, said plainly: a period still running is compared like for like."""
    if not previous.get("start"):
        return "没有上期数据"
    if previous["end"] < previous["start"]:
        return "本期尚未开始，没有可比的上期"
    span = f"{previous['start']} 至 {previous['end']}"
    return f"本期尚未结束，与上期同期（{span}）相比" if previous.get("like_for_like") else f"上期 {span}"


def title(report: dict[str, Any]) -> str:
    span = report["start"] if report["start"] == report["end"] else f"{report['start']} 至 {report['end']}"
    district = f"{report['district']['name']} " if report.get("district") else ""
    return f"知答 {district}{PERIODS.get(report['period'], '报表')} {span}"


def report_page(report: dict[str, Any]) -> str:
    """The report as one standalone, printable HTML document: summary, charts and tables, nothing loaded."""
    previous = report.get("previous") or {}
    figures = "".join(f"<figure><figcaption>{_e(c)}</figcaption>{svg}</figure>" for c, svg in charts(report))
    summary = "".join(
        f'<tr><td>{_e(n)}</td><td class="num">{_e(v)}</td><td class="num">{_e(p)}</td>'
        f'<td class="num {way}">{_e(c)}</td></tr>'
        for n, v, p, c, way in summary_rows(report)
    )
    sections = "".join(
        _section(heading, headers, rows, numeric, empty) for heading, headers, rows, numeric, empty in _tables(report)
    )
    span = compared_with(previous)
    return (
        '<!doctype html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title(report))}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{_e(title(report))}</h1>\n<p class="meta">北京时间；{_e(span)}；12345 政务服务便民热线知识库</p>\n'
        '<section><h2>概况</h2><table><thead><tr><th>指标</th><th class="num">本期</th><th class="num">上期</th>'
        f'<th class="num">变化</th></tr></thead><tbody>{summary}</tbody></table></section>\n'
        f"<section><h2>图表</h2>{figures}</section>\n{sections}\n</body>\n</html>\n"
    )
