"""The caller's district in the pages (issue 27): the agent's one key, kept for the call and cleared with Esc twice;
the citizen's choice, remembered on the phone and sent with searches, article reads, clicks and ratings (never with
a comment), and with the form without JavaScript; the click and the flag carrying the district the answer was shown
for; the report and the editor's unanswered questions by district."""

import json
import re
import urllib.request
from collections.abc import Callable
from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot, sign_out_with
from tests.browser.conftest import sign_in as sign_in_as
from tests.browser.test_agent import sign_in
from tests.browser.test_agent_screen import PARTS, SCREEN
from tests.browser.test_editor import sign_in as sign_in_editor

HEATING = "暖气不热"
RADIATOR = "heating-radiator-not-warm"


def district_of(request: Request) -> str | None:
    return parse_qs(urlparse(request.url).query).get("district", [None])[0]


def test_the_agent_sets_the_callers_district_with_one_key_and_clears_it_with_esc_twice(open_page: Callable[..., Page]):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    badge = page.locator("#district")
    expect(badge).to_contain_text("未选区")

    page.keyboard.press("F4")  # one key, then type the district's name (or its alias, or pinyin) and Enter
    expect(page.locator("#district-q")).to_be_focused()
    page.keyboard.type("河西")
    expect(page.locator("#district-options li").first).to_have_text("河西区")
    page.keyboard.press("Enter")
    expect(page.locator("#district-chooser")).to_be_hidden()
    expect(badge).to_contain_text("河西区")
    expect(page.locator("#q")).to_be_focused()

    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if "/api/search" in r.url or "/api/articles/" in r.url else None)
    page.keyboard.type(HEATING)
    expect(page.locator("#desk")).to_have_attribute("data-rendered", HEATING)
    expect(page.locator("#dispatch")).to_contain_text("河西区")
    expect(page.locator("#dispatch-scope")).to_have_text("（本区）")
    assert sent and {district_of(r) for r in sent} == {"hexi"}  # every search and the article read
    assert any(f"/api/articles/{RADIATOR}" in r.url for r in sent)
    parts = page.evaluate(PARTS)  # the badge beside the search box pushes nothing below the fold
    assert parts.pop("scrollY") == 0 and all(0 <= p["top"] and p["bottom"] <= SCREEN["height"] for p in parts.values())
    screenshot(page, "agent-district")

    page.keyboard.press("Escape")  # the first Esc clears the search; the district stays for the call
    expect(page.locator("#q")).to_have_value("")
    expect(badge).to_contain_text("河西区")
    page.keyboard.type("供热费在哪交")  # no unit of 河西区's own for it: the city's, said so
    expect(page.locator("#dispatch-scope")).to_have_text("（市级，未设本区单位）")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")  # the second, with the box empty, clears the district
    expect(badge).to_contain_text("未选区")

    page.keyboard.type("河西务镇" + HEATING)  # 河西 on the way is shown, but 河西务 is a town: nothing sticks
    expect(page.locator("#desk")).to_have_attribute("data-rendered", "河西务镇" + HEATING)
    expect(badge).to_contain_text("未选区")
    page.keyboard.press("Escape")

    sent.clear()
    page.keyboard.type("滨海新区" + HEATING)  # a district the question names is shown the same way ...
    expect(badge).to_contain_text("滨海新区")
    expect(page.locator("#dispatch")).to_contain_text("滨海")
    assert district_of(sent[0]) is None
    page.keyboard.press("Enter")  # ... and kept for the call once the search is settled (here: the answer copied)
    page.keyboard.press("Escape")
    expect(badge).to_contain_text("滨海新区")
    page.keyboard.type(HEATING)
    expect(page.locator("#desk")).to_have_attribute("data-rendered", HEATING)
    assert district_of(sent[-1]) == "binhai"
    sign_out_with(page, page.locator("#signout"))  # to the identity provider and back: the next agent starts anew
    assert page.evaluate("sessionStorage.getItem('zhida.agent.district')") is None


def test_the_citizens_district_is_remembered_and_sent_with_searches_article_reads_and_ratings_not_comments(
    open_page: Callable[..., Page],
):
    page = open_page("/", viewport=PHONE, is_mobile=True, has_touch=True)
    choice = page.get_by_label("所在区")
    expect(choice).to_be_visible()
    assert choice.locator("option").count() == 17  # 不选 and the sixteen districts
    choice.select_option(label="南开区")
    page.reload()
    expect(page.get_by_label("所在区")).to_have_value("nankai")  # remembered on the phone

    with page.expect_request(lambda r: "/api/search" in r.url and "settled" not in r.url) as searched:
        page.get_by_label("输入问题").fill(HEATING)
    assert district_of(searched.value) == "nankai"
    link = page.locator(f'#results a[data-id="{RADIATOR}"]')
    assert district_of_link(link.get_attribute("href") or "") == "nankai"
    screenshot(page, "faq-district")

    with page.expect_request(lambda r: r.url.endswith("/api/clicks")) as clicked:
        link.click()  # the article page reads the district's wording and unit
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")
    assert parse_qs(urlparse(page.url).query)["district"] == ["nankai"]
    expect(page.locator(".meta")).to_contain_text("南开区")
    assert json.loads(clicked.value.post_data or "{}")["district"] == "nankai"  # the click counts for it
    with page.expect_request(lambda r: r.url.endswith("/api/feedback")) as rated:
        page.get_by_role("button", name="有帮助", exact=True).click()
    assert json.loads(rated.value.post_data or "{}")["district"] == "nankai"  # so does the rating ...
    page.get_by_label("补充意见").fill("写得很清楚")
    with page.expect_request(lambda r: r.url.endswith("/comment")) as commented:
        page.get_by_role("button", name="提交意见").click()
    assert json.loads(commented.value.post_data or "{}") == {"comment": "写得很清楚"}  # ... never what one writes


def test_the_faq_form_sends_the_district_without_javascript_and_keeps_it(open_page: Callable[..., Page]):
    page = open_page("/", viewport=PHONE, java_script_enabled=False)
    choice = page.get_by_label("所在区")
    expect(choice).to_be_visible()  # rendered by the server from the directory
    assert choice.locator("option").count() == 17
    choice.select_option(label="南开区")
    page.get_by_label("输入问题").fill(HEATING)
    page.get_by_role("button", name="搜索").click()
    assert parse_qs(urlparse(page.url).query) == {"q": [HEATING], "district": ["nankai"]}
    expect(page.get_by_label("所在区")).to_have_value("nankai")  # kept on the results page
    link = page.locator(f'#results a[data-id="{RADIATOR}"]')
    assert district_of_link(link.get_attribute("href") or "") == "nankai"

    link.click()  # the answer for it: its wording and unit
    expect(page.get_by_role("heading", level=1)).to_have_text("暖气不热怎么办")
    expect(page.locator(".meta")).to_contain_text("南开区")
    page.get_by_role("searchbox", name="搜索问题").fill("暖气片怎么放气")  # and a search from there is for it too
    page.locator(".mini-search button").click()
    assert parse_qs(urlparse(page.url).query) == {"q": ["暖气片怎么放气"], "district": ["nankai"]}
    expect(page.get_by_label("所在区")).to_have_value("nankai")

    page.get_by_label("所在区").select_option(label="不选（全市通用）")
    page.get_by_role("button", name="搜索").click()
    assert district_of_link(page.locator("#results a").first.get_attribute("href") or "") is None


def test_results_rendered_for_a_district_follow_the_one_this_device_chose(
    open_page: Callable[..., Page], live_server: str
):
    address = f"{live_server}/search?q={quote(HEATING)}&district=nankai"  # the form, sent before the script ran
    page = open_page(address, viewport=PHONE)
    expect(page.get_by_label("所在区")).to_have_value("nankai")
    assert page.evaluate("localStorage.getItem('zhida.district')") == "nankai"  # a device that chose none takes it
    page.evaluate("localStorage.setItem('zhida.district', 'hexi')")
    with page.expect_request(lambda r: "/api/search" in r.url) as searched:
        page.goto(address)  # one that chose another has the question searched again for its own, not counted
    assert district_of(searched.value) == "hexi" and "settled" not in searched.value.url
    expect(page.get_by_label("所在区")).to_have_value("hexi")
    expect(page.locator(f'#results a[data-id="{RADIATOR}"]')).to_have_attribute("href", re.compile("district=hexi"))


def test_the_agents_click_and_flag_carry_the_district_the_answer_was_shown_for(open_page: Callable[..., Page]):
    page = open_page("/agent", viewport=SCREEN)
    sign_in(page, "agent")
    page.keyboard.type("滨海新区" + HEATING)  # no district set: the one the question names
    expect(page.locator("#desk")).to_have_attribute("data-rendered", "滨海新区" + HEATING)
    with page.expect_request(lambda r: r.url.endswith("/api/clicks")) as clicked:
        page.locator("#hits li").first.click()
    assert json.loads(clicked.value.post_data or "{}")["district"] == "binhai"
    expect(page.locator("#dispatch")).to_contain_text("滨海")
    page.get_by_label("报告答复过时或有误").fill("滨海新区的报修电话换了")
    with page.expect_request(lambda r: r.url.endswith("/flags") and r.method == "POST") as flagged:
        page.get_by_role("button", name="标记为过时").click()
    assert json.loads(flagged.value.post_data or "{}")["district"] == "binhai"
    expect(page.locator("#flag-status")).to_contain_text("已标记为过时")
    page.locator("#my-flags-summary").click()  # 我的反馈 says whose answer it was too
    expect(page.locator("#my-flags-list li").first).to_contain_text("（滨海新区的答复）：滨海新区的报修电话换了")

    # The editor of the article's department reads which district's answer the task was raised on.
    editor = open_page("/editor#/tasks", viewport=DESKTOP)
    sign_in_as(editor, "editor")
    task = editor.locator("#tasks li", has_text="滨海新区的报修电话换了")
    expect(task).to_contain_text("读的是滨海新区的答复")


def district_of_link(href: str) -> str | None:
    return parse_qs(urlparse(href).query).get("district", [None])[0]


def test_the_report_is_cut_by_the_district_chosen(open_page: Callable[..., Page]):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in_editor(page, "editor")
    page.get_by_role("button", name="报表").click()
    expect(page.locator("#report h2")).to_contain_text("周报")
    choice = page.get_by_label("区（来电人所在区）")
    expect(choice.locator("option", has_text="河西区")).to_have_count(1)
    with page.expect_request(lambda r: "/api/reports/drawn" in r.url) as asked:
        choice.select_option(label="河西区")
    assert district_of(asked.value) == "hexi"
    expect(page.locator("#report h2")).to_contain_text("河西区")


def test_the_editors_unanswered_questions_are_cut_by_the_district_chosen(
    open_page: Callable[..., Page], live_server: str
):
    for question, district in [("火星签证怎么办", "hexi"), ("土星驾照怎么考", None)]:  # nothing answers either
        given = f"&district={district}" if district else ""
        urllib.request.urlopen(f"{live_server}/api/search?settled=true{given}&q={quote(question)}", timeout=10)
    page = open_page("/editor", viewport=DESKTOP)
    sign_in_editor(page, "editor")
    page.get_by_role("button", name="未解答的问题").click()
    listed = page.locator("#unanswered li")
    expect(listed.filter(has_text="土星驾照怎么考")).to_have_count(1)  # the city's list: every district's and none
    expect(listed.filter(has_text="火星签证怎么办")).to_have_count(1)

    choice = page.locator("#unanswered-box").get_by_label("所在区")
    expect(choice.locator("option", has_text="河西区")).to_have_count(1)  # 全市 and the directory's districts
    with page.expect_request(lambda r: "/api/unanswered" in r.url) as asked:
        choice.select_option(label="河西区")
    assert district_of(asked.value) == "hexi"
    expect(listed.filter(has_text="土星驾照怎么考")).to_have_count(0)
    expect(listed.filter(has_text="火星签证怎么办")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"#/unanswered\?district=hexi$"))  # the choice is part of the address
    page.reload()  # and a reload (or a link sent) opens the same district's list, named once the districts come
    expect(choice).to_have_value("hexi")
    expect(choice.locator("option:checked")).to_have_text("河西区")
    expect(listed.filter(has_text="火星签证怎么办")).to_have_count(1)
    expect(listed.filter(has_text="土星驾照怎么考")).to_have_count(0)
    expect(choice.locator('option[value="hexi"]')).to_have_count(1)
    choice.select_option(label="南开区")
    expect(listed.filter(has_text="火星签证怎么办")).to_have_count(0)
    choice.select_option(label="全市")
    expect(listed.filter(has_text="土星驾照怎么考")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"#/unanswered$"))
