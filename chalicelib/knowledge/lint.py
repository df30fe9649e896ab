"""Editorial rules on top of parsing: naming, categories, departments, answer length, banned phrases. Pure."""

from dataclasses import dataclass

from chalicelib.knowledge.districts import dispatch_for
from chalicelib.knowledge.frontmatter import entry_lines, field_lines
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import Article, Audience
from chalicelib.knowledge.parsing import ANSWER, INTERNAL_NOTES, VARIED, read_article, section_lines, variant_heading
from chalicelib.knowledge.problems import Problem
from chalicelib.people.directory import Department, Directory

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
    problems += _answer_length(article.sections[ANSWER], ranges[ANSWER].start - 1)
    for variant in article.variants:
        if variant.section == ANSWER:  # a district's answer is read out too: as the caller hears it
            worded = variant.text if not variant.adds else f"{article.sections[ANSWER]}{variant.text}"
            problems += _answer_length(worded, variant.line, f"{variant.district}的")
    problems += _misplaced_variants(lines, ranges, directory)
    notices = list(parsed.notices)
    if directory is not None:
        _check_districts(text, article, directory, problems, notices)
    if article.audience is Audience.PUBLIC:
        problems.extend(_banned_phrases(lines, ranges.get(INTERNAL_NOTES, range(0)), lexicon.banned_phrases))
    return Linted(article, sorted(problems, key=lambda p: p.line), sorted(notices, key=lambda p: p.line))


def _answer_length(answer: str, line: int, whose: str = "") -> list[Problem]:
    chars = len("".join(answer.split()))
    if ANSWER_MIN_CHARS <= chars <= ANSWER_MAX_CHARS:
        return []
    message = f"{whose}{ANSWER}有 {chars} 个字；宜在 {ANSWER_MIN_CHARS}–{ANSWER_MAX_CHARS} 字之间，便于电话中读完"
    return [Problem(line, message)]


def _misplaced_variants(lines: list[str], ranges: dict[str, range], directory: Directory | None) -> list[Problem]:
    """A district's subsection (`### 滨海新区`, `### …（补充）`) under a section no district words its own way."""
    where = "或".join(f"“{name}”" for name in VARIED)
    found = []
    for name, numbers in ranges.items():
        for number in numbers if name not in VARIED else ():
            heading = variant_heading(lines[number - 1])
            if heading and (heading[1] or (directory is not None and directory.district(heading[0]))):
                found.append(Problem(number, f"分区小节只能写在{where}下面，不能写在“{name}”里"))
    return found


def _check_districts(
    text: str, article: Article, directory: Directory, problems: list[Problem], notices: list[Problem]
) -> None:
    """`districts:` names known districts and departments, each where the directory would not send the work anyway;
    every district subsection names a known district."""
    known = "、".join(f"{d.code}（{d.name}）" for d in directory.districts()) or "（派单目录里还没有区）"
    at = entry_lines(text, "districts")
    for code, department in article.districts.items():
        line = at.get(code, field_lines(text).get("districts", 1))
        district = directory.district(code)
        if district is None or district.code != code:
            hint = f"请写成它的编码 {district.code}" if district else f"可用：{known}"
            problems.append(Problem(line, f"分区承办单位里的区“{code}”不是派单目录里区的编码；{hint}"))
        elif department not in directory:
            problems.append(Problem(line, f"{district.name}的" + _unknown_department(department, directory)))
        elif directory.dispatch(department) is None:
            problems.append(Problem(line, f"{district.name}的" + _retired_department(department, directory)))
        elif dispatch_for(article.department, {}, district, directory).department == department:
            named = f"{department}（{directory.name_of(department)}）"
            message = f"{district.name}的工作按派单目录本来就派给 {named}，这一行可以不写"
            notices.append(Problem(line, message))
    names = "、".join(d.name for d in directory.districts()) or "（派单目录里还没有区）"
    for variant in article.variants:
        district = directory.district(variant.district)
        if district is None:
            message = f"分区小节“{variant.district}”不是派单目录里的区；可用：{names}"
            problems.append(Problem(variant.line, message))
        elif variant.district != district.name:
            message = f"分区小节“{variant.district}”已按“{district.name}”读取；建议写区的全称"
            notices.append(Problem(variant.line, message))


def _units_like(text: str, directory: Directory) -> list[Department]:
    """The departments most like `text` that work can go to: a district is where a caller lives, not a unit."""
    return [d for d in directory.close_matches(text, limit=6) if d.kind != "district"][:3]


def _unknown_department(department: str, directory: Directory) -> str:
    close = "、".join(f"{d.code}（{d.name}）" for d in _units_like(department, directory))
    hint = f"相近的有：{close}" if close else "请从派单目录中选择编码"
    return f"承办单位“{department}”不在派单目录中；{hint}"


def _retired_department(department: str, directory: Directory) -> str:
    close = "、".join(f"{d.code}（{d.name}）" for d in _units_like(directory.name_of(department), directory))
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
