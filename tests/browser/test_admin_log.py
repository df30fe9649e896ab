"""管理记录 (static/admin-log.js): an admin sees who changed what outside the articles, in Chinese, at the console's
whole width; its address keeps the view and its filters; anyone else is told why it does not open."""

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_editor import sign_in
from tests.browser.test_editor_places import at, back

LAPTOP = {"width": 1366, "height": 657}


def test_an_admin_sees_their_change_to_a_department_in_the_log_which_keeps_its_address(
    open_page: Callable[..., Page], live_server: str
):
    page = open_page("/editor", viewport=LAPTOP)
    sign_in(page, "admin")
    # A change to a phone waits for a second admin: the proposal is the entry.
    page.get_by_role("button", name="派单目录").click()
    page.locator('#directory tr[data-code="healthcare-security"]').get_by_role("button", name="编辑").click()
    page.get_by_label("电话", exact=True).fill("12393 转 2")
    page.get_by_role("button", name="保存单位").click()
    expect(page.locator("#directory-status")).to_contain_text("已提交，等待另一位管理员确认")

    page.get_by_role("button", name="管理记录").click()
    at(page, "#/log")
    entry = page.locator("#log-table tbody tr").first
    expect(entry.locator("td")).to_have_text(
        [
            re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"),
            "演示管理员oidc:demo-admin",
            "市医疗保障局（healthcare-security）",
            "提出修改",
            "电话：12393 → 12393 转 2",
        ]
    )
    # Beijing time on one line, and the table over the console's whole width.
    time = entry.locator(".date").bounding_box()
    name = entry.locator("td.who").bounding_box()
    assert time and name and time["height"] < 30, time
    assert page.locator("#log-table").bounding_box()["width"] > 1250
    expect(page.locator("#work")).to_be_hidden()
    screenshot(page, "editor-log")

    # Filters refine the address; reload and Back keep the view as it was.
    page.get_by_label("类型").select_option("key")
    at(page, "#/log?kind=key")
    expect(page.locator("#log-status")).to_have_text("没有符合的记录")
    page.get_by_label("类型").select_option("directory")
    page.get_by_label("人员").select_option("oidc:demo-admin")
    at(page, "#/log?kind=directory&actor=oidc%3Ademo-admin")
    expect(entry.locator("td").nth(4)).to_have_text("电话：12393 → 12393 转 2")
    page.reload()
    expect(page.get_by_label("类型")).to_have_value("directory")
    expect(page.get_by_label("人员")).to_have_value("oidc:demo-admin")
    expect(entry.locator("td").nth(2)).to_have_text("市医疗保障局（healthcare-security）")
    page.get_by_role("button", name="工作列表").click()
    at(page, "#/worklist")
    back(page)
    at(page, "#/log?kind=directory&actor=oidc%3Ademo-admin")
    expect(entry.locator("td").nth(3)).to_have_text("提出修改")

    # The admin withdraws it: that is an entry too, newest first.
    page.get_by_role("button", name="派单目录").click()
    page.locator('#proposals li[data-proposal="healthcare-security"]').get_by_role("button", name="撤回").click()
    expect(page.locator("#directory-status")).to_contain_text("已撤回")
    page.get_by_role("button", name="管理记录").click()
    expect(page.locator("#log-table tbody tr td:nth-child(4)").first).to_have_text("撤回")


def test_the_log_is_for_admins_only_and_says_so(open_page: Callable[..., Page], live_server: str):
    page = open_page("/editor#/log", viewport=LAPTOP)
    sign_in(page, "editor")
    expect(page.locator("#place-note")).to_have_text(
        "管理记录（派单目录、密钥和登录映射的修改）只有管理员可以查看，已打开工作列表。"
    )
    at(page, "#/worklist")
    expect(page.get_by_role("button", name="管理记录")).to_be_hidden()
    expect(page.locator("#log-box")).to_be_hidden()
