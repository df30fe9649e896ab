"""The editor console against the editorial workflow: edit, lint at the line, review, publish, history, tasks."""

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable

from playwright.sync_api import Locator, Page, Route, expect

from tests.browser.conftest import DESKTOP, screenshot, sign_out_with
from tests.browser.conftest import sign_in as sign_in_as
from tests.browser.test_agent import sign_in as sign_in_agent
from tests.conftest import article_text

OLD = "以免损坏漏水。"
NEW = "以免损坏阀门造成漏水。"


def sign_in(page: Page, role: str) -> None:
    sign_in_as(page, role)
    expect(page.locator("#worklist-status")).to_contain_text("篇")


def open_article(page: Page, article_id: str) -> None:
    page.locator(f'#worklist button[data-id="{article_id}"]').click()
    expect(page.locator("#doc-meta")).to_contain_text(article_id)
    expect(page.locator("#problems")).not_to_be_empty()  # the first preview has come back
    settled(page)


def settled(page: Page) -> None:
    """Waits until the parts of the article that arrive on their own (the change under review, ratings, history,
    audit) are in: each grows the page, and a click aimed at a row below one still growing lands on another row."""
    expect(page.locator('#work [aria-busy="true"]')).to_have_count(0)


def source(page: Page) -> Locator:
    """The whole Markdown source, behind the 源文件 button (the form is shown first)."""
    page.get_by_role("button", name="源文件").click()
    return page.locator("#markdown")


def sign_out(page: Page) -> None:
    sign_out_with(page, page.get_by_role("button", name="退出"))  # the provider's session ends as well
    expect(page.get_by_role("button", name="通过统一身份认证登录")).to_be_focused()


def test_an_editors_change_is_reviewed_published_and_read_out_by_agents(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, "heating-radiator-not-warm")
    expect(page.locator("#preview")).to_contain_text("暖气不热可以先做三步自查")
    expect(page.get_by_label("标题")).to_have_value("暖气不热怎么办")
    screenshot(page, "editor")
    markdown = source(page)
    original = markdown.input_value()
    assert OLD in original

    # A 标准答复 that is too short is shown at its line; the draft is saved all the same, but cannot go to review.
    answer = re.search(r"## 标准答复\n\n(.+)\n", original)
    assert answer
    markdown.fill(original.replace(answer.group(1), "您好，请拨打12345。"))
    problem = page.locator("#problems button").first
    expect(problem).to_contain_text("标准答复")
    line = problem.get_attribute("data-line")
    expect(page.locator("#gutter span.bad")).to_contain_text([line])
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#action-status")).to_have_text("保存成功：草稿（还有 1 个问题）")
    expect(page.get_by_role("button", name="提交审核", exact=True)).to_be_disabled()

    markdown.fill(original.replace(OLD, NEW))
    expect(page.locator("#preview")).to_contain_text(NEW)
    expect(page.locator("#problems")).to_have_text("没有发现问题")
    page.get_by_label("修改说明").fill("阀门提示写得更清楚")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#action-status")).to_have_text("保存成功：草稿")
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator("#action-status")).to_have_text("提交审核成功：待审核")
    expect(page.get_by_role("button", name="通过", exact=True)).to_have_count(0)  # an editor never approves
    settled(page)
    expect(page.locator("#changes ins")).to_have_text(["阀门造成"])  # what goes to review, above the history

    # History: the first version against the new one shows exactly the change, word by word.
    rows = page.locator("#versions tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("阀门提示写得更清楚")
    rows.nth(2).get_by_role("button", name="与当前比较").click()
    expect(page.locator("#diff tbody tr")).to_have_count(1)
    expect(page.locator("#diff ins")).to_have_text(["阀门造成"])
    expect(page.locator("#diff del")).to_have_count(0)

    sign_out(page)
    sign_in(page, "reviewer")
    open_article(page, "heating-radiator-not-warm")
    expect(page.locator("#doc-meta")).to_contain_text("待审核")
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator("#action-status")).to_have_text("审核通过成功：已通过")
    page.get_by_role("button", name="立即发布", exact=True).click()
    expect(page.locator("#action-status")).to_have_text("发布成功：已发布")
    # Who did what: the audit trail, newest first.
    audit = page.locator("#audit tr")
    expect(audit.first).to_contain_text("发布")
    expect(audit.first).to_contain_text("演示审核员")
    expect(audit.nth(2)).to_contain_text("提交审核")
    expect(audit.nth(2)).to_contain_text("演示编辑")

    agent = open_page("/agent", viewport=DESKTOP)
    sign_in_agent(agent, "agent")
    agent.keyboard.type("暖气不热")
    expect(agent.locator("#detail-title")).to_have_text("暖气不热怎么办")
    expect(agent.locator("#answer")).to_contain_text(NEW)

    citizen = open_page("/faq/heating-radiator-not-warm", java_script_enabled=False)
    expect(citizen.locator(".answer-body")).to_contain_text(NEW)


def test_a_rejected_change_comes_back_with_the_reviewers_comment_and_stale_saves_are_refused(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    editor = open_page("/editor", viewport=DESKTOP)
    sign_in(editor, "editor")
    open_article(editor, "heating-stop-apply")
    other_tab = open_page("/editor", viewport=DESKTOP)
    sign_in(other_tab, "editor")
    open_article(other_tab, "heating-stop-apply")

    text = source(editor).input_value()
    editor.locator("#markdown").fill(text + "\n- 报停须在供暖季开始前办理完毕。\n")
    expect(editor.locator("#problems")).to_have_text("没有发现问题")
    editor.get_by_role("button", name="保存草稿").click()
    expect(editor.locator("#action-status")).to_have_text("保存成功：草稿")

    # The other tab still holds the old revision: its save must not overwrite the change.
    source(other_tab).fill(text + "\n- 另一处修改。\n")
    other_tab.get_by_role("button", name="保存草稿").click()
    expect(other_tab.locator("#action-status")).to_contain_text("保存失败")
    expect(other_tab.locator("#action-status")).to_contain_text("状态已变化")
    expect(other_tab.get_by_role("button", name="重新加载")).to_be_visible()

    editor.get_by_role("button", name="提交审核", exact=True).click()
    expect(editor.locator("#action-status")).to_have_text("提交审核成功：待审核")

    reviewer = open_page("/editor", viewport=DESKTOP)
    sign_in(reviewer, "reviewer")
    open_article(reviewer, "heating-stop-apply")
    reviewer.get_by_role("button", name="退回", exact=True).click()
    expect(reviewer.locator("#action-status")).to_contain_text("请填写审核意见")
    reviewer.get_by_label("审核意见").fill("请写明报停的截止日期")
    reviewer.get_by_role("button", name="退回", exact=True).click()
    expect(reviewer.locator("#action-status")).to_have_text("退回成功：草稿")

    editor.reload()
    expect(editor.locator("#worklist-status")).to_contain_text("篇")
    open_article(editor, "heating-stop-apply")
    expect(editor.locator("#doc-comment")).to_have_text("审核意见：请写明报停的截止日期")
    expect(editor.locator("#doc-meta")).to_contain_text("草稿")


def test_an_editor_creates_an_article_and_sees_agents_flags_as_tasks(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    flag = urllib.request.Request(
        f"{live_server}/api/articles/heating-new-home-connection/flags",
        data=json.dumps({"comment": "开通申请，现在可以在网上办了"}).encode(),
        headers={"Authorization": f"Bearer {demo_keys['agent']}", "Content-Type": "application/json"},
        method="POST",
    )
    assert urllib.request.urlopen(flag, timeout=10).status == 201

    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    page.get_by_role("button", name="待办任务").click()
    task = page.locator("#tasks li", has_text="开通申请，现在可以在网上办了")  # as typed: "，" stays full-width
    expect(task).to_contain_text("新房开通供暖")
    expect(task).to_contain_text("待处理")
    task.get_by_role("button", name="标记已处理").click()
    expect(task).to_contain_text("已处理（演示编辑）")
    expect(task.get_by_role("button", name="标记已处理")).to_have_count(0)
    task.get_by_role("link", name="打开文章").click()  # the task's address: the task marked, its article beside
    expect(page.locator("#doc-meta")).to_contain_text("heating-new-home-connection")

    page.get_by_role("button", name="新建文章").click()
    expect(page.locator("#doc-title")).to_have_text("新文章")
    new = article_text(
        "heating-meter-reading-page-test", title="热计量表读数怎么看", department="heating-company-office"
    )
    source(page).fill(new)
    expect(page.locator("#problems")).to_have_text("没有发现问题")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#action-status")).to_have_text("创建成功：草稿")
    expect(page.locator("#doc-meta")).to_contain_text("heating-meter-reading-page-test")
    page.get_by_role("button", name="工作列表").click()
    page.get_by_label("状态").select_option("draft")
    expect(page.locator("#worklist")).to_contain_text("热计量表读数怎么看")


def test_rollback_scheduled_publishing_and_archiving(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    editor = open_page("/editor", viewport=DESKTOP)
    sign_in(editor, "editor")
    open_article(editor, "heating-fee-payment")
    original = source(editor).input_value()
    editor.locator("#markdown").fill(original + "\n- 这一行随后会被回滚。\n")
    expect(editor.locator("#problems")).to_have_text("没有发现问题")
    editor.get_by_role("button", name="保存草稿").click()
    expect(editor.locator("#action-status")).to_have_text("保存成功：草稿")

    settled(editor)
    rows = editor.locator("#versions tr")
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_role("button", name="回滚到此版本").click()
    expect(editor.locator("#action-status")).to_have_text("回滚到版本 1成功：草稿")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("回滚到版本 1")
    assert editor.locator("#markdown").input_value() == original
    settled(editor)
    rows.nth(2).get_by_role("button", name="与当前比较").click()
    expect(editor.locator("#diff")).to_have_text("两个版本内容相同")

    editor.get_by_role("button", name="提交审核", exact=True).click()
    expect(editor.locator("#action-status")).to_have_text("提交审核成功：待审核")
    reviewer = open_page("/editor", viewport=DESKTOP)
    reviewer.on("dialog", lambda dialog: dialog.accept())  # 确认下线 asks first
    sign_in(reviewer, "reviewer")
    open_article(reviewer, "heating-fee-payment")
    reviewer.get_by_role("button", name="通过", exact=True).click()
    expect(reviewer.locator("#action-status")).to_have_text("审核通过成功：已通过")
    reviewer.get_by_label("定时发布于").fill("2030-12-01T08:00")
    reviewer.get_by_role("button", name="定时发布", exact=True).click()
    expect(reviewer.locator("#action-status")).to_contain_text("定时发布成功")
    expect(reviewer.locator("#doc-meta")).to_contain_text("定时 2030/12/1 08:00:00")

    # Archiving takes two people: the editor asks, with a reason; the reviewer confirms what they read.
    archived = "heating-old-network-renovation"
    open_article(editor, archived)
    editor.once("dialog", lambda dialog: dialog.accept("改造项目已全部完工"))  # the reason
    editor.get_by_role("button", name="申请下线", exact=True).click()
    expect(editor.locator("#action-status")).to_have_text("申请下线成功：待审核")
    expect(editor.get_by_role("button", name="撤回下线申请")).to_be_visible()
    assert urllib.request.urlopen(f"{live_server}/faq/{archived}", timeout=10).status == 200  # live until confirmed
    open_article(reviewer, archived)
    expect(reviewer.locator("#changes-box")).to_contain_text("改造项目已全部完工")
    expect(reviewer.get_by_role("button", name="通过", exact=True)).to_be_hidden()
    reviewer.get_by_role("button", name="确认下线", exact=True).click()
    expect(reviewer.locator("#action-status")).to_have_text("确认下线成功：已归档")
    expect(reviewer.get_by_role("button", name="申请下线", exact=True)).to_have_count(0)  # archived already
    citizen = open_page(f"/faq/{archived}")
    expect(citizen.get_by_role("heading", level=1)).to_have_text("没有找到这篇文章")


def test_an_editor_sees_ratings_and_writes_for_a_question_nothing_answered(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    rating = {"article_id": "heating-radiator-bleed-air", "helpful": False, "comment": "没写放风钥匙去哪买"}
    send = urllib.request.Request(
        f"{live_server}/api/feedback", json.dumps(rating).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    assert urllib.request.urlopen(send, timeout=10).status == 201
    question = "驾照到期了，在哪换？"  # shown and taken as typed, full-width punctuation and all
    urllib.request.urlopen(f"{live_server}/api/search?settled=true&q={urllib.parse.quote(question)}", timeout=10)

    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    page.locator("#worklist button", has_text="heating-radiator-bleed-air").click()
    expect(page.locator("#ratings")).to_contain_text("没帮助")
    expect(page.locator("#ratings-comments")).to_contain_text("没写放风钥匙去哪买")

    page.get_by_role("button", name="未解答的问题").click()
    item = page.locator("#unanswered li", has_text=question)
    item.get_by_role("button", name="据此新建文章").click()
    expect(page.locator("#doc-title")).to_have_text("新文章")
    expect(page.get_by_label("标题")).to_have_value(question)
    expect(page.get_by_label("编号")).to_be_focused()  # a new article starts with its id
    assert f"title: {question}" in page.locator("#markdown").input_value()


def test_the_worklist_comes_a_page_at_a_time_and_loads_more_on_request(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    everything = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{live_server}/api/worklist?limit=500", headers={"Authorization": f"Bearer {demo_keys['editor']}"}
            ),
            timeout=10,
        ).read()
    )["articles"]
    page = open_page("/editor", viewport=DESKTOP)

    def pages_of_4(route: Route) -> None:  # the real server, with pages small enough to need 加载更多
        url = urllib.parse.urlsplit(route.request.url)
        query = {**urllib.parse.parse_qs(url.query), "limit": ["4"]}
        route.continue_(url=url._replace(query=urllib.parse.urlencode(query, doseq=True)).geturl())

    page.route(re.compile(r"/api/worklist(\?|$)"), pages_of_4)
    sign_in(page, "editor")
    rows = page.locator("#worklist li")
    expect(rows).to_have_count(4)
    expect(page.locator("#worklist-status")).to_have_text("已加载 4 篇，还有更多")
    assert len(everything) > 8
    more = page.locator("#worklist-more")
    while more.is_visible():
        shown = rows.count()
        more.click()
        expect(rows).not_to_have_count(shown)
    expect(rows).to_have_count(len(everything))
    expect(page.locator("#worklist-status")).to_have_text(f"{len(everything)} 篇")
    listed = [row.get_attribute("data-id") for row in page.locator("#worklist button").all()]
    assert listed == [article["id"] for article in everything]  # in the server's order, none twice
