import pytest

from chalicelib.knowledge.parsing import (
    ANSWER,
    INTERNAL_NOTES,
    ArticleInvalid,
    parse_article,
    read_article,
    render_sections,
)
from chalicelib.knowledge.problems import Problem
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


def test_every_value_is_text_so_a_phone_number_keeps_its_leading_zero():
    assert parse_article(article_text(phone="0571-8888")).phone == "0571-8888"
    assert parse_article(article_text(phone="0571")).phone == "0571"  # YAML 1.1 would read an octal 377
    assert parse_article(article_text(phone="12345")).phone == "12345"


def test_an_impossible_date_is_a_problem_at_its_line_not_a_crash():
    assert problems_of(article_text(effective_from="2025-13-01")) == [
        (10, "生效日期“2025-13-01”不是有效日期，请写成 2025-01-31 这样的格式")
    ]


def test_a_date_is_only_read_as_written_year_month_day():
    assert problems_of(article_text(review_by="0"))[0] == (11, "复审日期“0”不是有效日期，请写成 2025-01-31 这样的格式")
    assert problems_of(article_text(review_by="2026/10/01"))[0][0] == 11


def test_a_bad_field_is_reported_at_its_line_in_plain_chinese():
    assert problems_of(article_text(audience="everyone")) == [
        (5, "适用对象只能是 public（公众可见）或 internal（仅坐席）")
    ]
    assert problems_of(article_text(title="暖气")) == [(3, "标题至少 4 个字（现在 2 个）")]
    assert problems_of(article_text("Heating Fee")) == [
        (2, "编号只能用小写字母、数字和连字符，例如 heating-fee-payment")
    ]


def test_a_missing_field_is_named_by_its_label_and_its_key():
    text = article_text().replace("review_by: 2026-10-01\n", "")
    assert problems_of(text) == [(1, "缺少必填项：复审日期（review_by）")]


def test_an_unknown_field_is_an_error_so_typos_never_pass():
    text = article_text().replace("review_by:", "reviewby:")
    assert (11, "未知字段“reviewby”；是不是“review_by”（复审日期）？") in problems_of(text)


def test_expiry_before_start_is_refused_at_the_expiry_line():
    assert problems_of(article_text(expires="2025-09-01")) == [(12, "失效日期“2025-09-01”要晚于生效日期“2025-10-01”")]


def test_a_source_written_on_one_line_says_how_to_write_it():
    assert problems_of(article_text(source="国务院")) == [
        (12, "政策依据来源要分行写：issuer（发文单位）和 number（文号），各缩进两个空格")
    ]


def test_a_full_width_colon_after_a_field_name_is_read_as_a_colon_with_a_notice():
    text = article_text().replace("title: ", "title：").replace("category: ", "category ：")
    parsed = read_article(text)
    assert parsed.article is not None and parsed.article.title == "暖气不热怎么办"
    assert parsed.notices == [
        Problem(3, "冒号“：”是全角，已按半角“:”读取；建议改为半角"),
        Problem(4, "冒号“：”是全角，已按半角“:”读取；建议改为半角"),
    ]
    assert parsed.article.markdown == text  # the editor's text is kept as written


def test_full_width_digits_and_dashes_in_a_date_or_phone_are_read_as_ascii_with_a_notice():
    parsed = read_article(article_text(review_by="２０２６－１０—０１", phone="０５７１－８８８８"))
    assert parsed.article is not None
    assert (str(parsed.article.review_by), parsed.article.phone) == ("2026-10-01", "0571-8888")
    assert [n.line for n in parsed.notices] == [7, 11]
    assert parsed.notices[1].message == "“２０２６－１０—０１”里有全角或中文符号，已按“2026-10-01”读取；建议改为半角"


def test_a_colon_without_a_space_is_a_problem_at_its_line():
    assert problems_of(article_text().replace("title: ", "title:")) == [(3, "冒号后面要有一个空格")]


def test_yaml_mistakes_are_explained_without_yaml_jargon():
    assert problems_of(article_text().replace("title: ", "title ")) == [(3, "这一行不是“字段: 值”的格式")]
    assert problems_of(article_text().replace("title: ", "\ttitle: ")) == [(3, "这一行有 Tab 字符，请改用空格")]
    unclosed = article_text().replace("[暖气片不热, 屋里不暖和]", "[暖气片不热, 屋里")
    assert problems_of(unclosed) == [(8, "方括号“[ ]”没有写完整：各项之间用英文逗号隔开，最后以“]”结束")]
    assert problems_of(article_text(title="说明: 暖气不热")) == [
        (3, '值里不能有“: ”（冒号加空格），请把整个值用英文引号 "…" 括起来')
    ]


def test_a_field_written_twice_is_reported_at_the_second():
    text = article_text().replace("category: heating\n", "category: heating\ncategory: heating\n")
    assert problems_of(text) == [(5, "字段“category”写了两次，请只保留一个")]


def test_the_standard_answer_is_required():
    assert problems_of(article_text(body="## 一次性告知\n\n- 带身份证\n")) == [
        (13, "缺少“## 标准答复”小节，或其中没有内容")
    ]


def test_unknown_and_duplicate_sections_are_reported_at_their_lines():
    body = "## 标准答复\n\n答复。\n\n## 常见问题\n\n问答\n\n## 标准答复\n\n又一遍\n"
    assert problems_of(article_text(body=body)) == [
        (18, "未知的小节“常见问题”；可用：标准答复、一次性告知、办理渠道、政策依据、内部提示"),
        (22, "小节“标准答复”出现了两次"),
    ]


def test_section_headings_and_order_are_explained():
    body = "# 暖气\n\n## 内部提示\n\n提示\n\n## 标准答复\n\n答复\n\n##政策依据\n"
    assert problems_of(article_text(body=body)) == [
        (14, "正文的小标题请用“## ”，标题写在文件头里"),
        (20, "小节“标准答复”的位置不对；顺序应为：标准答复 → 一次性告知 → 办理渠道 → 政策依据 → 内部提示"),
        (24, "小标题的“##”后面要有一个空格"),
    ]


def test_a_file_without_front_matter_is_refused():
    assert problems_of("## 标准答复\n\n答复\n") == [
        (1, "文件第一行必须是“---”，下面是文件头（编号、标题等），再用一行“---”结束")
    ]
    assert problems_of("---\nid: a\n") == [(1, "文件头没有结束：请在最后一个字段下面加一行“---”")]


def test_a_problem_reads_with_its_line_for_display():
    assert Problem(3, "冒号后面要有一个空格").text == "第 3 行：冒号后面要有一个空格"


def test_rendering_escapes_raw_html_and_drops_javascript_links():
    html = render_sections(
        {ANSWER: "<script>alert(1)</script> [点我](javascript:alert(1)) <img src=x onerror=alert(1)>"}
    )
    assert "<script>" not in html and "<img" not in html
    assert 'href="javascript' not in html and "<a" not in html
    assert "&lt;script&gt;" in html
