from chalicelib.lexicon import Lexicon
from chalicelib.lint import lint_article
from tests.conftest import article_text

LEXICON = Lexicon(banned_phrases=["不知道", "不归我们管"], categories={"heating": "供暖"})


def messages(text: str, **kwargs) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in lint_article(text, LEXICON, **kwargs)[1]]


def test_a_good_article_has_no_problems():
    assert messages(article_text(), expected_id="test-article", expected_category="heating") == []


def test_id_must_equal_the_file_name():
    assert messages(article_text(), expected_id="other-name") == [
        (2, "id 'test-article' must equal the file name 'other-name'")
    ]


def test_category_must_be_known_and_match_the_folder():
    found = messages(article_text(category="parking"), expected_category="heating")
    assert [line for line, _ in found] == [4, 4]


def test_banned_phrase_in_public_text_is_reported_at_its_line():
    text = article_text().replace("- 报修时说明楼号和门牌号。", "- 这事不归我们管。")
    assert (20, "banned service phrase '不归我们管' in public text") in messages(text)


def test_banned_phrase_in_internal_notes_is_allowed():
    text = article_text().replace("- 整栋楼不热按紧急派单。", "- 不要说“不知道”。")
    assert messages(text) == []


def test_internal_articles_may_quote_banned_phrases():
    text = article_text(audience="internal").replace("- 报修时说明楼号和门牌号。", "- 忌语：不知道。")
    assert messages(text) == []


def test_a_too_short_standard_answer_is_reported():
    found = messages(article_text(answer="您好，请拨打12345。"))
    assert any("标准答复 has" in m for _, m in found)
