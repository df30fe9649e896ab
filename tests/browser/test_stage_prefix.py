"""Behind API Gateway the app lives under a stage prefix (https://…/api/): the pages must find everything relatively."""

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_agent import sign_in

# Not "/api": an absolute /api/... URL in a page must not pass by coinciding with the stage.
STAGE = "/stage"
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "host", "server", "date", "keep-alive"}


def _stage_proxy(target: str) -> type[BaseHTTPRequestHandler]:
    class StagePrefix(BaseHTTPRequestHandler):
        """What API Gateway does in front of the app: strips the stage from the path, forwards the rest."""

        def forward(self) -> None:
            if not self.path.startswith(STAGE + "/"):
                self.send_error(404, "outside the stage")
                return
            length = int(self.headers.get("Content-Length") or 0)
            request = urllib.request.Request(
                target + self.path[len(STAGE) :],
                data=self.rfile.read(length) if length else None,
                headers={k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP},
                method=self.command,
            )
            try:
                response = urllib.request.urlopen(request, timeout=10)
            except urllib.error.HTTPError as error:
                response = error
            payload = response.read()
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the agent console cancels a search that a newer keystroke has overtaken

        do_GET = do_POST = do_PUT = forward

        def log_message(self, *args: object) -> None:
            pass

    return StagePrefix


@pytest.fixture(scope="module")
def stage_url(live_server: str) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _stage_proxy(live_server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{STAGE}"
    server.shutdown()
    server.server_close()


def test_the_faq_and_the_agent_console_work_under_a_stage_prefix(
    open_page: Callable[..., Page], stage_url: str, demo_keys: dict[str, str]
):
    page = open_page(stage_url + "/", viewport=PHONE)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    expect(page.locator("#list a").first).to_be_visible()  # categories and their listing came through the stage
    page.get_by_label("输入问题").fill("暖气不热")
    first = page.locator("#results a").first
    expect(first).to_contain_text("暖气不热怎么办")
    assert (first.get_attribute("href") or "").startswith(stage_url + "/faq/heating-radiator-not-warm")
    first.click()
    expect(page.locator(".answer-body h2").first).to_have_text("标准答复")
    page.wait_for_load_state("load")  # the text is there before the stylesheet is: a busy machine showed it
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the stylesheet loaded
    with page.expect_response(lambda r: r.url == stage_url + "/api/feedback") as sent:
        page.get_by_role("button", name="没帮助").click()  # one tap is the rating
    assert sent.value.status == 201

    agent = open_page(stage_url + "/agent")
    agent.on("request", lambda request: asked.append(request.url))
    sign_in(agent, "agent")
    agent.keyboard.type("社保卡丢了")
    expect(agent.locator("#detail-title")).to_contain_text("社会保障卡")
    outside = [url for url in asked if not url.startswith(stage_url + "/")]
    assert not outside, outside
