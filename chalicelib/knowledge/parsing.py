"""Markdown with YAML front matter -> Article, and Article -> HTML. Pure.

Editors are not programmers: reading never raises for any text, and every problem is a plain Chinese sentence at
its line (the front matter's are found in frontmatter.py). The text itself is never rewritten: what is stored is
what the editor wrote.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt

from chalicelib.knowledge.frontmatter import (
    draft_fields as draft_fields,  # re-exported: editorial.py imports it from here
)
from chalicelib.knowledge.frontmatter import read_front_matter
from chalicelib.knowledge.models.content import Article, Variant
from chalicelib.knowledge.problems import Problem  # re-exported too: editorial.py imports it from here

ANSWER = "标准答复"
CHECKLIST = "一次性告知"
CHANNELS = "办理渠道"
POLICY = "政策依据"
INTERNAL_NOTES = "内部提示"
SECTION_ORDER = (ANSWER, CHECKLIST, CHANNELS, POLICY, INTERNAL_NOTES)
VARIED = (ANSWER, CHECKLIST)  # the sections a district may word its own way (### 滨海新区, ### 滨海新区（补充）)
ADDS = ("（补充）", "(补充)")


@dataclass(frozen=True)
class Parsed:
    """What reading an article file found: the article (None if it has problems), its problems and notices."""

    article: Article | None
    problems: list[Problem]
    notices: list[Problem]


class ArticleInvalid(Exception):
    """The text is not a valid article; `problems` says what and where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.text for p in problems))
        self.problems = problems


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_article(text: str) -> Article:
    """Parse and validate one article file; raises ArticleInvalid listing every problem found."""
    parsed = read_article(text)
    if parsed.article is None:
        raise ArticleInvalid(parsed.problems)
    return parsed.article


def read_article(text: str) -> Parsed:
    """Parse and validate one article file; never raises."""
    text = text.replace("\r\n", "\n")
    header = read_front_matter(text)
    if header.body is None:
        return Parsed(None, header.problems, [])
    problems = list(header.problems)
    variants: list[Variant] = []
    sections = _parse_sections(header.body, header.body_line, problems, variants)
    if problems or header.front is None:
        return Parsed(None, sorted(problems, key=lambda p: p.line), sorted(header.notices, key=lambda p: p.line))
    fields = header.front.model_dump()
    article = Article(**fields, sections=sections, variants=variants, markdown=text, content_hash=content_hash(text))
    return Parsed(article, [], sorted(header.notices, key=lambda p: p.line))


def section_lines(text: str) -> dict[str, range]:
    """The 1-based line range of each section heading's content in the file."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [(i + 1, line[3:].strip()) for i, line in enumerate(lines) if line.startswith("## ")]
    ends = [start for start, _ in starts[1:]] + [len(lines) + 1]
    return {name: range(start + 1, end) for (start, name), end in zip(starts, ends, strict=True)}


def variant_heading(line: str) -> tuple[str, bool] | None:
    """(district, adds) of a `### 滨海新区` or `### 滨海新区（补充）` line; None for any other line."""
    if not line.startswith("### "):
        return None
    name = line[4:].strip()
    adds = name.endswith(ADDS)
    return (name[: -len(ADDS[0])].strip() if adds else name), adds


def _parse_sections(body: str, first_line: int, problems: list[Problem], variants: list[Variant]) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    section = ""  # the level-2 section `current` belongs to (its variant's, inside one)
    found: list[tuple[Variant, list[str]]] = []
    last_rank = -1
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        heading = variant_heading(line) if section in VARIED else None
        if heading is not None:
            district, adds = heading
            if any(v.section == section and (v.district, v.adds) == heading for v, _ in found):
                problems.append(Problem(number, f"“{section}”里的分区小节“{line[4:].strip()}”出现了两次"))
            current = []
            found.append((Variant(section=section, district=district, adds=adds, text="", line=number), current))
        elif section in VARIED and re.match(r"###[^#\s]", line):
            problems.append(Problem(number, "分区小节的“###”后面要有一个空格"))
        elif line.startswith("# "):
            problems.append(Problem(number, "正文的小标题请用“## ”，标题写在文件头里"))
        elif re.match(r"##[^#\s]", line):
            problems.append(Problem(number, "小标题的“##”后面要有一个空格"))
        elif line.startswith("## "):
            name = line[3:].strip()
            section = ""
            if name not in SECTION_ORDER:
                problems.append(Problem(number, f"未知的小节“{name}”；可用：{'、'.join(SECTION_ORDER)}"))
                current = []  # its text is dropped, not reported again line by line
            elif name in sections:
                problems.append(Problem(number, f"小节“{name}”出现了两次"))
                current = []
            else:
                section = name
                rank = SECTION_ORDER.index(name)
                if rank < last_rank:
                    order = " → ".join(SECTION_ORDER)
                    problems.append(Problem(number, f"小节“{name}”的位置不对；顺序应为：{order}"))
                last_rank = max(last_rank, rank)
                current = sections.setdefault(name, [])
        elif current is not None:
            current.append(line)
        elif line.strip():
            problems.append(Problem(number, "第一个“## ”小标题之前不要写正文"))
    texts = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    for variant, lines in found:
        text = "\n".join(lines).strip()
        if not text or not variant.district:
            problems.append(Problem(variant.line, "分区小节要写明区名，下面要有内容（### 区名，或 ### 区名（补充））"))
        variants.append(variant.model_copy(update={"text": text}))
    if not texts.get(ANSWER):  # at the body's first line, or at the closing '---' when nothing follows it
        problems.append(Problem(first_line if body else first_line - 1, f"缺少“## {ANSWER}”小节，或其中没有内容"))
    return texts


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML off: article text can never inject markup; unsafe link schemes are refused by validateLink.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_sections(sections: dict[str, str]) -> str:
    """HTML for the given sections, each under its heading, in the fixed order."""
    parts = [f"## {name}\n\n{sections[name]}\n" for name in SECTION_ORDER if name in sections]
    return _markdown().render("\n".join(parts))
