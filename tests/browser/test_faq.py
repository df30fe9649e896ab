"""The citizen FAQ in a phone-sized browser: search as you type, read an answer, rate it, find a way forward when
no article answers (an emergency line first of all); and without JavaScript."""

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

from chalicelib.knowledge.models.reading import Referral, SearchHit, SearchResult
from chalicelib.web import faq, pages
from chalicelib.web.pages import page_csp
from tests.browser.conftest import PHONE, screenshot

HEATING = "暖气不热"
HEATING_ARTICLE = "heating-radiator-not-warm"
UNANSWERED = "量子力学是什么"  # no article answers it, and no other line or department handles it


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
    page.get_by_label("输入问题").fill(UNANSWERED)
    expect(page.locator("#hotline")).to_be_visible()
    expect(page.locator("#hotline")).to_contain_text("请拨打 12345")
    expect(page.locator("#hotline")).to_contain_text("没有找到能确切回答")
    expect(page.locator("#search-status")).to_contain_text("没有找到")
    expect(page.locator("main")).not_to_contain_text("您是不是想问")  # issue #22: no guesses offered as the question


# ---- every question leaves with a way forward (issue #22): replies of the API's shape, stubbed in the browser

FIRE = Referral(
    kind="emergency",
    topic="火灾",
    name="119火警",
    phone="119",
    say="发生火灾请立即拨打 119，说清详细地址和起火情况，并尽快撤到安全地带。",
)
PASSPORT = Referral(
    kind="line",
    topic="出入境证件",
    name="12367出入境服务热线",
    phone="12367",
    say="护照、港澳台通行证的办理和补办由出入境管理部门负责，请拨打 12367 咨询。",
)


def a_hit(article_id: str, title: str, score: float) -> SearchHit:
    return SearchHit(
        id=article_id,
        title=title,
        category="heating",
        score=score,
        snippet=f"{title}的办理须知。",
        department="heating-company",
        department_name="供热企业",
    )


def reply_with(page: Page, result: SearchResult) -> list[str]:
    """Every search the page sends from now on gets `result` (its query the one asked); returns the queries."""
    asked: list[str] = []

    def fulfil(route: Route) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(route.request.url).query)["q"][0]
        asked.append(query)
        body = result.model_copy(update={"query": query}).model_dump_json()
        route.fulfill(status=200, content_type="application/json; charset=utf-8", body=body)

    page.route("**/api/search*", fulfil)
    return asked


def no_sideways_scroll(page: Page) -> None:
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 844})
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width, width


def test_a_doubtful_search_lists_only_the_candidates_under_a_possibly_related_heading(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    # In the server's order, even where a later one scored higher: the page never sorts them again.
    candidates = [
        a_hit("heating-radiator-bleed-air", "暖气片如何排气", 0.31),
        a_hit(HEATING_ARTICLE, "暖气不热怎么办", 0.42),
    ]
    reply_with(page, SearchResult(query="", answered=False, state="doubtful", hits=candidates))
    page.get_by_label("输入问题").fill("暖气片嗡嗡响")
    expect(page.locator("#search-status")).to_have_text("没有找到确切答案，请拨打 12345。")
    expect(page.get_by_role("heading", name="可能相关的问题")).to_be_visible()
    assert page.locator("#results a").evaluate_all("links => links.map((a) => a.dataset.id)") == [
        "heating-radiator-bleed-air",
        HEATING_ARTICLE,
    ]
    expect(page.locator("#hotline")).to_be_visible()  # the way forward when none of them is it
    expect(page.locator("#hotline").get_by_role("link", name="12345")).to_have_attribute("href", "tel:12345")
    expect(page.locator("#emergency")).to_be_hidden()
    expect(page.locator("main")).not_to_contain_text("您是不是想问")


def test_a_question_another_line_handles_names_it_and_its_number(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    reply_with(page, SearchResult(query="", answered=False, state="nothing", hits=[], referral=PASSPORT))
    page.get_by_label("输入问题").fill("护照丢了怎么补")
    way = page.locator("#hotline")
    expect(way).to_contain_text("这个问题由12367出入境服务热线办理，电话12367")
    expect(way).to_contain_text(PASSPORT.say)
    expect(way.get_by_role("link", name="12367")).to_have_attribute("href", "tel:12367")
    expect(way).not_to_contain_text("没有找到能确切回答")  # not the 12345 box: this one knows where to go
    expect(page.locator("#search-status")).to_have_text("没有找到相关问题，请拨打 12367。")
    expect(page.locator("#results li")).to_have_count(0)  # no 0 % suggestions
    expect(page.locator("#emergency")).to_be_hidden()
    screenshot(page, "faq-referral")
    no_sideways_scroll(page)


def test_a_department_without_a_registered_phone_is_reached_through_12345(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    unlisted = Referral(
        kind="department",
        topic="占道经营",
        name="城市管理局",
        phone=None,
        department="city-management",
        say="占道经营由城市管理部门处理，可通过 12345 派单转办。",
    )
    candidate = a_hit("heating-radiator-bleed-air", "暖气片如何排气", 0.12)
    reply_with(page, SearchResult(query="", answered=False, state="doubtful", hits=[candidate], referral=unlisted))
    page.get_by_label("输入问题").fill("楼下有人摆摊")
    way = page.locator("#hotline")
    expect(way).to_contain_text("这个问题由城市管理局办理，电话未登记，请拨打 12345 转办")
    expect(way.get_by_role("link", name="12345")).to_have_attribute("href", "tel:12345")
    expect(page.locator("#search-status")).to_have_text("没有找到确切答案，请拨打 12345 转办。")
    expect(page.get_by_role("heading", name="可能相关的问题")).to_be_visible()


def test_an_emergency_comes_first_with_its_number_to_call(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    reply_with(page, SearchResult(query="", answered=False, state="nothing", hits=[], referral=FIRE))
    page.get_by_label("输入问题").fill("楼道里冒烟了")
    block = page.locator("#emergency")
    expect(block).to_be_visible()
    expect(block.get_by_role("heading")).to_have_text("紧急情况：火灾")
    call = block.get_by_role("link", name="请立即拨打 119")
    expect(call).to_have_attribute("href", "tel:119")
    expect(block).to_contain_text(FIRE.say)
    expect(page.locator("#search-status")).to_have_text("紧急情况，请立即拨打 119")
    expect(page.locator("#results li")).to_have_count(0)
    expect(page.locator("#hotline")).to_be_hidden()  # one way forward, the right one
    # The number is the biggest thing on the screen, and above the fold of a phone.
    number_size = float(call.locator(".number").evaluate("n => parseFloat(getComputedStyle(n).fontSize)"))
    assert number_size >= 32
    box = call.bounding_box()
    assert box is not None and box["y"] + box["height"] < PHONE["height"]
    screenshot(page, "faq-emergency")
    no_sideways_scroll(page)


def test_an_emergency_an_article_answers_stays_above_that_article(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    gas = Referral(
        kind="emergency",
        topic="燃气泄漏",
        name="燃气抢修",
        phone="96777",
        say="闻到燃气味请立即关闭阀门、打开门窗，到室外拨打燃气抢修电话。",
    )
    leak = a_hit("gas-leak-emergency", "燃气泄漏应急处理", 0.93)
    reply_with(page, SearchResult(query="", answered=True, state="answered", hits=[leak], referral=gas))
    page.get_by_label("输入问题").fill("家里有煤气味")
    expect(page.locator("#results a")).to_have_count(1)
    expect(page.locator("#search-status")).to_have_text("紧急情况，请立即拨打 96777。找到 1 条相关问题")
    emergency_box, article_box = page.locator("#emergency").bounding_box(), page.locator("#results a").bounding_box()
    assert emergency_box and article_box and emergency_box["y"] + emergency_box["height"] <= article_box["y"]
    expect(page.get_by_role("heading", name="可能相关的问题")).to_have_count(0)  # an answer, not candidates


def test_the_next_reply_clears_what_the_last_one_showed(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    reply_with(page, SearchResult(query="", answered=False, state="nothing", hits=[], referral=FIRE))
    box = page.get_by_label("输入问题")
    box.fill("楼道里冒烟了")
    expect(page.locator("#emergency")).to_be_visible()
    page.unroute("**/api/search*")
    box.fill(HEATING)  # the live server answers this one
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#emergency")).to_be_hidden()
    expect(page.locator("#hotline")).to_be_hidden()
    expect(page.locator("#results-title")).to_have_class("sr-only")


# ---- typing Chinese: an input method composes letters into characters before there is a question


def status_texts(page: Page) -> None:
    """From now on, window.said holds every text the status line has shown, in order."""
    page.evaluate(
        """() => {
             window.said = [];
             const status = document.getElementById("search-status");
             new MutationObserver(() => window.said.push(status.textContent))
               .observe(status, { childList: true, characterData: true, subtree: true });
           }"""
    )


def test_an_input_method_searches_once_the_characters_are_chosen(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    sent = searches_sent(page)
    status_texts(page)
    page.get_by_label("输入问题").focus()
    ime = page.context.new_cdp_session(page)
    for letters in ("nuan", "nuanqi", "nuanqibu", "nuanqibure"):  # pinyin, composed as a phone's keyboard does
        ime.send(
            "Input.imeSetComposition", {"text": letters, "selectionStart": len(letters), "selectionEnd": len(letters)}
        )
        page.wait_for_timeout(120)
    page.wait_for_timeout(1800)  # a pause while composing settles nothing either
    assert sent == []
    ime.send("Input.insertText", {"text": HEATING})  # the characters chosen: compositionend
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")
    assert [params["q"] for params in sent] == [[HEATING]]
    said = page.evaluate("window.said")
    assert not [text for text in said if "没有找到" in text], said  # no "nothing found" before the reply
    assert said[-1].startswith("找到")


def test_what_came_of_a_first_character_is_not_said_of_the_whole_question(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    held: list[Route] = []  # the search for 暖 alone, answered "nothing" once the box holds the whole question
    page.route(
        "**/api/search?*",
        lambda route: held.append(route) if "q=%E6%9A%96&" in route.request.url else route.continue_(),
    )
    box = page.get_by_label("输入问题")
    with page.expect_request("**/api/search?*"):
        box.fill("暖")
    status_texts(page)
    box.fill(HEATING)  # its own search leaves 250 ms later
    nothing = SearchResult(query="暖", answered=False, state="nothing", hits=[])
    held[0].fulfill(status=200, content_type="application/json", body=nothing.model_dump_json())
    expect(page.locator("#results a").first).to_contain_text("暖气不热怎么办")
    said = page.evaluate("window.said")
    assert not [text for text in said if "没有找到" in text], said
    expect(page.locator("#hotline")).to_be_hidden()


def test_the_enter_that_chooses_the_characters_sends_nothing(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE)
    sent = searches_sent(page)
    page.get_by_label("输入问题").focus()
    ime = page.context.new_cdp_session(page)

    def enter_from_the_input_method() -> None:  # keyCode 229: the key went to the input method
        ime.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "windowsVirtualKeyCode": 229, "key": "Enter"})
        ime.send("Input.dispatchKeyEvent", {"type": "char", "text": "\r", "key": "Enter"})
        ime.send("Input.dispatchKeyEvent", {"type": "keyUp", "windowsVirtualKeyCode": 13, "key": "Enter"})

    ime.send("Input.imeSetComposition", {"text": "nuanqi", "selectionStart": 6, "selectionEnd": 6})
    enter_from_the_input_method()  # while composing (Chrome)
    page.wait_for_timeout(400)
    assert sent == []
    ime.send("Input.insertText", {"text": "暖气"})
    enter_from_the_input_method()  # just after the composition ended (Safari's order)
    expect(page.locator("#results a").first).to_be_visible()
    page.wait_for_timeout(300)
    assert [params["q"] for params in sent] == [["暖气"]]
    assert "settled" not in sent[0]  # as typed, not sent with Enter
    page.get_by_label("输入问题").press("Enter")  # a plain Enter still searches, settled
    eventually(page, lambda: len(sent) == 2)
    assert sent[1] == {"q": ["暖气"], "limit": ["8"], "settled": ["true"]}


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
    # What the server counts; it works the list out at most every 30 s, so other tests' searches may lead it.
    with urllib.request.urlopen(f"{live_server}/api/popular?limit=8", timeout=30) as reply:
        titles = [article["title"] for article in json.load(reply)["articles"]]
    assert titles, "settled searches that an article answered make the list"
    page = open_page("/", viewport=PHONE)
    expect(page.get_by_role("heading", name="热门问题")).to_be_visible()
    expect(page.locator("#popular a")).to_have_text(titles)
    page.locator("#popular a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])


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
    assert page.url == f"{live_server}/search?q={q(HEATING)}&district="  # no district chosen: the city's
    first = page.locator("#results a").first
    expect(first).to_contain_text("暖气不热怎么办")
    expect(page.locator("#results mark").first).to_be_visible()
    expect(page.locator("#hotline")).to_be_hidden()
    expect(page.locator("#search-status")).to_contain_text("找到")

    page.get_by_label("输入问题").fill(UNANSWERED)
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
    with urllib.request.urlopen(live_server + "/api/sign-in", timeout=10) as response:
        issuer = json.loads(response.read())["provider"]["issuer"]  # the pages may talk to it, and to nothing else
    for path, content_type in expected.items():
        with urllib.request.urlopen(live_server + path, timeout=10) as response:
            headers, text = response.headers, response.read().decode("utf-8")
        assert headers["Content-Type"] == content_type, path
        assert headers["Content-Security-Policy"] == page_csp(issuer) and headers["X-Content-Type-Options"] == "nosniff"
        if content_type.startswith("text/html"):
            assert re.search(r"<script(?![^>]*\bsrc=)", text) is None and " style=" not in text, path
            assert re.search(r'(href|src|action)="/', text) is None, f"{path} uses an absolute URL"
    for name in ("../app.py", "nope.js", "zhida.CSS"):
        try:
            urllib.request.urlopen(f"{live_server}/static/{name}", timeout=10)
            raise AssertionError(f"/static/{name} was served")
        except urllib.error.HTTPError as error:
            assert error.code in (403, 404), name


# What the page shows, read the same way from the live page and from the HTML the server renders without JavaScript.
SHOWN = """(root) => {
  const node = (id) => root.querySelector("#" + id);
  return {
    status: node("search-status").textContent,
    emergency: [node("emergency").hidden, node("emergency").innerHTML],
    way: [node("hotline").hidden, node("hotline").innerHTML],
    title: [node("results-title").className, node("results-title").textContent],
    hits: [...node("results").querySelectorAll("a")].map((a) => [a.dataset.id, a.innerHTML]),
  };
}"""


def test_the_page_and_the_server_rendered_page_decide_alike(open_page: Callable[..., Page]):
    """faq.js and faq.py make one decision from the reply's state, hits and referral: here for every kind of reply."""
    unlisted = Referral(
        kind="department", topic="占道经营", name="城市管理局", phone=None, say="可通过 12345 派单转办。"
    )
    marked = a_hit(HEATING_ARTICLE, "暖气不热怎么办", 0.9).model_copy(
        update={"snippet": "𠀀暖气不热<b>先排气</b>", "marks": [[1, 3], [5, 7]]}  # code points, as the server counts
    )
    other = a_hit("heating-radiator-bleed-air", "暖气片如何排气", 0.95)
    replies = [
        SearchResult(query="", answered=True, state="answered", hits=[marked, other]),
        SearchResult(query="", answered=False, state="doubtful", hits=[other, marked]),
        SearchResult(query="", answered=False, state="doubtful", hits=[other], referral=unlisted),
        SearchResult(query="", answered=False, state="nothing", hits=[]),
        SearchResult(query="", answered=False, state="nothing", hits=[], referral=PASSPORT),
        SearchResult(query="", answered=False, state="nothing", hits=[], referral=FIRE),
        SearchResult(query="", answered=True, state="answered", hits=[marked], referral=FIRE),
    ]
    page = open_page("/", viewport=PHONE)
    box = page.get_by_label("输入问题")
    for number, reply in enumerate(replies):
        page.unroute("**/api/search*")
        reply_with(page, reply)
        box.fill(f"问题{number}")
        box.press("Enter")  # settled now: no search settling it 1.5 s later reads 正在搜索… while the page is read
        expect(page.locator("#search-status")).to_have_text(faq.said(reply))
        live = page.evaluate(f"({SHOWN})(document)")
        rendered = page.evaluate(
            f"""(html) => {{
                  const template = document.createElement("template");
                  template.innerHTML = html;
                  return ({SHOWN})(template.content);
                }}""",
            pages._faq("./", reply),
        )
        assert live == rendered, reply


# ---- the live server's referrals (chalicelib/knowledge/reading.py): with and without JavaScript


def test_a_fire_shows_the_119_block_and_no_article(open_page: Callable[..., Page], live_server: str):
    for page in (
        open_page("/?q=" + q("家里着火了"), viewport=PHONE),
        open_page("/search?q=" + q("家里着火了"), viewport=PHONE, java_script_enabled=False),
    ):
        block = page.locator("#emergency")
        expect(block).to_be_visible()
        expect(block.get_by_role("link", name="请立即拨打 119")).to_have_attribute("href", "tel:119")
        expect(block.get_by_role("heading")).to_contain_text("火灾")
        expect(page.locator("#results li")).to_have_count(0)
        expect(page.locator("#hotline")).to_be_hidden()
        expect(page.locator("#search-status")).to_have_text("紧急情况，请立即拨打 119")


def test_a_lost_passport_is_referred_to_12367(open_page: Callable[..., Page], live_server: str):
    for page in (
        open_page("/?q=" + q("护照丢了去哪补办"), viewport=PHONE),
        open_page("/search?q=" + q("护照丢了去哪补办"), viewport=PHONE, java_script_enabled=False),
    ):
        way = page.locator("#hotline")
        expect(way).to_be_visible()
        expect(way).to_contain_text("办理，电话12367")
        expect(way.get_by_role("link", name="12367")).to_have_attribute("href", "tel:12367")
        expect(page.locator("#emergency")).to_be_hidden()
        expect(page.locator("#search-status")).to_contain_text("请拨打 12367")


def test_the_live_page_shows_what_the_server_rendered_page_shows(open_page: Callable[..., Page]):
    """The same decision, and the same hits in the same order, from a search the script made and one the server did."""
    for query in (HEATING, UNANSWERED, "推荐一部电影", "家里着火了", "护照丢了去哪补办"):
        scripted = open_page("/?q=" + q(query), viewport=PHONE)
        expect(scripted.locator("#search-status")).not_to_have_text(re.compile(r"^(正在搜索…)?$"))
        rendered = open_page("/search?q=" + q(query), viewport=PHONE, java_script_enabled=False)
        assert scripted.evaluate(f"({SHOWN})(document)") == rendered.evaluate(f"({SHOWN})(document)"), query
