"""The report's SVG charts and its standalone page, from the report dict alone."""

import re
from html.parser import HTMLParser
from typing import Any

from chalicelib.desk import charts
from tests.report_fixture import as_served, heating_surge, week_report


def empty_report(period: str = "week") -> dict[str, Any]:
    days = 1 if period == "day" else 7
    return {
        "period": period, "start": "2026-11-23", "end": "2026-11-23" if days == 1 else "2026-11-29",
        "searches": 0, "answered": 0, "answered_rate": None, "abstained": 0, "clicks": 0,
        "top_questions": [], "gaps": [], "articles": [], "by_category": [],
        "by_day": [{"date": f"2026-11-{23 + i}", "searches": 0, "answered": 0} for i in range(days)],
        "by_hour": [{"hour": h, "searches": 0} for h in range(24)], "surges": [],
        "previous": {"start": "2026-11-16", "end": "2026-11-22", "searches": 0, "answered_rate": None, "abstained": 0,
                     "clicks": 0, "change": dict.fromkeys(["searches", "answered_rate", "abstained", "clicks"])},
    }  # fmt: skip


class Tags(HTMLParser):
    """The start tags of a page, to find what a script or an unescaped question would have added."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def tags(html: str) -> list[str]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def bar_heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'<rect class="chart-bar" [^>]*height="([\d.]+)"', svg)]


def test_a_question_with_markup_is_shown_as_text_everywhere():
    evil = '<script>alert("x")</script>'
    report = week_report(
        top_questions=[{"question": evil, "count": 3, "variants": 1, "article_id": None, "title": None}],
        gaps=[{"question": evil, "count": 3, "searches": 3, "unhelpful": 0, "example": "<img src=x onerror=alert(1)>"}],
        by_category=[{"category": "x", "name": "<b>供热</b>", "searches": 3, "answered": 1}],
        surges=[heating_surge() | {"name": "</title><script>", "top_questions": [evil]}],
    )
    page = charts.report_page(report)
    assert "script" not in tags(page) and "img" not in tags(page) and "b" not in tags(page)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_an_empty_report_renders_without_dividing_by_zero():
    for period in ("day", "week"):
        page = charts.report_page(empty_report(period))
        assert "本期没有搜索" in page and "本期所有问题都找到了答案" in page
        assert "—（上期无数据）" in page


def test_bars_scale_to_the_largest_value():
    svg = charts.bar_chart("每日搜索量", ["a", "b", "c"], [50, 100, 0])
    heights = bar_heights(svg)
    assert heights[1] == charts.HEIGHT - charts.TOP - charts.BOTTOM
    assert heights[0] == heights[1] / 2 and heights[2] == 0


def test_a_week_draws_one_bar_per_day_and_a_day_one_per_hour():
    assert len(bar_heights(charts.volume_chart(week_report()))) == 7
    day = week_report(period="day", start="2026-11-29", end="2026-11-29", by_day=week_report()["by_day"][-1:])
    assert len(bar_heights(charts.volume_chart(day))) == 24
    assert len(charts.charts(day)) == 2  # no answered-rate line for one day


def test_charts_are_images_named_by_their_title():
    for _, svg in charts.charts(week_report()):
        assert svg.startswith("<svg") and 'role="img"' in svg
        assert re.search(r'aria-label="([^"]+)"><title>\1</title>', svg)


def test_the_rate_line_breaks_at_a_day_without_searches():
    svg = charts.line_chart("每日解答率", ["1", "2", "3", "4"], [0.5, 1.0, None, 0.8])
    assert svg.count("<polyline") == 1 and svg.count('class="point"') == 3


def test_changes_read_as_arrows_and_percentages():
    assert charts.change(0.25) == ("↑ 25%", "up")
    assert charts.change(-0.0667) == ("↓ 7%", "down")
    assert charts.change(0.04, points=True) == ("↑ 4.0 个百分点", "up")
    assert charts.change(0.0)[0] == "持平"
    assert charts.change(None)[0] == "—（上期无数据）"


def test_the_page_stands_alone_and_prints():
    page = charts.report_page(week_report(surges=[heating_surge()]))
    assert page.startswith("<!doctype html>") and '<html lang="zh-CN">' in page
    assert not re.search(r"<(link|script|img)\b|src=|href=", page)  # nothing loaded from elsewhere
    assert "@media print" in page and "@page" in page
    assert "<title>知答 周报 2026-11-23 至 2026-11-29</title>" in page
    assert "↑ 25%" in page and "↑ 4.0 个百分点" in page and "84.0%" in page
    assert '<td class="num bad">' not in page and page.count('<td class="num good">') == 2  # fewer unanswered: good
    assert "4.2 倍" in page and "暖气不热、暖气片不热、供暖费怎么交" in page
    assert page.count("<svg") == 3


def test_the_report_is_served_with_the_summary_and_charts_kb_report_draws():
    served = as_served(week_report())
    assert [(c["caption"], c["svg"]) for c in served["charts"]] == charts.charts(week_report())
    figures = [(f["name"], f["value"], f["previous"], f["change"], f["tone"]) for f in served["figures"]]
    assert figures == charts.summary_rows(week_report())
