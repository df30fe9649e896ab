"""The pages through chalice's test client: relative roots, escaping, headers, 404s, results without JavaScript."""

import re

import pytest
from chalice.test import Client

from app import app
from chalicelib.clock import china_today
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


def test_the_search_page_lists_hits_without_javascript_and_logs_it(client: Client, synced_store: KnowledgeStore):
    response = client.http.get("/search?q=%E6%9A%96%E6%B0%94%E4%B8%8D%E7%83%AD")  # 暖气不热
    page = response.body.decode("utf-8")
    assert response.status_code == 200 and response.headers["Content-Security-Policy"] == PAGE_CSP
    assert '<a href="./faq/heating-radiator-not-warm" data-id="heating-radiator-not-warm">' in page
    assert '<a class="brand" href="./">' in page and 'href="./static/zhida.css"' in page
    assert "<mark>" in page and "找到" in page and 'value="暖气不热"' in page
    assert re.search(r'<div id="hotline" class="hotline" hidden>', page)  # answered: no hotline box
    assert "<title>搜索结果 - 12345 知答</title>" in page  # browsers keep titles in history: never the query
    today = china_today().isoformat()
    logged = synced_store.records.all(f"QUERYLOG#{today}")
    assert [(r["query"], r["answered"], r["top"]) for r in logged] == [("暖气不热", True, "heating-radiator-not-warm")]


def test_the_search_page_says_call_12345_when_nothing_fits(client: Client):
    page = client.http.get("/search?q=%E4%BB%8A%E5%A4%A9%E5%A4%A9%E6%B0%94%E6%80%8E%E4%B9%88%E6%A0%B7").body.decode()
    assert '<div id="hotline" class="hotline">' in page and "请拨打 12345" in page  # 今天天气怎么样
    assert "没有确切答案" in page or "没有找到相关问题" in page


def test_the_search_page_escapes_the_query_and_without_one_is_the_faq_page(client: Client):
    page = client.http.get("/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").body.decode("utf-8")
    assert "<script>alert" not in page and 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    empty = client.http.get("/search?q=%20").body.decode("utf-8")
    assert '<section id="answer" aria-label="搜索结果" hidden>' in empty and "<title>12345 知答" in empty


def test_the_faq_forms_submit_to_the_search_page(client: Client):
    assert 'action="search" method="get" id="search-form"' in client.http.get("/").body.decode("utf-8")
    article = client.http.get("/faq/heating-radiator-not-warm").body.decode("utf-8")
    assert '<form class="mini-search" action="../search" method="get"' in article


def test_an_article_links_the_articles_it_names_that_citizens_may_open(client: Client, synced_store: KnowledgeStore):
    answer = (
        "您好，排气方法详见“暖气片如何排气”；室温标准见“heating-indoor-temperature-standard”。"
        "行政中心的会议室见“行政中心会议室预订”，本文即“交叉引用测试”，还有“没有这篇文章”。" * 2
    )
    publish(synced_store, article_text("xref-page", title="交叉引用测试", answer=answer))
    page = client.http.get("/faq/xref-page").body.decode("utf-8")
    assert '详见“<a href="../faq/heating-radiator-bleed-air">暖气片如何排气</a>”' in page
    assert '“<a href="../faq/heating-indoor-temperature-standard">heating-indoor-temperature-standard</a>”' in page
    # An internal article, the article itself and an unknown title stay text.
    assert "见“行政中心会议室预订”" in page and "即“交叉引用测试”" in page and "“没有这篇文章”" in page


def test_an_article_has_a_breadcrumb_related_questions_and_a_description(client: Client):
    page = client.http.get("/faq/heating-radiator-not-warm").body.decode("utf-8")
    crumbs = page[page.index('<nav class="crumbs"') : page.index("</nav>")]
    assert re.findall(r"<li>(?:<a [^>]*>)?([^<]+)", crumbs) + re.findall(r'aria-current="page">([^<]+)', crumbs) == [
        "首页",
        "供暖",
        "暖气不热怎么办",
    ]
    assert '<a href="../?category=heating">' in crumbs
    related = page[page.index('<section class="related"') :]
    titles = re.findall(r'<a href="../faq/[a-z0-9-]+">([^<]+)</a>', related)
    assert "暖气片如何排气" in titles and "暖气不热怎么办" not in titles and 0 < len(titles) <= 6
    assert re.search(r'<meta name="description" content="您好，暖气不热[^"]{20,}">', page)
    assert '<p class="back" id="back" hidden>' in page  # article.js shows it after a search
