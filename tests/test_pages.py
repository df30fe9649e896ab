"""The pages through chalice's test client: relative roots, escaping, headers, 404s, results without JavaScript."""

import re
from urllib.parse import quote

import pytest
from chalice.test import Client

from app import app
from chalicelib.clock import china_today
from chalicelib.knowledge.models.reading import Referral, SearchHit, SearchResult
from chalicelib.web import faq, pages
from chalicelib.web.pages import page_csp
from chalicelib.wiring import Stores
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
    from chalicelib.web import pages

    class Request:
        context = {"path": "/api"}

    monkeypatch.setattr(app, "current_request", Request(), raising=False)
    assert pages._stage_root() == "api/"
    Request.context = {"path": "/api/"}
    assert pages._stage_root() == ""


def test_the_article_page_escapes_everything_but_the_sanitised_body(client: Client, synced_store: Stores):
    answer = '<script>alert("x")</script>' + "您好，这是一个用来检查转义的答复。" * 8
    publish(
        synced_store, article_text("xss-page", title='暖气"<b>不热</b>', department="供热<i>企业</i>", answer=answer)
    )
    response = client.http.get("/faq/xss-page")
    page = response.body.decode("utf-8")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == page_csp(None)
    assert "<script>alert" not in page and "<b>" not in page and "<i>" not in page
    assert "暖气&quot;&lt;b&gt;不热&lt;/b&gt;" in page and "供热&lt;i&gt;企业&lt;/i&gt;" in page
    assert "&lt;script&gt;" in page  # the body, from markdown-it with raw HTML off


def test_an_article_that_mentions_a_placeholder_shows_it_as_written(client: Client, synced_store: Stores):
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


def test_the_search_page_lists_hits_without_javascript_and_logs_it(client: Client, synced_store: Stores):
    response = client.http.get("/search?q=%E6%9A%96%E6%B0%94%E4%B8%8D%E7%83%AD")  # 暖气不热
    page = response.body.decode("utf-8")
    assert response.status_code == 200 and response.headers["Content-Security-Policy"] == page_csp(None)
    assert '<a href="./faq/heating-radiator-not-warm" data-id="heating-radiator-not-warm">' in page
    assert '<a class="brand" href="./">' in page and 'href="./static/zhida.css"' in page
    assert "<mark>" in page and "找到" in page and 'value="暖气不热"' in page
    assert re.search(r'<div id="hotline" class="hotline" hidden>', page)  # answered: no hotline box
    assert "<title>搜索结果 - 12345 知答</title>" in page  # browsers keep titles in history: never the query
    today = china_today().isoformat()
    logged = synced_store.records.all(f"QUERYLOG#{today}")
    assert [(r["query"], r["answered"], r["top"]) for r in logged] == [("暖气不热", True, "heating-radiator-not-warm")]


def test_the_search_page_says_call_12345_when_nothing_fits(client: Client):
    page = client.http.get("/search?q=" + quote("量子力学是什么")).body.decode()  # no article, nobody to refer to
    assert '<div id="hotline" class="hotline">' in page and "请拨打 " in page and 'href="tel:12345"' in page
    assert "没有找到确切答案" in page or "没有找到相关问题" in page
    assert "您是不是想问" not in page  # issue #22: candidates are labelled 可能相关的问题, when there are any


def test_the_search_page_refers_an_emergency_and_another_lines_matter(client: Client):
    fire = client.http.get("/search?q=" + quote("家里着火了")).body.decode()
    emergency = between(fire, '<section id="emergency"', "</section>")
    assert (
        " hidden" not in emergency.split(">")[0]
        and '<a href="tel:119">请立即拨打 <span class="number">119' in emergency
    )
    assert "<li>" not in fire and '<div id="hotline" class="hotline" hidden>' in fire  # no article, one way forward
    passport = client.http.get("/search?q=" + quote("护照丢了去哪补办")).body.decode()
    way = between(passport, '<div id="hotline"', "</div>")
    assert way.startswith('<div id="hotline" class="hotline">') and '<a href="tel:12367">12367</a>' in way
    assert '<section id="emergency" class="emergency" aria-labelledby="emergency-title" hidden>' in passport


def test_the_search_page_escapes_the_query_and_without_one_is_the_faq_page(client: Client):
    page = client.http.get("/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").body.decode("utf-8")
    assert "<script>alert" not in page and 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    empty = client.http.get("/search?q=%20").body.decode("utf-8")
    assert '<section id="answer" aria-label="搜索结果" hidden>' in empty and "<title>12345 知答" in empty


def test_the_faq_forms_submit_to_the_search_page(client: Client):
    assert 'action="search" method="get" id="search-form"' in client.http.get("/").body.decode("utf-8")
    article = client.http.get("/faq/heating-radiator-not-warm").body.decode("utf-8")
    assert '<form class="mini-search" action="../search" method="get"' in article


def test_an_article_links_the_articles_it_names_that_citizens_may_open(client: Client, synced_store: Stores):
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


# ---- the results page's decision (faq.py), on replies built as the API sends them: no table needed

FIRE = Referral(kind="emergency", topic="火灾", name="119火警", phone="119", say="请立即拨打 119，说清地址。")
PASSPORT = Referral(kind="line", topic="出入境证件", name="12367出入境服务热线", phone="12367", say="请拨打 12367。")
UNLISTED = Referral(kind="department", topic="占道经营", name="城市管理局", phone=None, say="可通过 12345 派单转办。")


def a_hit(article_id: str, score: float) -> SearchHit:
    return SearchHit(
        id=article_id,
        title=f"标题{article_id}",
        category="heating",
        score=score,
        snippet="摘要",
        department="heating-company",
        department_name="供热企业",
    )


def a_reply(state: str, hits: list[SearchHit] | None = None, referral: Referral | None = None) -> SearchResult:
    return SearchResult.model_validate(
        {"query": "问题", "answered": state == "answered", "state": state, "hits": hits or [], "referral": referral}
    )


def between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def test_the_status_line_says_what_came_of_the_search_and_where_to_turn():
    hits = [a_hit("a", 0.9), a_hit("b", 0.5)]
    assert faq.said(a_reply("answered", hits)) == "找到 2 条相关问题"
    assert faq.said(a_reply("doubtful", hits)) == "没有找到确切答案，请拨打 12345。"
    assert faq.said(a_reply("nothing")) == "没有找到相关问题，请拨打 12345。"
    assert faq.said(a_reply("nothing", referral=PASSPORT)) == "没有找到相关问题，请拨打 12367。"
    assert faq.said(a_reply("doubtful", hits, UNLISTED)) == "没有找到确切答案，请拨打 12345 转办。"
    assert faq.said(a_reply("nothing", referral=FIRE)) == "紧急情况，请立即拨打 119"
    assert faq.said(a_reply("answered", hits[:1], FIRE)) == "紧急情况，请立即拨打 119。找到 1 条相关问题"
    assert not any("您是不是想问" in faq.said(a_reply(state, hits)) for state in ("answered", "doubtful"))


def test_a_referral_names_who_handles_it_with_a_number_a_phone_dials():
    assert faq.way_forward(PASSPORT) == (
        '<p><strong>这个问题由12367出入境服务热线办理，电话<a href="tel:12367">12367</a></strong></p>'
        "<p>请拨打 12367。</p>"
    )
    unlisted = faq.way_forward(UNLISTED)
    assert '这个问题由城市管理局办理，电话未登记，请拨打 <a href="tel:12345">12345</a> 转办' in unlisted
    assert "可通过 12345 派单转办。" in unlisted
    assert faq.way_forward(None).startswith('<p><strong>请拨打 <a href="tel:12345">12345</a></strong></p>')
    dashed = PASSPORT.model_copy(update={"phone": "0431-8888 1234"})
    assert '<a href="tel:043188881234">0431-8888 1234</a>' in faq.way_forward(dashed)
    # An extension is shown as typed and dialled after a pause (the comma), never run into the number.
    dialled = {"12345 转 2": "12345,2", "022-12345678-8001": "02212345678,8001", "400-123-4567": "4001234567"}
    for phone, number in dialled.items():
        assert f'<a href="tel:{number}">{phone}</a>' in faq.way_forward(PASSPORT.model_copy(update={"phone": phone}))


def test_an_emergency_block_has_its_topic_the_number_big_and_dialable_and_what_to_do():
    block = faq.emergency(FIRE)
    assert '<h2 id="emergency-title">紧急情况：火灾</h2>' in block
    assert '<p class="call"><a href="tel:119">请立即拨打 <span class="number">119</span></a></p>' in block
    assert block.endswith("<p>请立即拨打 119，说清地址。</p>")
    unlisted = faq.emergency(FIRE.model_copy(update={"phone": None}))
    assert '请立即联系119火警，电话未登记，请拨打 <a href="tel:12345">12345</a> 转办' in unlisted


def test_a_referral_is_escaped_wherever_it_is_shown():
    hostile = Referral(
        kind="line", topic="<i>话题</i>", name='<b>"热线"</b>', phone='12367"><script>', say="<script>alert(1)</script>"
    )
    urgent = hostile.model_copy(update={"kind": "emergency"})
    for html in (faq.way_forward(hostile), faq.emergency(urgent), pages._faq("./", a_reply("nothing", [], urgent))):
        assert "<script>" not in html and "<b>" not in html and "<i>" not in html, html
    assert '<a href="tel:12367">12367&quot;&gt;&lt;script&gt;</a>' in faq.way_forward(hostile)
    assert "&lt;b&gt;&quot;热线&quot;&lt;/b&gt;" in faq.way_forward(hostile)
    assert "紧急情况：&lt;i&gt;话题&lt;/i&gt;" in faq.emergency(urgent)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in faq.emergency(urgent)


def test_the_results_page_puts_an_emergency_above_every_article():
    page = pages._faq("./", a_reply("answered", [a_hit("gas-leak", 0.9)], FIRE))
    assert '<section id="emergency" class="emergency" aria-labelledby="emergency-title">' in page
    assert page.index('href="tel:119"') < page.index('data-id="gas-leak"')
    assert '<div id="hotline" class="hotline" hidden>' in page  # one way forward: the emergency line
    alone = pages._faq("./", a_reply("nothing", [], FIRE))
    assert "请立即拨打" in alone and "<li>" not in alone


def test_the_results_page_labels_candidates_and_gives_the_way_forward_after_no_answer():
    doubtful = pages._faq("./", a_reply("doubtful", [a_hit("second", 0.2), a_hit("first", 0.4)]))
    assert '<h2 id="results-title" class="candidates-title">可能相关的问题</h2>' in doubtful
    assert re.findall(r'data-id="([a-z]+)"', doubtful) == ["second", "first"]  # the server's order, never sorted
    assert '<div id="hotline" class="hotline">' in doubtful and 'href="tel:12345"' in doubtful
    assert '<section id="emergency" class="emergency" aria-labelledby="emergency-title" hidden></section>' in doubtful

    referred = pages._faq("./", a_reply("nothing", [], PASSPORT))
    way = between(referred, '<div id="hotline"', "</div>")
    assert way.startswith('<div id="hotline" class="hotline">') and "这个问题由12367出入境服务热线办理" in way
    assert "<li>" not in referred and '<h2 id="results-title" class="sr-only">搜索结果</h2>' in referred

    answered = pages._faq("./", a_reply("answered", [a_hit("only", 0.9)]))
    assert '<div id="hotline" class="hotline" hidden>' in answered
    assert '<h2 id="results-title" class="sr-only">搜索结果</h2>' in answered


def test_the_article_form_calls_each_field_by_the_name_lint_uses():
    """One word per field: the form's label (or list's legend) begins with the field's name in the article model, which
    lint's messages use (复审日期, never 复核日期 in one place and 复审日期 in another)."""
    from chalicelib.knowledge.explanations import FIELD_LABELS

    html = (pages.STATIC_DIR / "editor.html").read_text(encoding="utf-8")
    labels = dict(re.findall(r'<label for="f-(\w+)">([^<]+)</label>', html))
    labels |= {field: legend for legend, field in re.findall(r'<legend>([^<]+)</legend>\s*<ol id="f-(\w+)"', html)}
    assert len(labels) == 12 and "review_by" in labels  # every field the form has
    assert {field: label for field, label in labels.items() if not label.startswith(FIELD_LABELS[field])} == {}
    assert FIELD_LABELS["review_by"] == "复审日期"
