"""The editor console for people who do not write YAML: the form over the front matter, warnings instead of
refusals, Ctrl+S, and the unsaved text kept in the browser."""

import json
import re
import urllib.error
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, call_api, sign_out_with
from tests.browser.test_editor import open_article, sign_in
from tests.conftest import article_text

UNSAVED = "zhida.editor.unsaved."
UNSAVED_KEYS = f"() => Object.keys(localStorage).filter((k) => k.startsWith('{UNSAVED}'))"


SELECTED = "(() => { const a = document.activeElement; return a.value.slice(a.selectionStart, a.selectionEnd); })()"


def as_shown(items: list[dict]) -> list[str]:
    """Problems and notices as the console lists them."""
    return [f"第 {item['line']} 行：{item['message']}" for item in items]


def draft_of(live_server: str, key: str, article_id: str) -> dict:
    return call_api(f"{live_server}/api/articles/{article_id}/draft", key)[0]


def test_the_form_rewrites_only_the_lines_of_the_fields_changed(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, "heating-private-modification")
    original = page.locator("#markdown").input_value()
    save = page.get_by_role("button", name="保存草稿")

    # The form shows what the text says; looking at it, and at the source, changes nothing.
    expect(page.get_by_label("标题")).to_have_value("私自改动供热设施的后果")
    expect(page.get_by_label("适用对象")).to_have_value("public")
    expect(page.locator("#f-department")).to_have_value("heating-company")
    expect(page.locator("#f-department option[value=heating-company-office]")).to_have_text(
        "供热企业营业厅（heating-company-office）"
    )
    expect(page.locator("#f-category")).to_have_value("heating")
    expect(page.locator("#f-review_by")).to_have_value("2026-09-30")
    expect(page.locator("#f-questions input")).to_have_count(10)
    expect(page.locator("#f-keywords input").first).to_have_value("私改暖气")
    page.get_by_role("button", name="源文件").click()
    page.get_by_role("button", name="表单").click()
    page.get_by_label("标题").focus()
    page.keyboard.press("Tab")
    expect(save).to_be_disabled()
    assert page.locator("#markdown").input_value() == original

    page.get_by_label("标题").fill("私自改动暖气设施的后果")
    page.locator("#f-review_by").fill("2027-06-30")
    page.get_by_role("button", name="添加问法").click()
    expect(page.get_by_label("常见问法 11", exact=True)).to_be_focused()
    page.keyboard.type("能自己把暖气片拆了吗")
    page.keyboard.press("Enter")  # a new, empty row: an empty row writes nothing
    expect(page.get_by_label("常见问法 12", exact=True)).to_be_focused()
    page.locator("#f-department").select_option("heating-company-office")
    page.get_by_label("修改说明").fill("用表单改了标题、复审日期、问法和承办单位")
    save.click()
    expect(page.locator("#action-status")).to_have_text("保存成功：草稿")
    expect(page.locator("#doc-meta")).to_contain_text("承办单位：供热企业营业厅")

    expected = (
        original.replace("title: 私自改动供热设施的后果\n", "title: 私自改动暖气设施的后果\n")
        .replace("department: heating-company\n", "department: heating-company-office\n")
        .replace("review_by: 2026-09-30\n", "review_by: 2027-06-30\n")
        .replace("  - 私改暖气罚款\n", "  - 私改暖气罚款\n  - 能自己把暖气片拆了吗\n")
    )
    assert expected.count("\n") == original.count("\n") + 1
    assert draft_of(live_server, demo_keys["editor"], "heating-private-modification")["markdown"] == expected

    # A removed row goes from the text too; its neighbour gets the focus.
    expect(page.locator("#f-questions input")).to_have_count(11)  # the empty row was not saved
    page.get_by_role("button", name="删除常见问法 11", exact=True).click()
    expect(page.get_by_label("常见问法 10", exact=True)).to_be_focused()
    assert "能自己把暖气片拆了吗" not in page.locator("#markdown").input_value()


def test_a_draft_with_problems_is_saved_with_warnings_and_goes_to_review_only_once_they_are_fixed(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    article = "heating-temperature-complaint"
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, article)
    original = page.locator("#markdown").input_value()
    body = page.locator("#body")
    text = body.input_value()
    answer = re.search(r"## 标准答复\n\n(.+)\n", text)
    assert answer
    body.fill(text.replace(answer.group(1), "请拨打12345。"))  # 9 characters: far too short to read out
    page.get_by_role("button", name="源文件").click()
    source = page.locator("#markdown")
    source.fill(source.input_value().replace("title: ", "title：", 1))  # read leniently, with a notice
    page.get_by_label("修改说明").fill("先存一版")
    page.keyboard.press("Control+S")

    status = page.locator("#action-status")
    expect(status).to_have_text("保存成功：草稿（还有 1 个问题）")
    saved = draft_of(live_server, demo_keys["editor"], article)
    assert saved["version"] == 2 and "请拨打12345。" in saved["markdown"]
    assert len(saved["problems"]) == 1 and "标准答复" in saved["problems"][0]["message"]
    assert len(saved["notices"]) == 1
    expect(page.locator("#problems button")).to_have_text(as_shown(saved["problems"]))
    expect(page.locator("#notices button")).to_have_text(as_shown(saved["notices"]))
    expect(page.locator("#problems-summary")).to_have_text("1 个问题：可以先保存草稿，改完才能提交审核。")
    submit = page.get_by_role("button", name="提交审核", exact=True)
    expect(submit).to_be_disabled()
    expect(page.locator("#submit-why")).to_have_text("还有 1 个问题，改完才能提交审核")
    with pytest.raises(urllib.error.HTTPError) as refused:
        call_api(f"{live_server}/api/articles/{article}/submit", demo_keys["editor"], "POST", {})
    assert refused.value.code == 409
    assert json.loads(refused.value.read())["error"]["code"] == "has_problems"

    # A problem's line leads to its place in the form: here, the 标准答复 section in the body.
    page.get_by_role("button", name="表单").click()
    page.locator("#problems button").first.click()
    expect(body).to_be_focused()
    named = page.locator("#markdown").input_value().split("\n")[saved["problems"][0]["line"] - 1]
    assert "标准答复" in named or "请拨打12345。" in named
    assert page.evaluate(SELECTED) == named

    body.fill(body.input_value().replace("请拨打12345。", answer.group(1)))
    expect(page.locator("#problems")).to_have_text("没有发现问题")
    page.get_by_label("标题").fill("室温不达标如何投诉")  # the form writes the field back with a plain colon
    expect(page.locator("#notices-box")).to_be_hidden()
    page.get_by_role("button", name="保存草稿").click()
    expect(status).to_have_text("保存成功：草稿")
    expect(page.locator("#submit-why")).to_be_hidden()
    submit.click()
    expect(status).to_have_text("提交审核成功：待审核")
    assert draft_of(live_server, demo_keys["editor"], article)["markdown"] == original  # every change undone


def test_unsaved_text_survives_a_closed_tab_ctrl_s_saves_and_sign_out_forgets(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    article = "heating-pipe-leak-emergency"
    page = open_page("/editor", viewport=PHONE)
    sign_in(page, "editor")
    open_article(page, article)
    page.get_by_label("标题").fill("暖气漏水了怎么应急处理")
    page.wait_for_function(f"() => ({UNSAVED_KEYS})().includes('{UNSAVED}{article}')")
    kept = json.loads(page.evaluate(f"localStorage.getItem('{UNSAVED}{article}')"))
    assert kept["markdown"] == page.locator("#markdown").input_value()
    context = page.context
    page.close()  # the tab is closed without saving
    # Meanwhile someone saves another change: the kept text is now based on an older version.
    current, etag = call_api(f"{live_server}/api/articles/{article}/draft", demo_keys["reviewer"])
    changed = current["markdown"].replace("review_by: ", "expires: 2031-04-15\nreview_by: ", 1)
    call_api(f"{live_server}/api/articles/{article}/draft", demo_keys["reviewer"], "PUT", {"markdown": changed}, etag)

    page = context.new_page()
    page.goto(f"{live_server}/editor")
    sign_in(page, "editor")
    open_article(page, article)
    restore = page.locator("#restore")
    expect(restore).to_be_visible()
    expect(page.locator("#restore-text")).to_have_text(re.compile(r"^有未保存的修改（.+），恢复？$"))
    expect(page.get_by_label("标题")).to_have_value("暖气漏水应急处理")  # the saved text, until restored
    expect(page.locator("#restore-newer")).to_contain_text("这些修改基于版本 1，之后已保存到版本 2")
    page.get_by_role("button", name="恢复", exact=True).click()
    expect(restore).to_be_hidden()
    expect(page.get_by_label("标题")).to_have_value("暖气漏水了怎么应急处理")

    # Ctrl+S saves instead of the browser's "save page"; what was kept is removed once saved.
    page.evaluate("window.addEventListener('keydown', (e) => { window.lastKeyPrevented = e.defaultPrevented; })")
    page.keyboard.press("Control+S")
    expect(page.locator("#action-status")).to_have_text("保存成功：草稿")
    assert page.evaluate("window.lastKeyPrevented") is True
    assert page.evaluate(UNSAVED_KEYS) == []
    assert draft_of(live_server, demo_keys["editor"], article)["title"] == "暖气漏水了怎么应急处理"
    page.keyboard.press("Meta+S")  # Cmd+S on a Mac; nothing left to save
    expect(page.locator("#action-status")).to_have_text("没有需要保存的修改")
    assert page.evaluate("window.lastKeyPrevented") is True

    # A new article is kept too; signing out forgets everything kept in this browser.
    page.get_by_role("button", name="新建文章").click()
    page.get_by_label("标题").fill("热计量表怎么看读数")
    page.wait_for_function(f"() => ({UNSAVED_KEYS})().includes('{UNSAVED}new')")
    page.once("dialog", lambda dialog: dialog.accept())  # 有未保存的修改…确定退出吗？
    sign_out_with(page, page.get_by_role("button", name="退出"))
    expect(page.get_by_role("button", name="通过统一身份认证登录")).to_be_visible()
    assert page.evaluate(UNSAVED_KEYS) == []


def test_an_article_written_with_windows_line_endings_keeps_them(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    article = "heating-crlf-page-test"
    text = article_text(article, title="暖气费发票怎么开", department="heating-company-office").replace("\n", "\r\n")
    call_api(f"{live_server}/api/articles", demo_keys["editor"], "POST", {"markdown": text})
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, article)
    expect(page.get_by_role("button", name="保存草稿")).to_be_disabled()  # a textarea's \n is not a change
    page.get_by_label("标题").fill("供热费发票怎么开")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#action-status")).to_have_text("保存成功：草稿")
    saved = draft_of(live_server, demo_keys["editor"], article)["markdown"]
    assert saved == text.replace("title: 暖气费发票怎么开\r\n", "title: 供热费发票怎么开\r\n")


def test_pinyin_being_composed_is_not_written_into_the_text_until_it_is_committed(
    open_page: Callable[..., Page], demo_keys: dict[str, str]
):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, "heating-indoor-temperature-standard")
    original = page.locator("#markdown").input_value()
    title = page.get_by_label("标题")
    title.focus()
    page.keyboard.press("End")
    ime = page.context.new_cdp_session(page)
    ime.send("Input.imeSetComposition", {"text": "wen", "selectionStart": 3, "selectionEnd": 3})
    expect(title).to_have_value("室内供暖温度标准wen")
    assert page.locator("#markdown").input_value() == original
    ime.send("Input.insertText", {"text": "问"})
    expect(title).to_have_value("室内供暖温度标准问")
    retitled = original.replace("title: 室内供暖温度标准\n", "title: 室内供暖温度标准问\n")
    expect(page.locator("#markdown")).to_have_value(retitled)


def test_a_districts_unit_is_chosen_in_rows_and_written_one_a_line_after_the_department(
    open_page: Callable[..., Page],
):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, "heating-radiator-not-warm")
    original = page.locator("#markdown").input_value()
    expect(page.locator("#f-districts li")).to_have_count(0)
    page.get_by_role("button", name="添加区").click()
    expect(page.get_by_label("第 1 个区", exact=True)).to_be_focused()
    page.get_by_label("第 1 个区", exact=True).select_option("binhai")
    assert page.locator("#markdown").input_value() == original  # half a row writes nothing
    page.get_by_label("第 1 个区的承办单位").select_option("binhai-heating-stations")
    department = "department: heating-company-stations\n"
    added = original.replace(department, department + "districts:\n  binhai: binhai-heating-stations\n")
    expect(page.locator("#markdown")).to_have_value(added)
    page.get_by_role("button", name="源文件").click()
    page.get_by_role("button", name="表单").click()  # read back from the text
    expect(page.get_by_label("第 1 个区的承办单位")).to_have_value("binhai-heating-stations")
    page.get_by_role("button", name="删除第 1 个区").click()
    expect(page.locator("#markdown")).to_have_value(original)
