"""Editorial rules on top of parsing: naming, categories, departments, answer length, banned phrases. Pure."""

from dataclasses import dataclass

from chalicelib.knowledge.frontmatter import field_lines
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import Article, Audience
from chalicelib.knowledge.parsing import ANSWER, INTERNAL_NOTES, read_article, section_lines
from chalicelib.knowledge.problems import Problem
from chalicelib.people.directory import Directory

# An answer read aloud: long enough to be complete, short enough to hold a caller's attention.
ANSWER_MIN_CHARS = 80
ANSWER_MAX_CHARS = 300


@dataclass(frozen=True)
class Linted:
    """What linting found: the article (None if it cannot be read), its problems and its notices, by line.

    Notices say how an unambiguous slip was read (a full-width colon, say); they never fail a lint."""

    article: Article | None
    problems: list[Problem]
    notices: list[Problem]


def lint_article(
    text: str,
    lexicon: Lexicon,
    expected_id: str | None = None,
    expected_category: str | None = None,
    *,
    directory: Directory | None = None,
) -> Linted:
    """Parse and check one article; never raises. Without a directory, the department is not checked."""
    parsed = read_article(text)
    article = parsed.article
    if article is None:
        return Linted(None, parsed.problems, parsed.notices)
    lines = text.replace("\r\n", "\n").split("\n")
    where = field_lines(text)
    problems: list[Problem] = []
    if expected_id is not None and article.id != expected_id:
        message = f"编号“{article.id}”和文件名“{expected_id}.md”不一致；两者要相同"
        problems.append(Problem(where.get("id", 1), message))
    if lexicon.categories and article.category not in lexicon.categories:
        known = "、".join(f"{slug}（{name}）" for slug, name in lexicon.categories.items())
        problems.append(Problem(where.get("category", 1), f"未知的分类“{article.category}”；可用：{known}"))
    if expected_category is not None and article.category != expected_category:
        message = f"分类“{article.category}”和所在文件夹“{expected_category}”不一致；两者要相同"
        problems.append(Problem(where.get("category", 1), message))
    if directory is not None and article.department not in directory:
        problems.append(Problem(where.get("department", 1), _unknown_department(article.department, directory)))
    elif directory is not None and directory.dispatch(article.department) is None:
        problems.append(Problem(where.get("department", 1), _retired_department(article.department, directory)))
    ranges = section_lines(text)
    answer_chars = len("".join(article.sections[ANSWER].split()))
    if not ANSWER_MIN_CHARS <= answer_chars <= ANSWER_MAX_CHARS:
        message = f"{ANSWER}有 {answer_chars} 个字；宜在 {ANSWER_MIN_CHARS}–{ANSWER_MAX_CHARS} 字之间，便于电话中读完"
        problems.append(Problem(ranges[ANSWER].start - 1, message))
    if article.audience is Audience.PUBLIC:
        problems.extend(_banned_phrases(lines, ranges.get(INTERNAL_NOTES, range(0)), lexicon.banned_phrases))
    return Linted(article, sorted(problems, key=lambda p: p.line), parsed.notices)


def _unknown_department(department: str, directory: Directory) -> str:
    close = "、".join(f"{d.code}（{d.name}）" for d in directory.close_matches(department))
    hint = f"相近的有：{close}" if close else "请从派单目录中选择编码"
    return f"承办单位“{department}”不在派单目录中；{hint}"


def _retired_department(department: str, directory: Directory) -> str:
    close = "、".join(f"{d.code}（{d.name}）" for d in directory.close_matches(directory.name_of(department)))
    hint = f"相近的有：{close}" if close else "请从派单目录中选择编码"
    return f"承办单位“{department}”（{directory.name_of(department)}）已撤销，不再派单；{hint}"


def _banned_phrases(lines: list[str], internal: range, banned: list[str]) -> list[Problem]:
    """服务忌语 anywhere in the public text (front matter included; internal notes excepted)."""
    return [
        Problem(number, f"公开内容里有服务忌语“{phrase}”，请换一种说法")
        for number, line in enumerate(lines, 1)
        if number not in internal
        for phrase in banned
        if phrase in line
    ]
