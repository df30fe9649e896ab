"""An article's public page text: cross-references become links, never anything else; the summary is plain."""

from chalicelib.knowledge.rendering import reference_key, render_linked, summary

PAGES = {"暖气片如何排气": "../faq/heating-radiator-bleed-air", "申请暂停供热(报停)": "../faq/heating-stop-apply"}


def resolve(name: str) -> str | None:
    return {reference_key(k): v for k, v in PAGES.items()}.get(reference_key(name))


def test_a_quoted_title_becomes_a_link_and_the_quotes_stay_outside_it():
    html = render_linked({"标准答复": "排气方法见“暖气片如何排气”，报停见“申请暂停供热（报停）”。"}, resolve)
    assert "lt;" not in html and '排气方法见“<a href="../faq/heating-radiator-bleed-air">暖气片如何排气</a>”' in html
    assert '报停见“<a href="../faq/heating-stop-apply">申请暂停供热（报停）</a>”' in html  # full-width brackets match


def test_code_an_authors_own_link_and_unknown_names_stay_as_written():
    text = "`“暖气片如何排气”` [“暖气片如何排气”](https://example.org) “没有这篇” **“暖气片如何排气”**"
    html = render_linked({"标准答复": text}, resolve)
    assert "<code>“暖气片如何排气”</code>" in html
    assert '<a href="https://example.org">“暖气片如何排气”</a>' in html and "“没有这篇”" in html
    assert html.count('href="../faq/heating-radiator-bleed-air"') == 1  # the bold one


def test_raw_html_in_an_article_is_text_even_around_a_reference():
    html = render_linked({"标准答复": "<b>“暖气片如何排气”</b><script>x</script>"}, resolve)
    assert "<b>" not in html and "<script>" not in html and "&lt;b&gt;“<a " in html


def test_the_sections_keep_their_fixed_order_and_headings():
    html = render_linked({"一次性告知": "- 带身份证", "标准答复": "您好。"}, resolve)
    assert html.index("<h2>标准答复</h2>") < html.index("<h2>一次性告知</h2>")


def test_the_summary_is_the_first_paragraph_as_plain_text_cut_to_length():
    assert summary("您好，**暖气**不热\n可以先[排气](https://x)。\n\n- 第二段") == "您好，暖气不热可以先排气。"
    assert summary("长" * 200, limit=10) == "长" * 9 + "…"
    assert summary("") == ""
