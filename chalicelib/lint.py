"""Editorial rules on top of parsing: naming, categories, answer length, banned service phrases. Pure."""

from chalicelib.articles import ANSWER, INTERNAL_NOTES, ArticleInvalid, Problem, parse_article, section_lines
from chalicelib.lexicon import Lexicon
from chalicelib.models import Article, Audience

# An answer read aloud: long enough to be complete, short enough to hold a caller's attention.
ANSWER_MIN_CHARS = 80
ANSWER_MAX_CHARS = 300


def lint_article(
    text: str, lexicon: Lexicon, expected_id: str | None = None, expected_category: str | None = None
) -> tuple[Article | None, list[Problem]]:
    """Parse and check one article; returns the article (if it parses) and every problem, by line."""
    try:
        article = parse_article(text)
    except ArticleInvalid as invalid:
        return None, invalid.problems
    lines = text.replace("\r\n", "\n").split("\n")
    field_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        field_line.setdefault(line.split(":", 1)[0], number)
    problems: list[Problem] = []
    if expected_id is not None and article.id != expected_id:
        problems.append(Problem(field_line.get("id", 1), f"id '{article.id}' must equal the file name '{expected_id}'"))
    if lexicon.categories and article.category not in lexicon.categories:
        known = ", ".join(lexicon.categories)
        problems.append(
            Problem(field_line.get("category", 1), f"unknown category '{article.category}'; known: {known}")
        )
    if expected_category is not None and article.category != expected_category:
        problems.append(
            Problem(
                field_line.get("category", 1),
                f"category '{article.category}' must equal the folder name '{expected_category}'",
            )
        )
    ranges = section_lines(text)
    answer_chars = len("".join(article.sections[ANSWER].split()))
    if not ANSWER_MIN_CHARS <= answer_chars <= ANSWER_MAX_CHARS:
        problems.append(
            Problem(
                ranges[ANSWER].start - 1,
                f"{ANSWER} has {answer_chars} characters; "
                f"it should have {ANSWER_MIN_CHARS}-{ANSWER_MAX_CHARS} to read well aloud",
            )
        )
    if article.audience is Audience.PUBLIC:
        problems.extend(_banned_phrases(lines, ranges.get(INTERNAL_NOTES, range(0)), lexicon.banned_phrases))
    return article, sorted(problems, key=lambda p: p.line)


def _banned_phrases(lines: list[str], internal: range, banned: list[str]) -> list[Problem]:
    """服务忌语 anywhere in the public text (front matter included; internal notes excepted)."""
    return [
        Problem(number, f"banned service phrase '{phrase}' in public text")
        for number, line in enumerate(lines, 1)
        if number not in internal
        for phrase in banned
        if phrase in line
    ]
