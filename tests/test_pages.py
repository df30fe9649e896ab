"""The pages through chalice's test client: relative roots, escaping, headers, 404s."""

import pytest
from chalice.test import Client

from app import app
from chalicelib.pages import PAGE_CSP
from chalicelib.store import KnowledgeStore
from tests.conftest import article_text
from tests.test_service import publish


def test_each_page_finds_the_app_root_relatively(client: Client):
    assert 'data-root=""' in client.http.get("/").body.decode("utf-8")
    assert 'href="static/zhida.css"' in client.http.get("/agent").body.decode("utf-8")
    article = client.http.get("/faq/heating-radiator-not-warm").body.decode("utf-8")
    assert 'data-root="../"' in article and 'src="../static/article.js"' in article


def test_every_page_is_the_one_shell_around_its_own_content(client: Client):
    for path, script in [
        ("/", "faq"),
        ("/agent", "agent"),
        ("/editor", "editor"),
        ("/faq/heating-radiator-not-warm", "article"),
    ]:
        page = client.http.get(path).body.decode("utf-8")
        assert page.startswith("<!doctype html>") and page.count("<header") == page.count('<main id="main">') == 1, path
        assert f'static/{script}.js"' in page and 'static/zhida.css"' in page and "{{" not in page, path
        assert ("<footer" in page) == (script in ("faq", "article")), path  # the hotline is for citizens


def test_the_stage_root_without_its_slash_still_reaches_the_stage(monkeypatch: pytest.MonkeyPatch):
    """API Gateway answers https://…/api as the root page too; its links must then start with api/."""
    from chalicelib import pages

    class Request:
        context = {"path": "/api"}

    monkeypatch.setattr(app, "current_request", Request(), raising=False)
    assert pages._stage_root() == "api/"
    Request.context = {"path": "/api/"}
    assert pages._stage_root() == ""


def test_the_article_page_escapes_everything_but_the_sanitised_body(client: Client, synced_store: KnowledgeStore):
    answer = '<script>alert("x")</script>' + "您好，这是一个用来检查转义的答复。" * 8
    publish(
        synced_store, article_text("xss-page", title='暖气"<b>不热</b>', department="供热<i>企业</i>", answer=answer)
    )
    response = client.http.get("/faq/xss-page")
    page = response.body.decode("utf-8")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert "<script>alert" not in page and "<b>" not in page and "<i>" not in page
    assert "暖气&quot;&lt;b&gt;不热&lt;/b&gt;" in page and "供热&lt;i&gt;企业&lt;/i&gt;" in page
    assert "&lt;script&gt;" in page  # the body, from markdown-it with raw HTML off


def test_an_article_that_mentions_a_placeholder_shows_it_as_written(client: Client, synced_store: KnowledgeStore):
    answer = "模板里写 {{main}} 和 {{root}} 的地方，原样显示给市民看。" * 4
    publish(synced_store, article_text("braces-page", title="花括号{{title}}", answer=answer))
    page = client.http.get("/faq/braces-page").body.decode("utf-8")
    assert "花括号{{title}} - 12345 知答" in page and "写 {{main}} 和 {{root}} 的地方" in page


def test_unknown_internal_and_malformed_ids_are_404_pages(client: Client):
    for article_id in ("no-such-article", "center-repair-request", "UPPER", "a" * 81):
        response = client.http.get(f"/faq/{article_id}")
        assert response.status_code == 404 and "没有找到这篇文章" in response.body.decode("utf-8")
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_only_the_pages_own_scripts_and_styles_are_served(client: Client):
    assert client.http.get("/static/faq.js").headers["Content-Type"] == "text/javascript; charset=utf-8"
    for name in ("faq.html", "pages.py", "FAQ.JS", ".hidden.js"):
        assert client.http.get(f"/static/{name}").status_code == 404, name
