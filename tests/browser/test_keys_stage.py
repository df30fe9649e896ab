"""A stage that names no identity provider (GET /api/sign-in: provider null) takes API keys on both consoles:
the key field instead of the provider's button, a wrong key refused in words, a reload keeps the tab signed in,
and 退出 returns to the key field without a trip to any provider."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP


def as_a_stage_without_a_provider(page: Page) -> None:
    # The live server always has its local provider; this page is told there is none, as a keys-only stage says.
    page.route("**/api/sign-in", lambda route: route.fulfill(json={"provider": None}))
    page.reload()


@pytest.mark.parametrize(
    ("path", "role", "opened"),
    [("/agent", "agent", "#q"), ("/editor", "editor", "#worklist-status")],
)
def test_a_stage_without_a_provider_signs_people_in_with_a_key(
    open_page: Callable[..., Page], demo_keys: dict[str, str], live_server: str, path: str, role: str, opened: str
):
    page = open_page(path, viewport=DESKTOP)
    as_a_stage_without_a_provider(page)
    key = page.get_by_label("API 密钥")
    expect(key).to_be_visible()
    expect(page.get_by_role("button", name="通过统一身份认证登录")).to_have_count(0)

    key.fill("zk_not_a_key")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#signin-status")).to_have_class("status error")
    expect(page.locator("#signin-status")).not_to_be_empty()
    expect(page.locator("#desk")).to_be_hidden()

    key.fill(demo_keys[role])
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#desk")).to_be_visible()
    expect(key).to_have_value("")  # the key is not left in the field
    if role == "editor":
        expect(page.locator(opened)).to_contain_text("篇")
    else:
        expect(page.locator(opened)).to_be_focused()

    page.reload()  # this tab stays signed in
    expect(page.locator("#desk")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page.locator("#desk")).to_be_hidden()
    expect(key).to_be_visible()
    assert page.url.startswith(live_server + path), page.url  # still this page: no provider's end-session address
    page.reload()
    expect(key).to_be_visible()  # and the key is gone from this tab
    expect(page.locator("#desk")).to_be_hidden()
