"""Markdown with YAML front matter -> Article, and Article -> HTML. Pure."""

import hashlib
from dataclasses import dataclass
from functools import cache

import yaml
from markdown_it import MarkdownIt
from pydantic import ValidationError

from chalicelib.models import Article, FrontMatter

ANSWER = "标准答复"
CHECKLIST = "一次性告知"
CHANNELS = "办理渠道"
POLICY = "政策依据"
INTERNAL_NOTES = "内部提示"
SECTION_ORDER = (ANSWER, CHECKLIST, CHANNELS, POLICY, INTERNAL_NOTES)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an article, at a 1-based line of its file."""

    line: int
    message: str


class ArticleInvalid(Exception):
    """The text is not a valid article; `problems` says what and where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))
        self.problems = problems


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_article(text: str) -> Article:
    """Parse and validate one article file; raises ArticleInvalid listing every problem found."""
    text = text.replace("\r\n", "\n")
    header, body, body_line = _split_front_matter(text)
    problems: list[Problem] = []
    front = _parse_front_matter(header, problems)
    sections = _parse_sections(body, body_line, problems)
    if problems or front is None:
        raise ArticleInvalid(sorted(problems, key=lambda p: p.line))
    return Article(**front.model_dump(), sections=sections, markdown=text, content_hash=content_hash(text))


def section_lines(text: str) -> dict[str, range]:
    """The 1-based line range of each section heading's content in the file."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [(i + 1, line[3:].strip()) for i, line in enumerate(lines) if line.startswith("## ")]
    ends = [start for start, _ in starts[1:]] + [len(lines) + 1]
    return {name: range(start + 1, end) for (start, name), end in zip(starts, ends, strict=True)}


def _split_front_matter(text: str) -> tuple[str, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ArticleInvalid([Problem(1, "the file must start with a '---' line opening the YAML front matter")])
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise ArticleInvalid([Problem(1, "the front matter is not closed by a second '---' line")])


def _parse_front_matter(header: str, problems: list[Problem]) -> FrontMatter | None:
    try:
        data = yaml.safe_load(header)
        root = yaml.compose(header)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problems.append(Problem(line, f"front matter is not valid YAML: {getattr(error, 'problem', error)}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(1, "front matter must be a mapping of field: value"))
        return None
    try:
        return FrontMatter.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "front matter"
            problems.append(Problem(_line_of(root, item["loc"]), f"{where}: {item['msg']}"))
        return None


def _line_of(root: yaml.Node | None, loc: tuple) -> int:
    """The file line of a front-matter field (or list item), for error messages."""
    node, line = root, 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 2, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 2
        else:
            break
    return line


def _parse_sections(body: str, first_line: int, problems: list[Problem]) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    last_rank = -1
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        if line.startswith("# "):
            problems.append(Problem(number, "use '## ' section headings; the title belongs in the front matter"))
        elif line.startswith("## "):
            name = line[3:].strip()
            if name not in SECTION_ORDER:
                problems.append(Problem(number, f"unknown section '{name}'; allowed: {', '.join(SECTION_ORDER)}"))
                current = []  # its text is dropped, not reported again line by line
            elif name in sections:
                problems.append(Problem(number, f"section '{name}' appears twice"))
                current = []
            else:
                rank = SECTION_ORDER.index(name)
                if rank < last_rank:
                    problems.append(
                        Problem(number, f"section '{name}' is out of order; order: {' > '.join(SECTION_ORDER)}")
                    )
                last_rank = max(last_rank, rank)
                current = sections.setdefault(name, [])
        elif current is not None:
            current.append(line)
        elif line.strip():
            problems.append(Problem(number, "text before the first '## ' section heading"))
    texts = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    if not texts.get(ANSWER):
        problems.append(Problem(first_line, f"the '## {ANSWER}' section is missing or empty"))
    return texts


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML off: article text can never inject markup; unsafe link schemes are refused by validateLink.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_sections(sections: dict[str, str]) -> str:
    """HTML for the given sections, each under its heading, in the fixed order."""
    parts = [f"## {name}\n\n{sections[name]}\n" for name in SECTION_ORDER if name in sections]
    return _markdown().render("\n".join(parts))
