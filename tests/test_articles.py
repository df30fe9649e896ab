import pytest

from chalicelib.articles import ANSWER, INTERNAL_NOTES, ArticleInvalid, parse_article, render_sections
from tests.conftest import article_text


def test_a_valid_article_parses_with_its_sections():
    article = parse_article(article_text())
    assert article.id == "test-article"
    assert article.phone == "12345"
    assert article.questions == ["暖气片不热", "屋里不暖和"]
    assert set(article.sections) == {ANSWER, "一次性告知", INTERNAL_NOTES}
    assert len(article.content_hash) == 64


def problems_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ArticleInvalid) as raised:
        parse_article(text)
    return [(p.line, p.message) for p in raised.value.problems]


def test_a_bad_field_is_reported_at_its_line():
    problems = problems_of(article_text(audience="everyone"))
    assert problems[0][0] == 5 and "audience" in problems[0][1]


def test_a_missing_field_is_reported():
    text = article_text().replace("department: 供热企业\n", "")
    assert any("department" in message and "required" in message.lower() for _, message in problems_of(text))


def test_an_unknown_field_is_an_error_so_typos_never_pass():
    text = article_text().replace("review_by:", "reviewby:")
    messages = " ".join(m for _, m in problems_of(text))
    assert "reviewby" in messages and "review_by" in messages


def test_expiry_before_start_is_refused():
    problems = problems_of(article_text(expires="2025-09-01"))
    assert any("expires" in m for _, m in problems)


def test_the_standard_answer_is_required():
    problems = problems_of(article_text(body="## 一次性告知\n\n- 带身份证\n"))
    assert any(ANSWER in m for _, m in problems)


def test_unknown_and_duplicate_sections_are_reported_at_their_lines():
    body = "## 标准答复\n\n答复。\n\n## 常见问题\n\n问答\n\n## 标准答复\n\n又一遍\n"
    problems = problems_of(article_text(body=body))
    assert [line for line, _ in problems] == [18, 22]


def test_invalid_yaml_is_reported_with_a_line():
    text = article_text().replace("questions: [暖气片不热, 屋里不暖和]", "questions: [暖气片不热, 屋里")
    problems = problems_of(text)
    assert problems[0][0] >= 7 and "YAML" in problems[0][1]


def test_a_file_without_front_matter_is_refused():
    assert problems_of("## 标准答复\n\n答复\n")[0][0] == 1


def test_rendering_escapes_raw_html_and_drops_javascript_links():
    html = render_sections(
        {ANSWER: "<script>alert(1)</script> [点我](javascript:alert(1)) <img src=x onerror=alert(1)>"}
    )
    assert "<script>" not in html and "<img" not in html
    assert 'href="javascript' not in html and "<a" not in html
    assert "&lt;script&gt;" in html
