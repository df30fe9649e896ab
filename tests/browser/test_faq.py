"""The citizen FAQ in a phone-sized browser: search as you type, read an answer, rate it; and without JavaScript."""

import contextlib
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request, Route, expect

from chalicelib.pages import PAGE_CSP
from tests.browser.conftest import PHONE, screenshot

HEATING = "暖气不热"
HEATING_ARTICLE = "heating-radiator-not-warm"


def q(text: str) -> str:
    return urllib.parse.quote(text)


def searches_sent(page: Page) -> list[dict[str, list[str]]]:
    """The query strings of every GET /api/search the page sends from now on, in order."""
    sent: list[dict[str, list[str]]] = []

    def record(request: Request) -> None:
        if "/api/search?" in request.url:
            sent.append(urllib.parse.parse_qs(urllib.parse.urlparse(request.url).query))

    page.on("request", record)
    return sent


def eventually(page: Page, condition: Callable[[], Any], seconds: float = 5) -> Any:
    """Waits (letting the page run) until condition() is true; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, "the page never got there"
        page.wait_for_timeout(50)
    return value


def test_a_citizen_finds_the_heating_answer_and_rates_it(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE, is_mobile=True, has_touch=True)
    expect(page.get_by_role("button", name=re.compile("供暖"))).to_be_visible()
    page.get_by_label("输入问题").press_sequentially(HEATING, delay=60)
    first = page.locator("#results a").first
    expect(first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#results mark").first).to_be_visible()  # the matched words are highlighted
    expect(page.locator("#hotline")).to_be_hidden()
    assert page.url.endswith("/?q=" + q(HEATING))
    screenshot(page, "faq")

    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")
    assert "?" not in page.url  # the query stays in the tab (sessionStorage), not in the article's address
    headings = page.locator(".answer-body h2").all_inner_texts()
    assert headings[:2] == ["标准答复", "一次性告知"] and "内部提示" not in headings
    expect(page.get_by_role("link", name="返回搜索结果")).to_be_visible()
    screenshot(page, "faq-article")

    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as sent:
        page.get_by_role("button", name="有帮助", exact=True).click()  # one tap is the rating
    assert sent.value.status == 201
    assert json.loads(sent.value.request.post_data or "{}") == {
        "article_id": HEATING_ARTICLE,
        "helpful": True,
        "query": HEATING,
    }
    expect(page.locator("#feedback-status")).to_contain_text("感谢您的评价")
    expect(page.get_by_role("button", name="没帮助")).to_be_disabled()  # no second vote
    expect(page.get_by_role("button", name="有帮助", exact=True)).to_have_attribute("aria-pressed", "true")

    rating = sent.value.json()["id"]
    page.get_by_label("补充意见").fill("讲得很清楚，排气后就热了")
    with page.expect_response(lambda r: "/comment" in r.url) as commented:
        page.get_by_role("button", name="提交意见").click()
    assert commented.value.url.endswith(f"/api/feedback/{q(rating)}/comment")
    assert json.loads(commented.value.request.post_data or "{}") == {"comment": "讲得很清楚，排气后就热了"}
    expect(page.locator("#feedback-status")).to_contain_text("感谢您的补充意见")
    expect(page.get_by_label("补充意见")).to_be_hidden()


def test_a_comment_that_cannot_be_sent_says_so_and_the_vote_stands(open_page: Callable[..., Page]):
    page = open_page("/faq/heating-radiator-bleed-air", viewport=PHONE)
    expect(page.get_by_role("link", name="返回搜索结果")).to_be_hidden()  # not opened from a search
    page.route("**/comment", lambda route: route.fulfill(status=404, body="not found"))
    with page.expect_request(lambda r: r.url.endswith("/api/feedback")) as sent:
        page.get_by_role("button", name="没帮助").click()
    assert json.loads(sent.value.post_data or "{}") == {"article_id": "heating-radiator-bleed-air", "helpful": False}
    expect(page.locator("#feedback-status")).to_contain_text("感谢您的评价")
    page.get_by_label("补充意见").fill("没写放风钥匙去哪买")
    page.get_by_role("button", name="提交意见").click()
    expect(page.locator("#feedback-status")).to_contain_text("没有提交成功")
    expect(page.locator("#feedback-status")).not_to_contain_text("HTTP")
    expect(page.get_by_role("button", name="没帮助")).to_be_disabled()


def test_a_question_without_a_good_answer_says_call_12345(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    page.get_by_label("输入问题").fill("今天天气怎么样")
    expect(page.locator("#hotline")).to_be_visible()
    expect(page.locator("#hotline")).to_contain_text("请拨打 12345")
    expect(page.locator("#hotline")).to_contain_text("没有找到能确切回答")
    expect(page.locator("#search-status")).to_contain_text("您是不是想问")


def test_only_a_settled_search_is_sent_as_settled(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    sent = searches_sent(page)
    box = page.get_by_label("输入问题")
    box.press_sequentially(HEATING, delay=60)
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")
    eventually(page, lambda: any("settled" in params for params in sent), seconds=4)  # a pause settles it
    assert "settled" not in sent[0]  # as you type
    settled = [params for params in sent if "settled" in params]
    assert settled == [{"q": [HEATING], "limit": ["8"], "settled": ["true"]}]

    box.press("Enter")  # settled already: searched again, not logged again
    page.wait_for_timeout(300)
    assert [params["q"] for params in sent if "settled" in params] == [[HEATING]]

    box.fill("社保卡丢了")
    box.press("Enter")  # Enter settles at once
    expect(page.locator("#results a").first).to_contain_text("社会保障卡")
    assert [params["q"] for params in sent if "settled" in params] == [[HEATING], ["社保卡丢了"]]


def test_a_click_on_a_hit_is_recorded_and_settles_an_unsettled_search(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    clicks: list[dict] = []

    def record(route: Route) -> None:  # answered 404, as before the backend had it: the page must not mind
        clicks.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=404, content_type="application/json", body='{"error": {"code": "not_found"}}')

    page.context.route("**/api/clicks", record)
    sent = searches_sent(page)
    page.get_by_label("输入问题").fill(HEATING)
    second = page.locator("#results a").nth(1)
    expect(second).to_be_visible()
    article_id = second.get_attribute("data-id")
    second.click()  # before the pause would have settled it
    expect(page).to_have_url(re.compile(f"/faq/{article_id}$"))
    eventually(page, lambda: clicks)
    # Counted once: the click settles the search, unless a pause (on a slow machine) already had.
    settled_before = [params for params in sent if "settled" in params]
    assert clicks == [{"query": HEATING, "article_id": article_id, "position": 2, "settles": not settled_before}]
    assert len(settled_before) <= 1

    page.goto(page.url.split("/faq/")[0] + "/search?q=" + q("社保卡丢了"))  # the server logged this one
    page.locator("#results a").first.click()
    eventually(page, lambda: len(clicks) == 2)
    assert clicks[1]["query"] == "社保卡丢了" and clicks[1]["position"] == 1 and clicks[1]["settles"] is False


def test_a_slow_earlier_search_never_overwrites_a_later_one(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    held: list[Route] = []  # the first search, answered only once the second is on screen
    page.route("**/api/search?*", lambda route: route.continue_() if held else held.append(route))
    box = page.get_by_label("输入问题")
    with page.expect_request("**/api/search?*"):
        box.fill("今天天气怎么样")
    box.fill(HEATING)
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")

    late = held[0].fetch()
    with contextlib.suppress(PlaywrightError):  # the page may have given up on it already
        held[0].fulfill(response=late)
    page.wait_for_timeout(500)
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#hotline")).to_be_hidden()
    expect(page.locator("#search-status")).to_contain_text("找到")


def test_a_search_cut_off_clears_the_results_and_offers_the_hotline(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    box = page.get_by_label("输入问题")
    box.fill(HEATING)
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")

    page.route("**/api/search?*", lambda route: route.abort())  # the network drops it mid-use
    box.fill("社保卡丢了")
    expect(page.locator("#search-status")).to_contain_text("搜索失败")
    expect(page.locator("#results li")).to_have_count(0)  # no older answer left standing for the new question
    expect(page.locator("#hotline")).to_be_visible()
    expect(page.locator("#hotline")).to_contain_text("请稍后再试")
    assert "HTTP" not in page.locator("main").inner_text()

    page.unroute("**/api/search?*")
    box.fill("社保卡丢了怎么办")
    expect(page.locator("#results a").first).to_contain_text("社会保障卡")
    expect(page.locator("#hotline")).to_be_hidden()


def test_a_search_that_never_answers_gives_up_after_the_timeout(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    page.evaluate("window.zhidaTimeLimitMs = 600")  # 8 s in use (common.js)
    box = page.get_by_label("输入问题")
    box.fill(HEATING)
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")

    hanging: list[Route] = []
    page.route("**/api/search?*", lambda route: hanging.append(route))  # never answered
    box.fill("社保卡丢了")
    expect(page.locator("#search-status")).to_contain_text("搜索超时", timeout=3000)
    assert hanging
    expect(page.locator("#results li")).to_have_count(0)
    expect(page.locator("#hotline")).to_be_visible()
    expect(page.locator("#search-status")).not_to_contain_text("正在搜索")
    for route in hanging:  # let go of them before the page closes
        with contextlib.suppress(PlaywrightError):
            route.abort()


def test_the_landing_page_lists_a_categorys_questions(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    page.get_by_role("button", name=re.compile("社会保障")).click()
    expect(page.locator("#list-title")).to_have_text("社会保障常见问题")
    page.get_by_role("link", name="社会保障卡申领").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("社会保障卡申领")
    expect(page.get_by_role("link", name="返回搜索结果")).to_be_hidden()  # opened from a list, not a search


def test_the_landing_page_shows_the_questions_searches_answer_most(open_page: Callable[..., Page], live_server: str):
    for _ in range(3):
        urllib.request.urlopen(f"{live_server}/api/search?q={q(HEATING)}&settled=true", timeout=30)
    page = open_page("/", viewport=PHONE)
    expect(page.get_by_role("heading", name="热门问题")).to_be_visible()
    page.locator("#popular").get_by_role("link", name="暖气不热怎么办").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")


def test_a_shared_search_link_shows_its_results(open_page: Callable[..., Page]):
    page = open_page("/?q=" + q("社保卡丢了"), viewport=PHONE)
    expect(page.get_by_label("输入问题")).to_have_value("社保卡丢了")
    expect(page.locator("#results a").first).to_contain_text("社保卡")


def test_a_phone_number_in_a_query_never_reaches_the_address(open_page: Callable[..., Page], live_server: str):
    page = open_page("/", viewport=PHONE)
    box = page.get_by_label("输入问题")
    box.fill(HEATING)
    expect(page).to_have_url(re.compile(r"\?q="))
    resident_id = "１２０１０４１９９００１０１１２３４"  # full width, as a phone's keyboard may type it
    for query in ("暖气不热 13812345678", f"暖气不热，身份证{resident_id}", "暖气不热 a.b@example.com"):
        box.fill(query)
        expect(page).to_have_url(live_server + "/")  # no q= at all, not even a masked one
        expect(page.locator("#results a").first).to_be_visible()

    # The results page the server rendered for a GET without JavaScript: the script takes the number out.
    page.goto(f"{live_server}/search?q={q('暖气不热，电话138 1234 5678')}")
    expect(page.locator("#results a").first).to_be_visible()
    expect(page).to_have_url(live_server + "/")
    assert page.title() == "搜索结果 - 12345 知答"  # titles are kept in history too


def test_back_to_the_results_from_an_article_even_when_the_address_could_not_keep_them(
    open_page: Callable[..., Page], live_server: str
):
    page = open_page("/", viewport=PHONE)
    query = "暖气不热 电话13812345678"
    page.get_by_label("输入问题").fill(query)
    first = page.locator("#results .title").first
    expect(first).to_be_visible()
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("link", name="返回搜索结果").click()
    expect(page.get_by_label("输入问题")).to_have_value(query)
    expect(first).to_have_text(title)
    assert page.url == live_server + "/"


def test_an_article_links_the_articles_it_names_its_category_and_related_questions(open_page: Callable[..., Page]):
    page = open_page(f"/faq/{HEATING_ARTICLE}", viewport=PHONE)
    crumbs = page.get_by_role("navigation", name="您的位置")
    expect(crumbs).to_contain_text("首页")
    expect(crumbs).to_contain_text("暖气不热怎么办")
    description = page.locator('meta[name="description"]').get_attribute("content") or ""
    assert description.startswith("您好，暖气不热")
    related = page.locator(".related")
    expect(related.get_by_role("link").first).to_be_visible()
    assert "暖气不热怎么办" not in related.get_by_role("link").all_inner_texts()

    page.locator(".answer-body").get_by_role("link", name="暖气片如何排气").first.click()  # 排气方法见“暖气片如何排气”
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气片如何排气")
    page.get_by_role("navigation", name="您的位置").get_by_role("link", name="供暖").click()
    expect(page.locator("#list-title")).to_have_text("供暖常见问题")
    expect(page.get_by_role("button", name=re.compile("供暖"))).to_have_attribute("aria-pressed", "true")


def test_temperatures_and_symbols_are_drawn_not_left_blank(open_page: Callable[..., Page]):
    """WenQuanYi Micro Hei has empty glyphs for ℃ and Ⅴ: the stylesheet must take them from another font."""
    for path in ("/", f"/faq/{HEATING_ARTICLE}"):
        page = open_page(path, viewport=PHONE)
        width = page.evaluate(
            """(texts) => texts.map((text) => {
                 const span = document.createElement("span");
                 span.textContent = text;
                 document.querySelector("main").append(span);
                 const width = span.getBoundingClientRect().width;
                 span.remove();
                 return width;
               })""",
            ["18", "18℃"],
        )
        assert width[1] > width[0] + 5, (path, width)
        # A blank glyph still takes up room: count the pixels each symbol inks, in the font the page uses.
        ink = page.evaluate(
            """async (texts) => {
                 const style = getComputedStyle(document.querySelector("main"));
                 const font = `40px ${style.fontFamily}`;
                 const canvas = document.createElement("canvas");
                 canvas.width = canvas.height = 60;
                 const context = canvas.getContext("2d", { willReadFrequently: true });
                 const counts = [];
                 for (const text of texts) {
                   await document.fonts.load(font, text);
                   context.clearRect(0, 0, 60, 60);
                   context.font = font;
                   context.textBaseline = "top";
                   context.fillText(text, 5, 5);
                   counts.push(context.getImageData(0, 0, 60, 60).data.filter((v, i) => i % 4 === 3 && v > 0).length);
                 }
                 return counts;
               }""",
            ["℃", "Ⅴ", "㎡", "１８", "，"],
        )
        assert all(count > 20 for count in ink), (path, ink)


def test_no_page_scrolls_sideways_on_a_narrow_phone(open_page: Callable[..., Page]):
    narrow = {"width": 320, "height": 640}
    faq = open_page("/?q=" + q("暖气不热，电话13812345678 http://example.org/a/very/long/address/without/spaces"))
    faq.set_viewport_size(narrow)
    expect(faq.locator("#results a").first).to_be_visible()
    article = open_page(f"/faq/{HEATING_ARTICLE}", viewport=narrow)
    expect(article.locator(".related a").first).to_be_visible()
    for page in (faq, article):
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 320, page.url


def test_the_search_form_works_without_javascript(open_page: Callable[..., Page], live_server: str):
    page = open_page("/", viewport=PHONE, java_script_enabled=False)
    page.get_by_label("输入问题").fill(HEATING)
    page.get_by_role("button", name="搜索").click()
    assert page.url == f"{live_server}/search?q={q(HEATING)}"
    first = page.locator("#results a").first
    expect(first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#results mark").first).to_be_visible()
    expect(page.locator("#hotline")).to_be_hidden()
    expect(page.locator("#search-status")).to_contain_text("找到")

    page.get_by_label("输入问题").fill("今天天气怎么样")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#hotline")).to_be_visible()
    expect(page.locator("#hotline")).to_contain_text("请拨打 12345")

    page.get_by_label("输入问题").fill(HEATING)
    page.get_by_role("button", name="搜索").click()
    page.locator("#results a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")


def test_the_article_page_works_without_javascript(open_page: Callable[..., Page], live_server: str):
    page = open_page(f"/faq/{HEATING_ARTICLE}", viewport=PHONE, java_script_enabled=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")
    expect(page.locator(".answer-body")).to_contain_text("暖气不热可以先做三步自查")
    expect(page.locator(".answer-body")).not_to_contain_text("整栋楼不热")  # 内部提示 stays internal
    expect(page.locator("#feedback")).to_be_hidden()  # rating needs JavaScript: not offered without it
    expect(page.locator(".answer-body").get_by_role("link", name="暖气片如何排气").first).to_be_visible()
    page.locator(".mini-search input").fill("社保卡")
    page.locator(".mini-search button").click()
    assert page.url == live_server + "/search?q=" + q("社保卡")
    expect(page.locator("#results a").first).to_contain_text("社会保障卡")


def test_an_unknown_or_internal_article_is_a_404_page(open_page: Callable[..., Page], live_server: str):
    page = open_page("/", viewport=PHONE)
    for article_id in ("no-such-article", "center-repair-request", "Bad%3Cid%3E"):
        response = page.goto(f"{live_server}/faq/{article_id}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("没有找到这篇文章")


def test_every_page_forbids_inline_script_and_says_its_type(live_server: str):
    expected = {
        "/": "text/html; charset=utf-8",
        "/search?q=" + q(HEATING): "text/html; charset=utf-8",
        "/agent": "text/html; charset=utf-8",
        "/editor": "text/html; charset=utf-8",
        f"/faq/{HEATING_ARTICLE}": "text/html; charset=utf-8",
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
