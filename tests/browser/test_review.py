"""Review in the editor console: the changed words, the buttons each role may use (or why not), and the
department directory that admins keep."""

import datetime as dt
import json
import re
import urllib.error
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, call_api, screenshot, step_as_read, token_of
from tests.browser.test_editor import open_article, sign_in, sign_out
from tests.conftest import article_text

OLD = "先准备好水盆和毛巾"
NEW = "先准备好水盆、毛巾和放风钥匙"
FOUR_EYES = "需由另一位审核员审核（你参与了这次修改）"


def test_a_reviewer_sees_the_changed_words_and_an_editor_sees_no_review_buttons(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "editor")
    open_article(page, "heating-radiator-bleed-air")
    for name in ("通过", "退回", "立即发布", "定时发布"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)  # an editor's role has none
    expect(page.get_by_role("button", name="申请下线", exact=True)).to_be_enabled()  # another person confirms it
    body = page.locator("#body")
    assert OLD in body.input_value()
    body.fill(body.input_value().replace(OLD, NEW))
    expect(page.locator("#problems")).to_have_text("没有发现问题")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#action-status")).to_have_text("保存成功：草稿")
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator("#action-status")).to_have_text("提交审核成功：待审核")
    line = (
        page.locator("#markdown")
        .input_value()
        .split("\n")
        .index(next(text for text in page.locator("#markdown").input_value().split("\n") if NEW in text))
        + 1
    )
    sign_out(page)

    sign_in(page, "reviewer")
    open_article(page, "heating-radiator-bleed-air")
    expect(page.locator("#changes-title")).to_have_text("本次修改：版本 1（线上版本） → 版本 2")
    rows = page.locator("#changes tbody tr")
    expect(rows).to_have_count(1)  # the changed line only
    expect(rows.locator("td.num")).to_have_text([str(line), str(line)])
    expect(rows.locator("del")).to_have_text(["和"])
    expect(rows.locator("ins")).to_have_text(["、", "和放风钥匙"])
    expect(rows.locator("td.text")).to_contain_text("排气的方法是：先准备好水盆")
    expect(page.get_by_role("button", name="通过", exact=True)).to_be_enabled()
    expect(page.locator("#review-why")).to_be_hidden()


def test_a_reviewer_who_took_part_in_a_change_is_told_another_must_review_it(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    page = open_page("/editor", viewport=PHONE)
    reviewer = token_of(page, "reviewer")  # the same person through the API and in the page
    article = "heating-four-eyes-page-test"
    text = article_text(article, title="暖气片能不能自己刷漆", department="heating-company")
    created, _ = call_api(f"{live_server}/api/articles", reviewer, "POST", {"markdown": text, "message": "自己写的"})
    call_api(f"{live_server}/api/articles/{article}/submit", reviewer, "POST", {})

    sign_in(page, "reviewer")
    open_article(page, article)
    expect(page.locator("#doc-meta")).to_contain_text("参与修改：演示审核员")
    for name in ("通过", "退回"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
    for name in ("立即发布", "定时发布"):  # not until it is approved
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.locator("#review-why")).to_have_text(FOUR_EYES)
    expect(page.get_by_role("button", name="通过", exact=True)).to_have_attribute("aria-describedby", "review-why")
    expect(page.locator("#changes-box")).to_contain_text("这是新文章的第一个版本")
    # The service says the same, in the same words.
    with pytest.raises(urllib.error.HTTPError) as refused:
        step_as_read(f"{live_server}/api/articles/{article}", reviewer, "approve")
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"]["message"].startswith("需由另一位审核员审核")
    sign_out(page)

    sign_in(page, "admin")
    open_article(page, article)
    expect(page.locator("#review-why")).to_be_hidden()
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator("#action-status")).to_have_text("审核通过成功：已通过")
    expect(page.get_by_role("button", name="立即发布", exact=True)).to_be_enabled()
    assert created["contributors"][0]["name"] == "演示审核员"


def test_a_time_already_past_is_not_scheduled_and_publishing_now_is_offered(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    editor, reviewer = demo_keys["editor"], demo_keys["reviewer"]
    article = "heating-past-schedule-page-test"
    text = article_text(article, title="暖气片能不能加装温控阀", department="heating-company")
    call_api(f"{live_server}/api/articles", editor, "POST", {"markdown": text})
    call_api(f"{live_server}/api/articles/{article}/submit", editor, "POST", {})
    step_as_read(f"{live_server}/api/articles/{article}", reviewer, "approve")

    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "reviewer")
    open_article(page, article)
    offer = page.get_by_role("button", name="改为立即发布")
    when = page.get_by_label("定时发布于")
    expect(offer).to_be_hidden()
    when.fill("2020-01-01T08:00")
    expect(page.locator("#schedule-past")).to_contain_text("所选时间已经过去，不能定时发布。")
    expect(offer).to_be_visible()
    when.fill("2099-12-01T08:00")
    expect(offer).to_be_hidden()

    # This browser's clock is years behind, so only the service can tell the time has passed: its word is shown.
    page.clock.set_system_time(dt.datetime(2019, 6, 1, tzinfo=dt.UTC))
    when.fill("2020-01-01T08:00")
    expect(offer).to_be_hidden()
    page.get_by_role("button", name="定时发布", exact=True).click()
    expect(page.locator("#action-status")).to_have_text(
        "定时发布失败：输入有误：定时发布的时间 2020-01-01 08:00（北京时间）已经过去，"
        "请选一个以后的时间，或者改为立即发布"
    )
    expect(page.locator("#doc-meta")).to_contain_text("状态：已通过")
    expect(page.locator("#doc-meta")).not_to_contain_text("定时")
    offer.click()
    expect(page.locator("#action-status")).to_have_text("发布成功：已发布")
    expect(offer).to_be_hidden()
    assert call_api(f"{live_server}/api/articles/{article}", reviewer)[0]["title"] == "暖气片能不能加装温控阀"


def test_everyone_reads_the_directory_and_admins_change_and_add_departments(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str
):
    departments = call_api(f"{live_server}/api/departments", demo_keys["editor"])[0]["departments"]
    by_code = {d["code"]: d for d in departments}
    office = by_code["heating-company-office"]
    no_phone = [d["code"] for d in departments if not d["phone"] and d["kind"] != "district"]  # a district: no unit
    assert office["phone"] is None and "bus-company" in no_phone
    # A district's unit is folded under its city-level department; the rest are rows of their own.
    city = {d["code"] for d in departments if not d["district"] and d["kind"] != "district"}
    folded = [d["code"] for d in departments if d["district"] and d["parent"] in city]
    amr = [code for code in folded if by_code[code]["parent"] == "district-amr"]
    assert len(amr) == 16 and "hexi-amr" in amr

    editor = open_page("/editor", viewport=DESKTOP)
    sign_in(editor, "editor")
    editor.get_by_role("button", name="派单目录").click()
    rows = editor.locator("#directory tbody tr")
    expect(rows).to_have_count(len(departments))
    shown = editor.locator("#directory tbody tr:visible")
    expect(shown).to_have_count(len(departments) - len(folded))
    item = editor.locator('#directory tr[data-code="heating-company-office"]')
    expect(item).to_contain_text(office["name"])
    expect(item).to_contain_text(office["hours"])
    expect(item.locator("td").nth(2)).to_have_text(by_code[office["parent"]]["name"])  # 上级单位
    expect(item).to_contain_text(f"受理：{office['handles']}")
    expect(item.locator(".no-phone")).to_have_text("电话未登记")  # the directory has none: nobody makes one up
    expect(editor.locator("#directory tr .no-phone")).to_have_count(len(no_phone))
    expect(editor.locator('#directory tr[data-code="tax"] .no-phone')).to_have_count(0)
    expect(editor.locator("#directory td.actions")).to_have_count(0)  # read only
    expect(editor.locator("#directory").get_by_role("button", name="编辑")).to_have_count(0)
    # A district's unit says which district it serves; a district, the other names its callers use.
    hexi_amr = editor.locator('#directory tr[data-code="hexi-amr"]')
    expect(hexi_amr.locator("td.district")).to_have_text("河西区")
    binhai = editor.locator('#directory tr[data-code="binhai"]')
    expect(binhai).to_contain_text("别名：滨海、塘沽、汉沽、大港")
    expect(binhai.locator(".no-phone")).to_have_count(0)
    expect(editor.get_by_role("button", name="新增单位")).to_be_hidden()

    # Folded: the district units open and close under their department.
    fold = editor.locator('#directory tr[data-code="district-amr"]').get_by_role("button", name="16 个区级单位")
    expect(fold).to_have_attribute("aria-expanded", "false")
    expect(hexi_amr).to_be_hidden()
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "true")
    expect(hexi_amr).to_be_visible()
    expect(shown).to_have_count(len(departments) - len(folded) + 16)
    fold.click()
    expect(hexi_amr).to_be_hidden()
    # Filtered as one types (code, name, alias, district): 河西 narrows the table to that district and its units, each
    # folded group opening for the units in it that match, their department shown (greyed) above them.
    hexi = [d["code"] for d in departments if d["code"] == "hexi" or d["district"] == "hexi"]
    search = editor.get_by_label("筛选")
    search.press_sequentially("河西")
    expect(editor.locator("#directory-count")).to_have_text(f"符合 {len(hexi)} 个（共 {len(departments)} 个）")
    expect(hexi_amr).to_be_visible()
    expect(fold).to_have_text("16 个区级单位（1 个符合）")
    expect(editor.locator('#directory tr[data-code="district-amr"]')).to_have_class("context")
    expect(editor.locator('#directory tr[data-code="bus-company"]')).to_be_hidden()
    editor.locator(".directory-scroll").evaluate("box => box.scrollTo(0, 0)")
    screenshot(editor, "editor-directory")
    assert set(hexi) <= set(shown.evaluate_all("rows => rows.map((row) => row.dataset.code)"))
    binhai_all = [d["code"] for d in departments if "binhai" in (d["code"], d["district"])]
    search.fill("塘沽")  # an alias of 滨海新区: the district and the units that serve it
    expect(editor.locator("#directory-count")).to_have_text(f"符合 {len(binhai_all)} 个（共 {len(departments)} 个）")
    expect(shown.first).to_have_attribute("data-code", "binhai")
    search.press("Escape")  # clears the filter
    expect(shown).to_have_count(len(departments) - len(folded))
    # Sorted by a column: the header says how (aria-sort), the other headers nothing; empty cells come last.
    code_header = editor.locator('#directory th[data-column="code"]')
    expect(code_header).to_have_attribute("aria-sort", "ascending")
    code_header.get_by_role("button").click()
    expect(code_header).to_have_attribute("aria-sort", "descending")
    tops = sorted(code for code in by_code if code not in folded)
    expect(shown.first).to_have_attribute("data-code", tops[-1])
    phone_header = editor.locator('#directory th[data-column="phone"]')
    phone_header.get_by_role("button").click()
    expect(phone_header).to_have_attribute("aria-sort", "ascending")
    expect(code_header).not_to_have_attribute("aria-sort", re.compile("."))
    phones = shown.locator("td.phone").all_inner_texts()
    known = [p not in ("", "电话未登记") for p in phones]
    assert known == sorted(known, reverse=True)  # every number before every empty cell
    numbers = [int(re.match(r"\d+", p)[0]) for p in phones[: sum(known)]]
    assert numbers == sorted(numbers) and len(numbers) > 5

    admin = open_page("/editor", viewport=PHONE)
    sign_in(admin, "admin")
    admin.get_by_role("button", name="派单目录").click()
    counted = f"{len(departments)} 个单位，其中 {len(no_phone)} 个电话未登记"  # what an admin has left to fill in
    expect(admin.locator("#directory-status")).to_have_text(counted)
    bus = admin.locator('#directory tr[data-code="bus-company"]')
    expect(bus.locator(".no-phone")).to_have_text("电话未登记")
    # The form shows a district's other names and a unit's district (opened and left unchanged here).
    admin.locator('#directory tr[data-code="binhai"]').get_by_role("button", name="编辑").click()
    expect(admin.get_by_label("类别")).to_have_value("district")
    expect(admin.get_by_label("别名")).to_have_value("滨海，塘沽，汉沽，大港")
    expect(admin.get_by_label("所属区")).to_be_hidden()
    admin.get_by_label("筛选").fill("hexi-amr")  # folded under 区市场监督管理局: the filter opens its group
    admin.locator('#directory tr[data-code="hexi-amr"]').get_by_role("button", name="编辑").click()
    expect(admin.get_by_label("所属区")).to_have_value("hexi")
    expect(admin.get_by_label("别名")).to_be_hidden()
    admin.get_by_label("筛选").fill("")
    bus.get_by_role("button", name="编辑").click()
    expect(admin.get_by_label("编码")).to_have_value("bus-company")
    expect(admin.get_by_label("编码")).not_to_be_editable()
    expect(admin.get_by_label("名称")).to_be_focused()
    admin.get_by_label("办公时间").fill("首末班车时间内")
    admin.get_by_label("电话", exact=True).fill("022-12345678 转 8001")  # an extension, as typed
    admin.get_by_role("button", name="保存单位").click()
    # What citizens see waits for another admin: the page says so and lists the change, which its proposer may
    # withdraw but not approve.
    expect(admin.locator("#directory-status")).to_have_text(
        "已提交，等待另一位管理员确认：公交企业（市公交集团）（bus-company）"
    )
    proposal = admin.locator('#proposals li[data-proposal="bus-company"]')
    expect(proposal).to_contain_text("电话：无 → 022-12345678 转 8001")
    expect(proposal.get_by_role("button")).to_have_text(["撤回"])
    expect(bus.locator(".no-phone")).to_have_text("电话未登记")  # not yet

    admin.get_by_role("button", name="新增单位").click()
    expect(admin.get_by_label("编码")).to_be_focused()
    admin.keyboard.type("heating-company-north-page-test")
    admin.get_by_label("名称").fill("供热企业北区供热站")
    admin.get_by_label("上级单位").select_option("heating-company")
    admin.get_by_role("button", name="保存单位").click()
    added = admin.locator('#directory tr[data-code="heating-company-north-page-test"]')
    expect(added.locator("td").nth(2)).to_have_text("供热企业")  # 上级单位
    expect(added.locator(".no-phone")).to_have_text("电话未登记")

    # The editor's form offers the new office (it is under their heating-company) by name and code, once the
    # directory is read again (the service refreshes its copy about every second).
    editor.get_by_role("button", name="工作列表").click()
    open_article(editor, "heating-radiator-bleed-air")
    option = editor.locator("#f-department option[value=heating-company-north-page-test]")
    for _ in range(20):
        editor.get_by_role("button", name="派单目录").click()
        expect(editor.locator("#directory-status")).to_contain_text("个单位")
        if option.count():
            break
        editor.wait_for_timeout(250)
    expect(option).to_have_text("供热企业北区供热站（heating-company-north-page-test）")
    expect(editor.locator("#f-department option[value=bus-company]")).to_have_count(0)  # not theirs
    saved = {d["code"]: d for d in call_api(f"{live_server}/api/departments", demo_keys["editor"])[0]["departments"]}
    assert saved["heating-company-north-page-test"]["parent"] == "heating-company"
    assert saved["bus-company"]["phone"] is None  # until a second admin approves

    # The admin withdraws their change, and retires the new office (nothing names it yet) after confirming.
    proposal.get_by_role("button", name="撤回").click()
    expect(admin.locator("#directory-status")).to_have_text("已撤回：公交企业（市公交集团）（bus-company）")
    expect(admin.locator("#proposals li")).to_have_count(0)
    admin.once("dialog", lambda dialog: dialog.accept())
    added.get_by_role("button", name="撤销").click()
    expect(admin.locator("#directory-status")).to_have_text(
        "已撤销：供热企业北区供热站（heating-company-north-page-test）"
    )
    expect(added).to_contain_text("已撤销")
    expect(added.get_by_role("button")).to_have_count(0)


def test_an_admin_maps_a_new_group_of_the_identity_provider_to_a_role(open_page: Callable[..., Page]):
    page = open_page("/editor", viewport=DESKTOP)
    sign_in(page, "admin")
    page.get_by_role("button", name="登录映射").click()
    rules = page.locator("#mapping-rules tr")
    expect(rules).to_have_count(4)  # the demo groups `make run` mapped
    expect(page.locator("#mapping-status")).to_contain_text("共 4 条规则")
    page.get_by_role("button", name="添加规则").click()
    added = rules.last
    added.get_by_label("取值").fill("zhida-night-shift")
    added.get_by_label("角色").select_option("agent")
    added.get_by_label("单位编码").fill("hotline-12345")
    page.get_by_role("button", name="保存映射").click()
    expect(page.locator("#mapping-status")).to_contain_text("已保存")
    added.get_by_label("单位编码").fill("no-such-unit")
    page.get_by_role("button", name="保存映射").click()
    expect(page.locator("#mapping-status")).to_contain_text("no-such-unit")  # the rule naming it, refused
