"""Every view of the editor console has an address (static/places.js): reload and Back keep the place, and a link
sent to someone else opens the same view for them, after they sign in, or says why it cannot."""

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, call_api, sign_in_through_provider, step_as_read
from tests.browser.test_editor import settled, sign_in
from tests.conftest import article_text

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def two_versions(live_server: str, keys: dict[str, str], article: str, title: str, *, publish: bool = False) -> None:
    """An article of the editor's department with two versions, the second waiting for review (the first
    published, if asked: agents may flag it then)."""
    url = f"{live_server}/api/articles"
    text = article_text(article, title=title, department="heating-company")
    _, etag = call_api(url, keys["editor"], "POST", {"markdown": text, "message": "第一版"})
    if publish:
        call_api(f"{url}/{article}/submit", keys["editor"], "POST", {})
        step_as_read(f"{url}/{article}", keys["reviewer"], "approve")
        _, etag = step_as_read(f"{url}/{article}", keys["reviewer"], "publish")
    call_api(f"{url}/{article}/draft", keys["editor"], "PUT", {"markdown": text.replace("楼号", "楼号、单元号")}, etag)
    call_api(f"{url}/{article}/submit", keys["editor"], "POST", {})


def at(page: Page, hash_: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(hash_) + "$"))


def back(page: Page, steps: int = -1) -> None:
    """Back (Forward for 1) as the page takes it, without waiting for a load that a move within the page never
    makes: each move below stays in one document (a reload starts a new one, so it comes after the moves)."""
    page.evaluate("steps => history.go(steps)", steps)


def test_every_view_has_an_address_that_reload_and_back_keep(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    article = "heating-places-page-test"
    two_versions(live_server, demo_keys, article, "暖气片哪天开始热", publish=True)
    call_api(f"{live_server}/api/articles/{article}/flags", demo_keys["agent"], "POST", {"comment": "开栓日期改了"})
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    meta = page.locator("#doc-meta")

    # The worklist's filter refines its address; an article, its diff and a version are views of their own.
    page.get_by_label("状态").select_option("in_review")
    at(page, "/editor#/worklist?state=in_review")
    page.locator(f'#worklist button[data-id="{article}"]').click()
    at(page, f"#/article/{article}?state=in_review")
    expect(meta).to_contain_text(article)
    settled(page)
    versions = page.locator("#versions tr")
    versions.nth(1).get_by_role("button", name="与当前比较").click()
    at(page, f"#/article/{article}/diff/1..2?state=in_review")
    expect(page.locator("#diff ins")).to_have_text(["、单元号"])
    versions.nth(1).get_by_role("button", name="查看").click()
    at(page, f"#/article/{article}/versions/1?state=in_review")
    expect(page.locator("#diff-title")).to_contain_text("版本 1 全文")
    expect(page.locator("#diff pre")).to_contain_text("报修时说明楼号和门牌号")

    # Back: the diff, the article alone, the filtered worklist with no article; Forward: the article again.
    back(page)
    expect(page.locator("#diff ins")).to_have_text(["、单元号"])
    back(page)
    at(page, f"#/article/{article}?state=in_review")
    expect(page.locator("#diff")).to_be_hidden()
    back(page)
    at(page, "#/worklist?state=in_review")
    expect(page.locator("#work")).to_be_hidden()
    back(page, 1)
    expect(meta).to_contain_text(article)

    # Unsaved text: Back asks first, and staying keeps the text and the address.
    body = page.locator("#body")
    text = body.input_value()
    body.fill(text + "\n未保存的一句。")
    page.once("dialog", lambda dialog: dialog.dismiss())
    back(page)
    expect(body).to_have_value(text + "\n未保存的一句。")
    at(page, f"#/article/{article}?state=in_review")
    body.fill(text)  # nothing unsaved any more

    # Reload keeps each of them (a reload is a new document: the moves come first, see back()).
    page.reload()
    expect(meta).to_contain_text(article)
    expect(page.get_by_label("状态")).to_have_value("in_review")
    back(page, 1)
    at(page, f"#/article/{article}/diff/1..2?state=in_review")
    page.reload()
    expect(page.locator("#diff ins")).to_have_text(["、单元号"])
    back(page, 1)
    at(page, f"#/article/{article}/versions/1?state=in_review")
    page.reload()
    expect(page.locator("#diff pre")).to_contain_text("报修时说明楼号和门牌号")
    page.get_by_role("button", name="待办任务").click()  # beside the article: the same view, its list noted
    at(page, f"#/article/{article}/versions/1?list=tasks")

    # A task: the list, the task marked and its article beside it. A report: its period refines the address.
    task = page.locator("#tasks li", has_text="开栓日期改了")
    task.get_by_role("link", name="打开文章").click()
    expect(page).to_have_url(re.compile(r"#/tasks/\w+$"))
    task_address = page.url
    page.get_by_role("button", name="报表").click()
    at(page, f"#/report/week/{TODAY}")
    page.get_by_label("周期").select_option("day")
    at(page, f"#/report/day/{TODAY}")
    back(page)
    expect(page).to_have_url(task_address)
    expect(page.locator('#tasks li[aria-current="true"]')).to_contain_text("开栓日期改了")
    expect(meta).to_contain_text(article)
    page.reload()
    expect(page.locator('#tasks li[aria-current="true"]')).to_contain_text("开栓日期改了")
    expect(meta).to_contain_text(article)
    back(page, 1)
    at(page, f"#/report/day/{TODAY}")
    page.reload()
    expect(page.get_by_label("周期")).to_have_value("day")
    expect(page.locator("#report h2")).to_contain_text("日报")

    # A directory entry, followed as a link; the questions nothing answered.
    page.goto(f"{live_server}/editor#/directory/heating-company-office")
    entry = page.locator('#directory tr[data-code="heating-company-office"]')
    expect(entry).to_have_attribute("aria-current", "true")
    page.get_by_role("button", name="未解答的问题").click()
    at(page, "#/unanswered")
    back(page)
    expect(entry).to_have_attribute("aria-current", "true")
    page.reload()
    expect(entry).to_have_attribute("aria-current", "true")
    expect(entry).to_be_in_viewport()
    back(page, 1)
    at(page, "#/unanswered")
    page.reload()
    expect(page.locator("#unanswered-box")).to_be_visible()


def test_a_link_sent_opens_the_same_view_for_another_person_or_says_why_not(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    article = "heating-link-page-test"
    two_versions(live_server, demo_keys, article, "暖气费能不能分期交")
    editor = open_page("/editor", viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    sign_in(editor, "editor")
    editor.locator(f'#worklist button[data-id="{article}"]').click()
    editor.locator("#copy-review-link").click()
    link = f"{live_server}/editor#/article/{article}/review"
    expect(editor.locator("#action-status")).to_have_text(f"已复制链接：{link}")
    assert editor.evaluate("navigator.clipboard.readText()") == link

    # The reviewer, signed out, opens it: signed in through the provider, they land on the review.
    reviewer = open_page(link, viewport=DESKTOP)
    expect(reviewer.locator("#place-wanted")).to_have_text(f"登录后将打开：文章 {article} 的审核")
    sign_in_through_provider(reviewer, "reviewer")
    assert reviewer.url == link
    expect(reviewer.locator("#changes-box")).to_be_in_viewport()
    expect(reviewer.locator("#changes ins")).to_have_text(["、单元号"])
    expect(reviewer.get_by_role("button", name="通过", exact=True)).to_be_enabled()

    # An agent cannot open the editor console: the page says so, and what to do instead.
    agent = open_page(link, viewport=DESKTOP)
    sign_in_through_provider(agent, "agent")
    expect(agent.locator("#place-wanted")).to_contain_text("编辑台只对编辑、审核员和管理员开放，您登录的身份是话务员")
    expect(agent.locator("#place-wanted")).to_contain_text("请把链接转给这篇文章承办单位的编辑或审核员")

    # An editor of another department: whose article it is, and whom to ask.
    editor.goto(f"{live_server}/editor#/article/bus-route-query")
    expect(editor.locator("#place-note")).to_have_text(
        re.compile(r"^这篇文章（“怎样查公交线路和换乘”）属于.*公交.*您所属的单位无权查看")
    )
    expect(editor.locator("#work")).to_be_hidden()
