"""The editor console on a laptop's screen: the action bar stays in view in every state of an article, and the
frequent steps have keys."""

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import call_api, screenshot, step_as_read, token_of
from tests.browser.test_editor import open_article, sign_in
from tests.conftest import article_text

LAPTOP = {"width": 1366, "height": 657}

# Every control of the action bar on screen, as [name, left, top, right, bottom] in the viewport.
BAR_CONTROLS = """() => [...document.querySelectorAll('#action-bar button, #action-bar input')]
  .filter((node) => node.checkVisibility())
  .map((node) => { const r = node.getBoundingClientRect(); return [node.id, r.left, r.top, r.right, r.bottom]; })"""


def assert_bar_in_view(page: Page) -> None:
    """At the top of the article and scrolled to its end (history, audit trail), every action is on the screen."""
    for scroll in ("0", "document.documentElement.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        controls = page.evaluate(BAR_CONTROLS)
        assert controls
        outside = [c for c in controls if c[1] < 0 or c[2] < 0 or c[3] > LAPTOP["width"] or c[4] > LAPTOP["height"]]
        assert not outside, (scroll, outside)
    assert page.evaluate("window.scrollY") > 300  # the article is longer than the screen: the bar did stay


def test_the_action_bar_shows_what_applies_now_and_stays_in_view_in_every_state(
    open_page: Callable[..., Page], live_server: str
):
    page = open_page("/editor", viewport=LAPTOP)
    editor, reviewer = token_of(page, "editor"), token_of(page, "reviewer")
    article = "heating-action-bar-page-test"
    url = f"{live_server}/api/articles/{article}"
    text = article_text(article, title="暖气片能不能包起来", department="heating-company")
    call_api(f"{live_server}/api/articles", editor, "POST", {"markdown": text})
    sign_in(page, "reviewer")
    open_article(page, article)
    state = page.locator("#doc-state")

    def button(name: str) -> Locator:
        return page.get_by_role("button", name=name, exact=True)

    expect(state).to_have_text("草稿")
    expect(button("提交审核")).to_be_enabled()
    for name in ("通过", "退回", "立即发布"):
        expect(button(name)).to_have_count(0)  # not before it is submitted
    assert_bar_in_view(page)

    call_api(f"{url}/submit", editor, "POST", {})
    page.reload()  # the address keeps the article
    expect(state).to_have_text("待审核")
    expect(button("通过")).to_be_enabled()
    expect(button("退回")).to_be_enabled()
    expect(button("提交审核")).to_have_count(0)
    assert_bar_in_view(page)
    screenshot(page, "editor-review")

    step_as_read(url, reviewer, "approve")
    page.reload()
    expect(state).to_have_text("已通过")
    expect(button("立即发布")).to_be_enabled()
    expect(button("定时发布")).to_be_enabled()
    expect(button("通过")).to_have_count(0)
    assert_bar_in_view(page)

    step_as_read(url, reviewer, "publish")
    page.reload()
    expect(state).to_have_text("已发布")
    expect(button("申请下线")).to_be_enabled()
    for name in ("退回", "立即发布", "提交审核"):
        expect(button(name)).to_have_count(0)
    assert_bar_in_view(page)

    step_as_read(url, editor, "archive", {"comment": "这类问题改由物业答复"})
    page.reload()
    expect(state).to_have_text("待确认下线")
    expect(button("确认下线")).to_be_enabled()
    expect(button("申请下线")).to_have_count(0)
    assert_bar_in_view(page)


def test_the_next_article_save_submit_and_approve_have_keys(open_page: Callable[..., Page], live_server: str):
    page = open_page("/editor", viewport=LAPTOP)
    article = "heating-keys-page-test"
    text = article_text(article, title="暖气片上能不能晾衣服", department="heating-company")
    call_api(f"{live_server}/api/articles", token_of(page, "editor"), "POST", {"markdown": text})
    sign_in(page, "editor")
    help_ = page.locator("#keys-help")
    help_.locator("summary").click()
    for key in ("Alt+N", "Ctrl+S", "Ctrl+Enter", "Ctrl+Shift+Enter"):
        expect(help_.locator("kbd", has_text=key).first).to_be_visible()
    meta, status = page.locator("#doc-meta"), page.locator("#action-status")
    listed = page.locator("#worklist button[data-id]")
    expect(listed.first).to_have_attribute("data-id", article)  # the last changed comes first

    page.keyboard.press("Alt+N")  # nothing open: the first of the list
    expect(meta).to_contain_text(article)
    body = page.locator("#body")
    body.fill(body.input_value().replace("报修时说明楼号和门牌号。", "报修时说明楼号、单元和门牌号。"))
    page.keyboard.press("Control+S")
    expect(status).to_have_text("保存成功：草稿")
    page.keyboard.press("Control+Enter")
    expect(status).to_have_text("提交审核成功：待审核")
    page.keyboard.press("Control+Enter")  # said, not done again
    expect(status).to_have_text("现在不能提交审核")
    second = listed.nth(1).get_attribute("data-id")
    page.keyboard.press("Alt+N")
    expect(meta).to_contain_text(f"{second} ")

    reviewer = open_page("/editor", viewport=LAPTOP)
    sign_in(reviewer, "reviewer")
    reviewer.keyboard.press("Alt+N")
    expect(reviewer.locator("#doc-meta")).to_contain_text(article)
    reviewer.keyboard.press("Control+Shift+Enter")
    expect(reviewer.locator("#action-status")).to_have_text("审核通过成功：已通过")
    assert call_api(f"{live_server}/api/articles/{article}/draft", token_of(page, "editor"))[0]["state"] == "approved"
