"""Browser tests: Debian's chromium driven by Playwright against the live local server."""

import json
import os
import re
import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.conftest import LIVE_SERVER_LOGS

CHROMIUM = "/usr/bin/chromium"
# `make screenshots` renews the README's pictures; a plain test run writes them aside, so it leaves no diff.
SCREENSHOTS = Path(os.environ.get("ZHIDA_SCREENSHOTS") or Path(tempfile.gettempdir()) / "zhida-screenshots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium: Playwright's own browser download cannot reach the internet from here."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei (.ci/run does this)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=zh-CN",  # the browser's own widgets (date pickers) in Chinese too
        ],
    }


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """open_page(path or URL, **context options): a page in a fresh context; script errors and CSP refusals fail it."""
    contexts = []
    problems: list[str] = []

    def record_console(message: Any) -> None:
        # A CSP refusal is only ever reported on the console; failed API calls (401, 404) are expected by some tests.
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    def open_(path: str = "/", **options: Any) -> Page:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", record_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto(path if path.startswith("http") else live_server + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def screenshot(page: Page, name: str) -> Path:
    """Saves the page as NAME.png (docs/screenshots/ under `make screenshots`) and returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=False)
    return path


def call_api(url: str, key: str, method: str = "GET", body: dict | None = None, if_match: str | None = None) -> tuple:
    """One API call as a script would make it: (reply, ETag)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if if_match:
        headers["If-Match"] = if_match
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=30) as response:
        return json.loads(response.read()), response.headers.get("ETag")


def step_as_read(article_url: str, key: str, step: str, body: dict | None = None) -> tuple:
    """An editorial step (approve, publish, …) naming the revision the caller has just read, as the pages do."""
    _, etag = call_api(f"{article_url}/draft", key)
    return call_api(f"{article_url}/{step}", key, "POST", body or {}, etag)


SESSIONS: dict[str, str] = {}  # role -> the session a real sign-in through the provider left in localStorage
SIGN_IN_SERVER: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _sign_in_server(live_server: str) -> None:
    SIGN_IN_SERVER["url"] = live_server


def demo_people(url: str) -> dict[str, tuple[str, str]]:
    """The live server's demo people by role, as `make run` prints them: (user name, password); the first of a role."""
    printed = LIVE_SERVER_LOGS[url].read_text(encoding="utf-8")
    people: dict[str, tuple[str, str]] = {}
    for role, user, password in re.findall(r"^demo user (\S+): (\S+) (\S+)$", printed, re.M):
        people.setdefault(role, (user, password))
    return people


def sign_in_through_provider(page: Page, role: str) -> None:
    """What a person does: the console's button, the provider's form, and back signed in."""
    page.get_by_role("button", name="通过统一身份认证登录").click()
    provider_form(page, role)


def provider_form(page: Page, role: str) -> None:
    """The provider's sign-in form filled in as the demo person of `role`; back at the console with a session."""
    user, password = demo_people(SIGN_IN_SERVER["url"])[role]
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_function("() => localStorage.getItem('zhida.session')")


def session_of(page: Page, role: str) -> str:
    """The stored session of the demo person of `role`: signed in once through the provider (in a context of its
    own), then reused, so a test pays a page load for signing in, as with a key."""
    if role not in SESSIONS:
        context = page.context.browser.new_context(locale="zh-CN")  # type: ignore[union-attr]
        try:
            console = context.new_page()
            console.goto(SIGN_IN_SERVER["url"] + ("/agent" if role == "agent" else "/editor"))
            sign_in_through_provider(console, role)
            SESSIONS[role] = console.evaluate("localStorage.getItem('zhida.session')")
        finally:
            context.close()
    return SESSIONS[role]


def sign_in(page: Page, role: str) -> None:
    """The page signed in as the demo person of `role` (agent, editor, reviewer, admin), and loaded again."""
    page.evaluate("session => localStorage.setItem('zhida.session', session)", session_of(page, role))
    page.reload()


def token_of(page: Page, role: str) -> str:
    """The access token of the demo person of `role`: API calls made as the same person the page signs in."""
    return json.loads(session_of(page, role))["access"]


def sign_out_with(page: Page, button: Locator) -> None:
    """Click a console's 退出 and wait until the page is back from the provider's end-session address (the page
    changes its own address first, so a plain wait for a navigation would return before it has gone)."""
    with page.expect_event("load"), page.expect_response(re.compile(r"/logout\?")):
        button.click()
