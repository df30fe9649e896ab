import random
import re
from collections.abc import Iterator

from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.lint import lint_article
from chalicelib.people.directory import Department, Directory
from tests.conftest import article_text

LEXICON = Lexicon(banned_phrases=["不知道", "不归我们管"], categories={"heating": "供暖", "utilities": "水电燃气"})
DIRECTORY = Directory(
    [
        Department(code="heating-company", name="供热企业"),
        Department(code="heating-station", name="各区供热站"),
        Department(code="water-company", name="自来水公司"),
    ]
)


def messages(text: str, **kwargs) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in lint_article(text, LEXICON, **kwargs).problems]


def test_a_good_article_has_no_problems():
    linted = lint_article(article_text(), LEXICON, "test-article", "heating", directory=DIRECTORY)
    assert linted.article is not None and linted.problems == [] and linted.notices == []


def test_id_must_equal_the_file_name():
    assert messages(article_text(), expected_id="other-name") == [
        (2, "编号“test-article”和文件名“other-name.md”不一致；两者要相同")
    ]


def test_category_must_be_known_and_match_the_folder():
    assert messages(article_text(category="parking"), expected_category="heating") == [
        (4, "未知的分类“parking”；可用：heating（供暖）、utilities（水电燃气）"),
        (4, "分类“parking”和所在文件夹“heating”不一致；两者要相同"),
    ]


def test_the_lines_of_fields_written_with_a_full_width_colon_are_found():
    text = article_text().replace("category: ", "category：")
    assert messages(text, expected_category="utilities") == [
        (4, "分类“heating”和所在文件夹“utilities”不一致；两者要相同")
    ]
    assert lint_article(text, LEXICON).notices[0].line == 4


def test_a_department_must_be_a_code_in_the_directory_with_close_ones_suggested():
    assert messages(article_text(department="供热企业"), directory=DIRECTORY) == [
        (6, "承办单位“供热企业”不在派单目录中；相近的有：heating-company（供热企业）、heating-station（各区供热站）")
    ]
    assert messages(article_text(department="燃气集团"), directory=DIRECTORY) == [
        (6, "承办单位“燃气集团”不在派单目录中；请从派单目录中选择编码")
    ]


def test_a_retired_department_is_refused_with_the_current_ones_suggested():
    retired = DIRECTORY.get("heating-company").model_copy(update={"retired": True})
    directory = Directory([*DIRECTORY, retired, Department(code="heating-group", name="供热企业集团")])
    current = "heating-group（供热企业集团）、heating-station（各区供热站）"  # never the retired one
    assert messages(article_text(department="heating-company"), directory=directory) == [
        (6, f"承办单位“heating-company”（供热企业）已撤销，不再派单；相近的有：{current}")
    ]


def test_without_a_directory_the_department_is_not_checked():
    assert messages(article_text(department="供热企业")) == []


def test_banned_phrase_in_public_text_is_reported_at_its_line():
    text = article_text().replace("- 报修时说明楼号和门牌号。", "- 这事不归我们管。")
    assert messages(text) == [(20, "公开内容里有服务忌语“不归我们管”，请换一种说法")]


def test_banned_phrase_in_internal_notes_is_allowed():
    text = article_text().replace("- 整栋楼不热按紧急派单。", "- 不要说“不知道”。")
    assert messages(text) == []


def test_internal_articles_may_quote_banned_phrases():
    text = article_text(audience="internal").replace("- 报修时说明楼号和门牌号。", "- 忌语：不知道。")
    assert messages(text) == []


def test_a_too_short_standard_answer_is_reported():
    assert messages(article_text(answer="您好，请拨打12345。")) == [
        (14, "标准答复有 12 个字；宜在 80–300 字之间，便于电话中读完")
    ]


def test_a_notice_never_fails_a_lint():
    linted = lint_article(article_text(review_by="２０２６-10-01"), LEXICON)
    assert linted.article is not None and linted.problems == [] and len(linted.notices) == 1


# What an editor never reads: the validator's and the YAML parser's own words.
JARGON = re.compile(r"Input should|String should|could not|expected|mapping|scalar|token|YAML|Field required", re.I)
INSERTS = (":", "：", "-", "\t", " ", "\n", "#", "[", "]", "{", '"', "'", "*", "&", "!", "|", ">", "@", "%", "\x00")


def mutations(text: str, inserts: int = 1500) -> Iterator[str]:
    """Truncations, deletions, duplications, swaps and stray characters: what a slip of the keyboard makes."""
    lines = text.split("\n")
    for i in range(len(lines)):
        yield "\n".join(lines[:i])
        yield "\n".join(lines[:i] + lines[i + 1 :])
        yield "\n".join(lines[: i + 1] + lines[i:])
    for i in range(len(text)):
        yield text[:i]
        yield text[:i] + text[i + 1 : i + 2] + text[i] + text[i + 2 :]
    header = text.index("\n---\n") + 1
    chance = random.Random(12)  # a fixed sample of the header's positions x stray characters: a second or two
    for i, c in chance.sample([(i, c) for i in range(header) for c in INSERTS], inserts):
        yield text[:i] + c + text[i:]


def test_no_text_makes_lint_raise_and_every_problem_is_plain_and_inside_the_file():
    valid = article_text(source="\n  issuer: 国务院\n  number: 国务院令第583号", expires="2027-01-01")
    odd = ["", "---", "---\n---", "\ufeff" + valid, valid.replace("\n", "\r\n"), valid.replace("\n", "\r")]
    odd += ["---\n" + "[" * 5000 + "\n---\n", valid.replace("2027-01-01", "!!timestamp 2025-13-01")]
    variants = [*mutations(valid), *odd]
    assert len(variants) > 2000
    for text in variants:
        linted = lint_article(text, LEXICON, "test-article", "heating", directory=DIRECTORY)
        line_count = len(text.replace("\r\n", "\n").split("\n"))
        for problem in linted.problems + linted.notices:
            assert 1 <= problem.line <= line_count, (text, problem)
            assert not JARGON.search(problem.message), (text, problem)
        assert linted.article is not None or linted.problems, text  # an unreadable article is always explained
