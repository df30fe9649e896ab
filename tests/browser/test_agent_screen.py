"""The agent console tells only what is true, on one screen: the answer when there is one, candidates marked as
such, a way forward (an emergency line above all), the directory's phone for 派单, and input methods respected."""

import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import FloatRect, Locator, Page, Request, Route, expect

from chalicelib.knowledge.models.reading import Referral, SearchHit, SearchResult, SearchState
from tests.browser.conftest import call_api, screenshot
from tests.browser.test_agent import sign_in

SCREEN = {"width": 1366, "height": 657}  # a 1366x768 laptop less the browser's own bars

# Where the three parts an agent works from are on screen, and how far the page is scrolled.
PARTS = """() => {
  const box = (selector) => {
    const rect = document.querySelector(selector).getBoundingClientRect();
    return { top: rect.top, bottom: rect.bottom, height: rect.height };
  };
  return { answer: box("#answer"), tell: box("#tell"), dispatch: box("#dispatch"), scrollY: window.scrollY };
}"""


def box(locator: Locator) -> FloatRect:
    rect = locator.bounding_box()
    assert rect, f"{locator} is not on screen"
    return rect


def open_article(page: Page, article_id: str, title: str) -> None:
    """Searches the article's title and, unless it is the answer on screen already, opens its row."""
    page.locator("#q").fill(title)
    expect(page.locator("#desk")).to_have_attribute("data-rendered", title)
    row = page.locator(f'#hits [data-id="{article_id}"]')
    if row.get_attribute("aria-selected") != "true":
        row.click()
    expect(page.locator("#detail-title")).to_have_text(title)
    expect(row).to_have_attribute("aria-selected", "true")


def test_every_articles_answer_checklist_and_dispatch_fit_on_one_screen(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    listed, _ = call_api(f"{live_server}/api/articles", demo_keys["agent"])
    articles = listed["articles"]
    assert len(articles) >= 40, len(articles)
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    misfits = []
    folded = []  # the articles whose 一次性告知 had to fold
    lowest = 0.0
    for article in articles:
        open_article(page, article["id"], article["title"])
        if page.locator("#unfold").is_visible():
            folded.append(article)
        parts = page.evaluate(PARTS)
        scrolled = parts.pop("scrollY")
        lowest = max(lowest, *(box["bottom"] for box in parts.values()))
        outside = [name for name, box in parts.items() if box["top"] < 0 or box["bottom"] > SCREEN["height"]]
        if outside or scrolled or not all(box["height"] for box in parts.values()):
            misfits.append((article["id"], outside, scrolled, parts))
    print(
        f"\n{len(articles)} articles at 1366x657: the lowest of the three parts ends at {lowest:.0f} px; "
        f"{len(folded)} 一次性告知 lists folded"
    )
    assert not misfits, misfits

    # One key unfolds the whole 一次性告知 list, and folds it again.
    assert folded
    checklist = page.locator("#checklist")
    unfold = page.locator("#unfold")
    open_article(page, folded[0]["id"], folded[0]["title"])
    expect(unfold).to_have_text("展开全部（快捷键 F2）")
    height = box(checklist)["height"]
    page.keyboard.press("F2")
    expect(unfold).to_have_attribute("aria-expanded", "true")
    assert box(checklist)["height"] > height
    expect(page.locator("#q")).to_be_focused()  # the agent types on where they were
    page.keyboard.press("F2")
    expect(unfold).to_have_attribute("aria-expanded", "false")
    assert box(checklist)["height"] == height

    open_article(page, "heating-radiator-not-warm", "暖气不热怎么办")
    screenshot(page, "agent-console")


# ---- the three states and the referrals, from contract-shaped replies (the models the server answers with)


def hit(live_server: str, key: str, article_id: str, score: float) -> SearchHit:
    """A hit for a real article, so that the console can open it from the live server."""
    article, _ = call_api(f"{live_server}/api/articles/{article_id}", key)
    return SearchHit(
        id=article_id,
        title=article["title"],
        category=article["category"],
        score=score,
        snippet=article["title"],
        department=article["department"],
        department_name=article["department_name"],
        dispatch_phone=(article["dispatch"] or {}).get("phone"),
    )


def reply(state: SearchState, hits: Sequence[SearchHit] = (), referral: Referral | None = None) -> SearchResult:
    return SearchResult(query="", answered=state == "answered", state=state, hits=list(hits), referral=referral)


def answer_searches(page: Page, result: SearchResult) -> None:
    """Every search from now on is answered with `result`, for the query asked."""

    def fulfil(route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)["q"][0]
        route.fulfill(json=result.model_copy(update={"query": query}).model_dump(mode="json"))

    page.unroute("**/api/search?*")
    page.route("**/api/search?*", fulfil)


def hold_searches(page: Page) -> list[Route]:
    """Every search from now on is held unanswered; the routes, to answer them when the test says."""
    held: list[Route] = []
    page.unroute("**/api/search?*")
    page.route("**/api/search?*", lambda route: held.append(route))
    return held


def until(page: Page, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "waited 10 s"
        page.wait_for_timeout(50)


def ask(page: Page, query: str) -> None:
    page.locator("#q").fill(query)
    expect(page.locator("#desk")).to_have_attribute("data-rendered", query)


FIRE = Referral(kind="emergency", topic="火灾", name="119火警", phone="119", say="请立即拨打119报警，说清地址和火情。")


def test_a_doubtful_search_lists_candidates_and_shows_no_answer_until_the_agent_opens_one(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    key = demo_keys["agent"]
    candidates = [hit(live_server, key, "heating-fee-payment", 0.31), hit(live_server, key, "si-card-apply", 0.28)]
    page = open_page("/agent", viewport=SCREEN, permissions=["clipboard-read", "clipboard-write"])
    answer_searches(page, reply("doubtful", candidates))
    sign_in(page, "agent")
    ask(page, "交钱的事")
    expect(page.locator("#verdict")).to_contain_text("未找到确切答案")
    expect(page.locator("#hits-title")).to_have_text("可能相关（未确认）")
    rows = page.locator("#hits [role=option]")
    assert rows.locator("strong").all_inner_texts() == [c.title for c in candidates]
    expect(page.locator("#hits [aria-selected=true]")).to_have_count(0)
    for part in ("#detail", "#answer", "#copy", "#dispatch"):
        expect(page.locator(part)).to_be_hidden()  # no read-aloud answer, no copy button, no 派单 line

    with page.expect_request(lambda r: "settled=true" in r.url):
        page.keyboard.press("Enter")  # nothing chosen: Enter only settles the search, it opens nothing
    expect(page.locator("#detail")).to_be_hidden()

    page.keyboard.press("ArrowDown")  # on purpose: the agent's own choice, marked as such
    expect(rows.first).to_have_attribute("aria-selected", "true")
    expect(page.locator("#detail-title")).to_have_text(candidates[0].title)
    expect(page.locator("#own-choice")).to_have_text("话务员自选，系统未确认：请与来电人核实")
    expect(page.locator("#verdict")).to_be_hidden()
    expect(page.locator("#copy")).to_be_visible()
    expect(page.locator("#dispatch")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#detail-title")).to_have_text(candidates[1].title)
    page.keyboard.press("Enter")  # on screen now: Enter copies its answer
    expect(page.locator("#copy-status")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#answer").inner_text()
    rows.first.click()
    expect(page.locator("#detail-title")).to_have_text(candidates[0].title)
    expect(page.locator("#own-choice")).to_be_visible()


def test_a_search_nothing_answers_says_the_way_forward(open_page: Callable[..., Page], demo_keys: dict[str, str]):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    referral, verdict = page.locator("#referral"), page.locator("#verdict")

    answer_searches(page, reply("nothing"))
    ask(page, "无关的话")
    expect(verdict).to_have_text("未找到答案：请按话务规范记录诉求并转办。")
    expect(referral).to_be_hidden()
    expect(page.locator("#hits")).to_be_hidden()
    expect(page.locator("#detail")).to_be_hidden()

    say = "护照、港澳通行证的补办由出入境管理部门受理，请拨打12367。"
    answer_searches(
        page,
        reply(
            "nothing", referral=Referral(kind="line", topic="出入境证件", name="出入境管理部门", phone="12367", say=say)
        ),
    )
    ask(page, "护照丢了")
    expect(page.locator("#referral-action")).to_have_text("转 12367 出入境管理部门")
    expect(page.locator("#referral-say")).to_have_text(say)
    expect(verdict).to_be_hidden()

    for phone, line in (("8002", "派单 区市场监督管理局 · 电话 8002"), (None, "派单 区市场监督管理局 · 电话未登记")):
        department = Referral(
            kind="department",
            topic="市场监管",
            name="区市场监督管理局",
            phone=phone,
            department="district-amr",
            say="我们会派单给区市场监督管理局处理。",
        )
        answer_searches(page, reply("nothing", referral=department))
        ask(page, f"商铺的事 {phone}")
        expect(page.locator("#referral-action")).to_have_text(line)
        expect(page.locator("#referral-say")).to_have_text(department.say)


def test_an_emergency_line_comes_first_in_big_type_above_any_article(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    banner = page.locator("#referral")
    answer_searches(page, reply("nothing", referral=FIRE))
    ask(page, "着火")
    expect(page.locator("#referral-action")).to_have_text("立即转 119")
    expect(page.locator("#referral-topic")).to_have_text("火灾 · 119火警")
    expect(page.locator("#referral-say")).to_have_text(FIRE.say)
    assert page.locator("#referral-action").evaluate("node => parseFloat(getComputedStyle(node).fontSize)") >= 32
    expect(page.locator("#hits")).to_be_hidden()
    expect(page.locator("#detail")).to_be_hidden()
    expect(page.locator("#verdict")).to_be_hidden()

    # An article that answers the emergency itself comes below the line, never above it.
    gas = Referral(kind="emergency", topic="燃气泄漏", name="燃气抢修", phone="96777", say="请立即离开并拨打96777。")
    answer_searches(page, reply("answered", [hit(live_server, demo_keys["agent"], "gas-leak-emergency", 0.9)], gas))
    ask(page, "煤气味很大")
    expect(page.locator("#detail-title")).to_be_visible()
    expect(page.locator("#referral-action")).to_have_text("立即转 96777")
    below = box(banner)["y"] + box(banner)["height"]
    assert below <= box(page.locator("#hits"))["y"] and below <= box(page.locator("#detail"))["y"]


def test_a_reply_to_an_older_query_never_shows(open_page: Callable[..., Page], demo_keys: dict[str, str]):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    held = hold_searches(page)
    page.locator("#q").fill("着火")
    page.locator("#q").fill("暖气不热")
    until(page, lambda: len(held) == 2)
    older, newer = held
    newer.continue_()
    expect(page.locator("#desk")).to_have_attribute("data-rendered", "暖气不热")
    older.fulfill(json=reply("nothing", referral=FIRE).model_copy(update={"query": "着火"}).model_dump(mode="json"))
    page.wait_for_timeout(300)
    expect(page.locator("#referral")).to_be_hidden()  # the older query's emergency line: dropped
    expect(page.locator("#detail-title")).to_have_text("暖气不热怎么办")


def test_nothing_found_is_never_said_before_the_reply_to_that_query(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    answer_searches(page, reply("nothing"))
    ask(page, "暖")
    expect(page.locator("#verdict")).to_contain_text("未找到答案")
    held = hold_searches(page)
    page.keyboard.type("气")
    expect(page.locator("#search-status")).to_have_text("正在搜索…")
    expect(page.locator("#verdict")).to_be_hidden()  # the older query's "未找到答案" went with it
    until(page, lambda: len(held) == 1)
    held[0].continue_()
    expect(page.locator("#desk")).to_have_attribute("data-rendered", "暖气")
    expect(page.locator("#search-status")).not_to_have_text("正在搜索…")


# ---- the live server's own replies


def test_the_console_shows_each_state_as_the_live_server_gives_it(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    rows = page.locator("#hits [role=option]")
    states = set()
    for query in ("暖气不热", "养老", "房子", "asdfgh"):
        result, _ = call_api(f"{live_server}/api/search?q={quote(query)}&limit=8", demo_keys["agent"])
        states.add(result["state"])
        ask(page, query)
        expect(page.locator("#desk")).to_have_attribute("data-state", result["state"])
        assert [row.get_attribute("data-id") for row in rows.all()] == [h["id"] for h in result["hits"]]
        if result["state"] == "answered":
            expect(page.locator("#detail-title")).to_have_text(result["hits"][0]["title"])
            expect(page.locator("#own-choice")).to_be_hidden()
            expect(page.locator("#copy")).to_be_visible()
        else:
            expect(page.locator("#detail")).to_be_hidden()
            expect(page.locator("#hits [aria-selected=true]")).to_have_count(0)
            expect(page.locator("#verdict:visible, #referral:visible")).not_to_have_count(0)  # a way forward
        if result["state"] == "doubtful":
            expect(page.locator("#verdict")).to_contain_text("未找到确切答案")
    assert states == {"answered", "doubtful", "nothing"}, f"the queries no longer cover every state: {states}"


def test_an_emergency_from_the_live_server_comes_first_with_no_article(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    for query, line in (("家里着火了", "119"), ("老人摔倒了头上流血", "120")):
        ask(page, query)
        expect(page.locator("#referral")).to_have_attribute("data-kind", "emergency")
        expect(page.locator("#referral-action")).to_have_text(f"立即转 {line}")
        expect(page.locator("#referral-say")).to_contain_text(line)
        expect(page.locator("#hits")).to_be_hidden()
        expect(page.locator("#detail")).to_be_hidden()
    ask(page, "护照丢了去哪补办")  # another hotline: transfer the caller
    expect(page.locator("#referral")).to_have_attribute("data-kind", "line")
    expect(page.locator("#referral-action")).to_contain_text("转 12367")
    expect(page.locator("#detail")).to_be_hidden()


# ---- input methods: the pinyin being composed is not a query

COMPOSE = """([letters, committed]) => {
  const box = document.querySelector("#q");
  const composed = (text) => {
    box.value = text;
    box.dispatchEvent(new InputEvent("input", { bubbles: true, isComposing: true, data: text }));
  };
  box.dispatchEvent(new CompositionEvent("compositionstart", { data: "" }));
  letters.forEach(composed);
  // Enter picks the input method's candidate and Esc cancels it: neither is the console's.
  for (const key of ["Enter", "Escape"]) {
    box.dispatchEvent(new KeyboardEvent("keydown", { key, keyCode: 229, isComposing: true, bubbles: true }));
  }
  window.__commit = () => {
    composed(committed);
    box.dispatchEvent(new CompositionEvent("compositionend", { data: committed }));
    // Some browsers (Safari) send one more, plain input after compositionend: it must not search again.
    box.dispatchEvent(new InputEvent("input", { bubbles: true, data: committed }));
  };
}"""


def searches_sent(page: Page) -> list[str]:
    sent: list[str] = []

    def record(request: Request) -> None:
        if "/api/search?" in request.url:
            sent.append(parse_qs(urlparse(request.url).query)["q"][0])

    page.on("request", record)
    return sent


def test_an_input_method_searches_once_its_characters_are_committed(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    sent = searches_sent(page)
    page.evaluate(COMPOSE, [["n", "nu", "nua", "nuan", "nuan q"], "暖气"])
    page.wait_for_timeout(400)
    assert sent == []
    expect(page.locator("#q")).to_have_value("nuan q")  # Esc during composition did not clear the box
    expect(page.locator("#search-status")).to_have_text("")  # and no "nothing found" for the letters
    expect(page.locator("#verdict")).to_be_hidden()
    page.evaluate("window.__commit()")
    expect(page.locator("#desk")).to_have_attribute("data-rendered", "暖气")
    page.wait_for_timeout(300)
    assert sent == ["暖气"]


def test_a_real_input_method_composition_searches_the_committed_characters_only(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    """Chromium's own composition (as an input method drives it), through the DevTools protocol."""
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    sent = searches_sent(page)
    devtools: Any = page.context.new_cdp_session(page)
    for letters in ("n", "nu", "nua", "nuan", "nuanqi"):
        devtools.send(
            "Input.imeSetComposition", {"text": letters, "selectionStart": len(letters), "selectionEnd": len(letters)}
        )
    page.wait_for_timeout(400)
    assert sent == []
    devtools.send("Input.insertText", {"text": "暖气"})
    expect(page.locator("#desk")).to_have_attribute("data-rendered", "暖气")
    expect(page.locator("#detail")).to_be_visible()
    assert sent == ["暖气"]


# ---- 派单 from the directory only


def test_dispatch_takes_the_directorys_phone_and_shows_the_articles_own_as_consultation(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    article, _ = call_api(f"{live_server}/api/articles/si-resident-medical-insurance", demo_keys["agent"])
    to = article["dispatch"]
    assert to["phone"] and article["phone"] and to["phone"] != article["phone"], article  # the case that tells
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    open_article(page, article["id"], article["title"])
    expect(page.locator("#dispatch")).to_contain_text(f"派单：{to['name']} · 电话 {to['phone']}")
    expect(page.locator("#phone")).to_have_text(to["phone"])
    expect(page.locator("#consult")).to_contain_text(f"咨询电话 {article['phone']}")
