"""The editor console's 报表 view and surge banner, against a stubbed GET /api/reports (docs/reports.md)."""

import json
import re
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import DESKTOP, screenshot
from tests.browser.test_editor import sign_in
from tests.report_fixture import as_served, heating_surge, week_report

REPORTS = re.compile(r"/api/reports(/drawn)?\?")  # the surge banner's request, and the console's drawn one
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def day_report(surges: list[dict[str, Any]]) -> dict[str, Any]:
    hours = [
        {"hour": h, "searches": [0, 0, 0, 0, 0, 0, 1, 4, 12, 20, 18, 15][h % 12] * (2 if h >= 12 else 1)}
        for h in range(24)
    ]
    return week_report(
        period="day", start=TODAY, end=TODAY, by_day=[{"date": TODAY, "searches": 233, "answered": 201}], by_hour=hours,
        surges=surges,
    )  # fmt: skip


def stub_reports(page: Page, surges: list[dict[str, Any]] | None = None) -> list[dict[str, str]]:
    """Answers GET /api/reports and /drawn with the fixture (the day's, with `surges`); returns the queries asked."""
    asked: list[dict[str, str]] = []

    def answer(route: Route) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(route.request.url).query))
        asked.append(query)
        report = day_report(surges or []) if query.get("period") == "day" else week_report(period=query.get("period"))
        served = as_served(report) if "/drawn" in route.request.url else report
        body = json.dumps(served, ensure_ascii=False)
        route.fulfill(status=200, content_type="application/json", body=body)

    page.route(REPORTS, answer)
    return asked


def test_the_weekly_report_shows_its_figures_changes_and_a_bar_per_day(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/editor", viewport=DESKTOP)
    asked = stub_reports(page)
    sign_in(page, "editor")
    page.get_by_role("button", name="报表").click()
    report = page.locator("#report")
    expect(report.locator("h2")).to_have_text("知答 周报 2026-11-23 至 2026-11-29")
    assert asked[-1] == {"period": "week", "date": TODAY}  # today in Beijing, whatever the browser's zone

    volume = page.get_by_role("img", name="每日搜索量")
    expect(volume.locator("rect.chart-bar")).to_have_count(7)
    expect(page.get_by_role("img", name="每日解答率").locator("circle.point")).to_have_count(7)
    expect(page.get_by_role("img", name="搜索最多的分类").locator("rect.chart-bar")).to_have_count(3)
    expect(report.locator(".figure .value")).to_have_text(["875", "84.0%", "140", "612"])
    expect(report.locator(".figure .change")).to_have_text(["↑ 25%", "↑ 4.0 个百分点", "↓ 7%", "持平"])
    expect(report.locator(".figure .change.good")).to_have_count(2)  # more answered, fewer unanswered
    expect(report.locator(".figure .change.bad")).to_have_count(0)
    gap = report.get_by_role("row", name="装修噪音投诉 21 17 4 楼上装修太吵了找谁")
    expect(gap).to_be_visible()
    expect(report.get_by_text("没有分类的搜索量达到近四周同日平均的 3 倍。")).to_be_visible()
    expect(page.locator("#surge")).to_be_hidden()
    screenshot(page, "reports")

    # Printed, the report is all there is: the header, the views, the controls stay on screen.
    page.emulate_media(media="print")
    for chrome in ("header.bar", "#show-worklist", "#report-print", "#report-period", "#report button >> nth=0"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(volume).to_be_visible()
    expect(report.locator(".figure")).to_have_count(4)
    page.emulate_media(media="screen")
    expect(page.locator("header.bar")).to_be_visible()

    # A day's report: searches per hour, and no line for one day.
    page.get_by_label("周期").select_option("day")
    expect(report.locator("h2")).to_have_text(f"知答 日报 {TODAY}")
    expect(page.get_by_role("img", name="每小时搜索量").locator("rect.chart-bar")).to_have_count(24)
    expect(page.get_by_role("img", name="每日解答率")).to_have_count(0)

    # A gap starts a new article, which takes the report's place.
    page.get_by_label("周期").select_option("week")
    gap.get_by_role("button", name="据此新建文章").click()
    expect(page.locator("#work")).to_be_visible()
    expect(page.get_by_label("标题")).to_have_value("装修噪音投诉")
    expect(page.get_by_role("button", name="工作列表")).to_have_attribute("aria-pressed", "true")


def test_a_surge_today_shows_a_banner_that_opens_todays_report(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/editor", viewport=DESKTOP)
    stub_reports(page, surges=[heating_surge()])
    sign_in(page, "editor")
    banner = page.locator("#surge")
    expect(banner).to_contain_text("供热 类今日搜索量是近四周同日平均的 4.2 倍：暖气不热、暖气片不热、供暖费怎么交…")
    banner.get_by_role("button", name="查看今日报表").click()
    expect(page.locator("#report h2")).to_have_text(f"知答 日报 {TODAY}")
    expect(page.get_by_label("周期")).to_have_value("day")
    expect(page.locator("#report").get_by_role("row", name="供热")).to_contain_text("4.2 倍")

    quiet = open_page("/editor", viewport=DESKTOP)
    asked = stub_reports(quiet)
    sign_in(quiet, "editor")
    quiet.wait_for_function("() => !document.documentElement.classList.contains('loading')")
    assert {"period": "day", "date": TODAY} in asked
    expect(quiet.locator("#surge")).to_be_hidden()


def test_a_failed_report_request_says_so_instead_of_showing_the_last_report(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/editor", viewport=DESKTOP)
    stub_reports(page)
    sign_in(page, "editor")
    page.get_by_role("button", name="报表").click()
    expect(page.get_by_role("img", name="每日搜索量")).to_be_visible()

    page.unroute(REPORTS)
    page.route(
        REPORTS,
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": {"code": "unavailable"}}'
        ),
    )
    page.get_by_label("周期").select_option("month")
    expect(page.locator("#report-status")).to_have_text("报表加载失败：知识库暂时无法访问，请稍后重试。")
    expect(page.locator("#report")).to_be_empty()

    page.unroute(REPORTS)
    page.route(REPORTS, lambda route: route.abort())
    page.get_by_label("周期").select_option("week")
    expect(page.locator("#report-status")).to_have_text("报表加载失败：网络连接异常，请检查网络后重试。")
    expect(page.locator("#report svg")).to_have_count(0)
