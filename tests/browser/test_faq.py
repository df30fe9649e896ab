"""The citizen FAQ in a phone-sized browser: search as you type, read an answer, rate it; and without JavaScript."""

import contextlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from chalicelib.pages import PAGE_CSP
from tests.browser.conftest import PHONE, screenshot


def test_a_citizen_finds_the_heating_answer_and_rates_it(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE, is_mobile=True, has_touch=True)
    expect(page.get_by_role("button", name=re.compile("供暖"))).to_be_visible()
    page.get_by_label("输入问题").press_sequentially("暖气不热", delay=60)
    first = page.locator("#results a").first
    expect(first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#results mark").first).to_be_visible()  # the matched words are highlighted
    expect(page.locator("#hotline")).to_be_hidden()
    screenshot(page, "faq")

    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")
    headings = page.locator(".answer-body h2").all_inner_texts()
    assert headings[:2] == ["标准答复", "一次性告知"] and "内部提示" not in headings
    screenshot(page, "faq-article")

    page.get_by_role("button", name="有帮助", exact=True).click()
    page.get_by_label("补充意见").fill("讲得很清楚，排气后就热了")
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as sent:
        page.get_by_role("button", name="提交评价").click()
    assert sent.value.status == 201
    assert json.loads(sent.value.request.post_data or "{}") == {
        "article_id": "heating-radiator-not-warm",
        "helpful": True,
        "comment": "讲得很清楚，排气后就热了",
        "query": "暖气不热",
    }
    expect(page.locator("#feedback-status")).to_contain_text("感谢您的评价")
    expect(page.get_by_role("button", name="没帮助")).to_be_disabled()


def test_a_question_without_a_good_answer_says_call_12345(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    page.get_by_label("输入问题").fill("今天天气怎么样")
    expect(page.locator("#hotline")).to_be_visible()
    expect(page.locator("#hotline")).to_contain_text("请拨打 12345")
    expect(page.locator("#search-status")).to_contain_text("您是不是想问")


def test_a_slow_earlier_search_never_overwrites_a_later_one(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    held: list[Route] = []  # the first search, answered only once the second is on screen
    page.route("**/api/search?*", lambda route: route.continue_() if held else held.append(route))
    box = page.get_by_label("输入问题")
    with page.expect_request("**/api/search?*"):
        box.fill("今天天气怎么样")
    box.fill("暖气不热")
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")

    late = held[0].fetch()
    with contextlib.suppress(PlaywrightError):  # the page may have given up on it already
        held[0].fulfill(response=late)
    page.wait_for_timeout(500)
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#hotline")).to_be_hidden()
    expect(page.locator("#search-status")).to_contain_text("找到")


def test_the_landing_page_lists_a_categorys_questions(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    page.get_by_role("button", name=re.compile("社会保障")).click()
    expect(page.locator("#list-title")).to_have_text("社会保障常见问题")
    page.get_by_role("link", name="社会保障卡申领").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("社会保障卡申领")


def test_the_landing_page_shows_the_questions_searches_answer_most(open_page: Callable[..., Page], live_server: str):
    for _ in range(3):
        urllib.request.urlopen(
            f"{live_server}/api/search?q=%E6%9A%96%E6%B0%94%E4%B8%8D%E7%83%AD", timeout=30
        )  # 暖气不热
    page = open_page("/", viewport=PHONE)
    expect(page.get_by_role("heading", name="热门问题")).to_be_visible()
    page.locator("#popular").get_by_role("link", name="暖气不热怎么办").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")


def test_a_shared_search_link_shows_its_results(open_page: Callable[..., Page]):
    page = open_page("/?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1%E4%B8%A2%E4%BA%86", viewport=PHONE)  # ?q=社保卡丢了
    expect(page.get_by_label("输入问题")).to_have_value("社保卡丢了")
    expect(page.locator("#results a").first).to_contain_text("社保卡")


def test_the_article_page_works_without_javascript(open_page: Callable[..., Page], live_server: str):
    page = open_page("/faq/heating-radiator-not-warm", viewport=PHONE, java_script_enabled=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")
    expect(page.locator(".answer-body")).to_contain_text("暖气不热可以先做三步自查")
    expect(page.locator(".answer-body")).not_to_contain_text("整栋楼不热")  # 内部提示 stays internal
    expect(page.locator("#feedback")).to_be_hidden()  # rating needs JavaScript: not offered without it
    page.locator(".mini-search input").fill("社保卡")
    page.locator(".mini-search button").click()
    assert page.url == live_server + "/?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1"


def test_an_unknown_or_internal_article_is_a_404_page(open_page: Callable[..., Page], live_server: str):
    page = open_page("/", viewport=PHONE)
    for article_id in ("no-such-article", "center-repair-request", "Bad%3Cid%3E"):
        response = page.goto(f"{live_server}/faq/{article_id}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("没有找到这篇文章")


def test_every_page_forbids_inline_script_and_says_its_type(live_server: str):
    expected = {
        "/": "text/html; charset=utf-8",
        "/agent": "text/html; charset=utf-8",
        "/editor": "text/html; charset=utf-8",
        "/faq/heating-radiator-not-warm": "text/html; charset=utf-8",
        "/static/zhida.css": "text/css; charset=utf-8",
        "/static/agent.js": "text/javascript; charset=utf-8",
    }
    for path, content_type in expected.items():
        with urllib.request.urlopen(live_server + path, timeout=10) as response:
            headers, text = response.headers, response.read().decode("utf-8")
        assert headers["Content-Type"] == content_type, path
        assert headers["Content-Security-Policy"] == PAGE_CSP and headers["X-Content-Type-Options"] == "nosniff"
        if content_type.startswith("text/html"):
            assert re.search(r"<script(?![^>]*\bsrc=)", text) is None and " style=" not in text, path
            assert re.search(r'(href|src|action)="/', text) is None, f"{path} uses an absolute URL"
    for name in ("../app.py", "nope.js", "zhida.CSS"):
        try:
            urllib.request.urlopen(f"{live_server}/static/{name}", timeout=10)
            raise AssertionError(f"/static/{name} was served")
        except urllib.error.HTTPError as error:
            assert error.code in (403, 404), name
