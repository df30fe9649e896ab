"""Markdown with YAML front matter -> Article, and Article -> HTML. Pure.

Editors are not programmers: reading never raises for any text, every problem is a plain Chinese sentence at
its line, and the slips that are unambiguous (a full-width colon, full-width digits in a date) are read as
meant and reported as notices. The text itself is never rewritten: what is stored is what the editor wrote.
"""

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import yaml
from markdown_it import MarkdownIt
from pydantic import ValidationError, field_validator
from pydantic_core import ErrorDetails

from chalicelib.models import Article, FrontMatter
from chalicelib.problems import Problem  # re-exported: editorial.py, lint.py and the tests import it from here

ANSWER = "标准答复"
CHECKLIST = "一次性告知"
CHANNELS = "办理渠道"
POLICY = "政策依据"
INTERNAL_NOTES = "内部提示"
SECTION_ORDER = (ANSWER, CHECKLIST, CHANNELS, POLICY, INTERNAL_NOTES)

FIELD_LABELS = {
    "id": "编号",
    "title": "标题",
    "category": "分类",
    "audience": "适用对象",
    "department": "承办单位",
    "phone": "咨询电话",
    "questions": "常见问法",
    "keywords": "关键词",
    "effective_from": "生效日期",
    "expires": "失效日期",
    "review_by": "复核日期",
    "source": "政策依据来源",
}
SOURCE_LABELS = {"issuer": "发文单位", "number": "文号"}
_KNOWN_NAMES = FIELD_LABELS | SOURCE_LABELS
DRAFT_FIELDS = ("id", "title", "category", "audience", "department", "review_by")
_DATES = ("effective_from", "expires", "review_by")
_ASCII_FIELDS = (*_DATES, "phone")  # values read with full-width digits, hyphens and spaces made ASCII
_DASHES = str.maketrans("—–－", "---")  # NFKC keeps the em and en dash; an editor typing one means a hyphen
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELD_LINE = re.compile(r"(?P<indent>[ \t]*)(?P<name>[A-Za-z_]+)[ \t]*(?P<colon>[:：])(?P<rest>.*)")
_YAML_LINE_BREAKS = str.maketrans("\r\x85\u2028\u2029", "    ")  # YAML counts these as lines; the file does not

FULL_WIDTH_COLON = "冒号“：”是全角，已按半角“:”读取；建议改为半角"
NOT_A_FIELD = "这一行不是“字段: 值”的格式"
QUOTE_IT = '请把整个值用英文引号 "…" 括起来'
# What PyYAML says -> what an editor reads, and whether the error's start (context) or its end marks the line.
_YAML_MESSAGES = (
    ("could not find expected ':'", NOT_A_FIELD, True),
    ("'\\t'", "这一行有 Tab 字符，请改用空格", False),
    ("quoted scalar", "引号没有成对：值开头有引号，这一行末尾也要有同样的引号", True),
    ("flow sequence", "方括号“[ ]”没有写完整：各项之间用英文逗号隔开，最后以“]”结束", True),
    ("flow mapping", "花括号“{ }”没有写完整；文件头里一般用不到花括号", True),
    ("cannot start any token", f"值不能以“{{char}}”开头，{QUOTE_IT}", False),
    ("alias", f"值不能以“*”开头，{QUOTE_IT}", False),
    ("anchor", f"值不能以“&”开头，{QUOTE_IT}", False),
    ("tag", f"值不能以“!”开头，{QUOTE_IT}", False),
    ("block scalar", f"值不能以“|”或“>”开头，{QUOTE_IT}", False),
    ("'-'", "列表项“- ”要写在它所属的字段下面，并缩进两个空格", False),
    ("block sequence start", "列表项“- ”的缩进要和上面的列表项对齐", False),
    ("'<scalar>'", "引号没有成对，或引号后面还有文字：请检查这一行和它上面几行的引号", False),
    ("unhashable key", NOT_A_FIELD, False),
)


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


class _Header(FrontMatter):
    """The front matter as an editor writes it: dates only as YYYY-MM-DD (pydantic alone reads "0" as 1970)."""

    @field_validator(*_DATES, mode="before")
    @classmethod
    def _written_as_iso(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() and not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError("not YYYY-MM-DD")
        return value


class _TextLoader(yaml.SafeLoader):
    """YAML whose plain values are all text: a phone 0571 stays "0571", a date is checked later at its line."""

    yaml_implicit_resolvers: dict = {}
    yaml_constructors = {
        tag: yaml.SafeLoader.yaml_constructors[tag]
        for tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq")
        + ("tag:yaml.org,2002:map", None)  # None: any other tag is refused, not guessed at
    }


_TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""])


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
    problems: list[Problem] = []
    notices: list[Problem] = []
    header, body, body_line = _split_front_matter(text, problems)
    if header is None:
        return Parsed(None, problems, [])
    front = _parse_front_matter(header, problems, notices)
    sections = _parse_sections(body, body_line, problems)
    if problems or front is None:
        return Parsed(None, sorted(problems, key=lambda p: p.line), sorted(notices, key=lambda p: p.line))
    article = Article(**front.model_dump(), sections=sections, markdown=text, content_hash=content_hash(text))
    return Parsed(article, [], sorted(notices, key=lambda p: p.line))


def draft_fields(text: str) -> dict[str, str]:
    """The raw text of an article's key fields, read line by line even when the article is invalid."""
    fields = {name: value for name, (_, value) in _top_level_fields(text).items() if name in DRAFT_FIELDS}
    return {name: value for name, value in fields.items() if value}


def field_lines(text: str) -> dict[str, int]:
    """The 1-based line of each top-level front-matter field (its first occurrence)."""
    return {name: line for name, (line, _) in _top_level_fields(text).items()}


def section_lines(text: str) -> dict[str, range]:
    """The 1-based line range of each section heading's content in the file."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [(i + 1, line[3:].strip()) for i, line in enumerate(lines) if line.startswith("## ")]
    ends = [start for start, _ in starts[1:]] + [len(lines) + 1]
    return {name: range(start + 1, end) for (start, name), end in zip(starts, ends, strict=True)}


def _header_lines(text: str) -> tuple[list[str], int | None]:
    """The lines between the opening '---' and the closing one (or the end), and the closing line's number."""
    lines = text.replace("\r\n", "\n").removeprefix("\ufeff").split("\n")  # Windows Notepad starts with a BOM
    if lines[0].strip() != "---":
        return [], None
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    return lines[1:closing], None if closing is None else closing + 1


def _split_front_matter(text: str, problems: list[Problem]) -> tuple[str | None, str, int]:
    """The front matter (None if missing), the body and the body's first line."""
    header, closing = _header_lines(text)
    if closing is not None:
        return "\n".join(header), "\n".join(text.split("\n")[closing:]), closing + 1
    if text.removeprefix("\ufeff").split("\n")[0].strip() != "---":
        problems.append(Problem(1, "文件第一行必须是“---”，下面是文件头（编号、标题等），再用一行“---”结束"))
    else:
        problems.append(Problem(1, "文件头没有结束：请在最后一个字段下面加一行“---”"))
    return None, "", 1


def _lenient_line(line: str, number: int, problems: list[Problem], notices: list[Problem]) -> str:
    """One header line as YAML should read it, with an editor's unambiguous slips corrected."""
    match = _FIELD_LINE.fullmatch(line)
    if match is None or match["name"] not in _KNOWN_NAMES:
        return line
    name, value = match["name"], match["rest"]
    if match["colon"] == "：":
        notices.append(Problem(number, FULL_WIDTH_COLON))
    elif value and not value[0].isspace():
        problems.append(Problem(number, "冒号后面要有一个空格"))  # and read on as if it had one
    if name in _ASCII_FIELDS:
        ascii_value = unicodedata.normalize("NFKC", value).translate(_DASHES)
        if ascii_value != value:
            shown = f"“{value.strip()}”里有全角或中文符号，已按“{ascii_value.strip()}”读取；建议改为半角"
            notices.append(Problem(number, shown))
            value = ascii_value
    return f"{match['indent']}{name}: {value.lstrip()}"


def _top_level_fields(text: str) -> dict[str, tuple[int, str]]:
    """Each top-level field's line and raw value (unquoted, without a comment), read leniently line by line."""
    header, _ = _header_lines(text)
    fields: dict[str, tuple[int, str]] = {}
    for number, raw in enumerate(header, 2):
        line = _lenient_line(raw, number, [], [])
        match = _FIELD_LINE.fullmatch(line)
        if match and not match["indent"] and match["name"] in FIELD_LABELS:
            fields.setdefault(match["name"], (number, _raw_value(match["rest"])))
    return fields


def _raw_value(rest: str) -> str:
    value = rest.strip()
    if value[:1] in ("'", '"') and value[0] in value[1:]:
        return value[1 : value.index(value[0], 1)].strip()
    return re.split(r"\s#", value, maxsplit=1)[0].strip()


def _parse_front_matter(header: str, problems: list[Problem], notices: list[Problem]) -> FrontMatter | None:
    lines = header.translate(_YAML_LINE_BREAKS).split("\n")
    readable = "\n".join(_lenient_line(line, number, problems, notices) for number, line in enumerate(lines, 2))
    try:
        loader = _TextLoader(readable)
        root = loader.get_single_node() or yaml.MappingNode("tag:yaml.org,2002:map", [])  # empty: all missing
        data = loader.construct_document(root)
    except yaml.YAMLError as error:
        problems.append(_yaml_problem(error, lines, readable))
        return None
    except RecursionError:  # thousands of nested brackets
        problems.append(Problem(2, "文件头里的括号嵌套太深"))
        return None
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        problems.append(Problem(2, "文件头要写成一行一个“字段: 值”"))
        return None
    problems.extend(_repeated_fields(root))
    data = {"" if key is None else str(key): value for key, value in data.items()}
    try:
        return _Header.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            line = _line_of(root, item["loc"] or ("expires",))  # the only rule across fields is about expiry
            problems.append(Problem(line, _validation_message(item, data)))
        return None


def _yaml_problem(error: yaml.YAMLError, lines: list[str], readable: str) -> Problem:
    if isinstance(error, yaml.reader.ReaderError):  # a control character; it has a position, not a mark
        line = readable[: error.position].count("\n") + 2
        return Problem(line, f"这一行有看不见的特殊字符（U+{error.character:04X}），请删除它")
    said = f"{getattr(error, 'context', '')} {getattr(error, 'problem', '')}"
    mark = getattr(error, "problem_mark", None)
    message = "这一行的格式不对；文件头每行写一个“字段: 值”"
    if "mapping values are not allowed" in said:
        indented = mark is not None and mark.line < len(lines) and lines[mark.line][:1].isspace()
        message = "字段要顶格写，这一行前面不要有空格" if indented else f"值里不能有“: ”（冒号加空格），{QUOTE_IT}"
    for needle, text, at_start in _YAML_MESSAGES:
        if needle in said:
            message = text.replace("{char}", said.partition("found character '")[2][:1])
            mark = getattr(error, "context_mark", None) if at_start else mark
            break
    return Problem(mark.line + 2 if mark is not None else 2, message)


def _repeated_fields(root: yaml.MappingNode) -> list[Problem]:
    seen: set[str] = set()
    repeated = []
    for key, _ in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value in seen:
            repeated.append(Problem(key.start_mark.line + 2, f"字段“{key.value}”写了两次，请只保留一个"))
        seen.add(str(key.value))
    return repeated


def _line_of(root: yaml.Node, loc: tuple) -> int:
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


def _label(loc: tuple) -> str:
    """政策依据来源的发文单位, 常见问法第 2 条: where in the front matter, in words."""
    label = FIELD_LABELS.get(str(loc[0]), str(loc[0]))
    if len(loc) > 1 and isinstance(loc[1], int):
        return f"{label}第 {loc[1] + 1} 条"
    if len(loc) > 1:
        return f"{label}的{SOURCE_LABELS.get(str(loc[1]), loc[1])}"
    return label


def _validation_message(item: ErrorDetails, data: dict) -> str:
    """A pydantic error as a sentence an editor can act on."""
    loc, kind, value, ctx = item["loc"], item["type"], item.get("input"), item.get("ctx", {})
    if not loc:
        return f"失效日期“{data.get('expires')}”要晚于生效日期“{data.get('effective_from')}”"
    field, label = str(loc[0]), _label(loc)
    if kind == "missing":
        return f"缺少必填项：{label}（{'.'.join(map(str, loc))}）"
    if kind == "extra_forbidden":
        return _unknown_field(loc)
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"{label}没有填写"
    if field in _DATES:
        return f"{label}“{value}”不是有效日期，请写成 2025-01-31 这样的格式"
    if field == "audience":
        return "适用对象只能是 public（公众可见）或 internal（仅坐席）"
    if kind == "string_pattern_mismatch":
        example = {"id": "heating-fee-payment", "category": "heating"}.get(field)
        if example:
            return f"{label}只能用小写字母、数字和连字符，例如 {example}"
        return f"{label}只能写数字和连字符，例如 0571-88888888"
    if kind == "string_too_short":
        return f"{label}至少 {ctx['min_length']} 个字（现在 {len(str(value).strip())} 个）"
    if kind == "string_too_long":
        return f"{label}最多 {ctx['max_length']} 个字（现在 {len(str(value).strip())} 个）"
    if kind == "too_long":
        return f"{label}最多 {ctx['max_length']} 条（现在 {ctx['actual_length']} 条）"
    if kind == "list_type":
        return f"{label}要写成列表：每条单独一行，以“  - ”开头"
    if kind in ("model_type", "dict_type"):
        return f"{label}要分行写：issuer（发文单位）和 number（文号），各缩进两个空格"
    if kind == "value_error" and field in ("questions", "keywords"):
        return f"{label}里有空的条目"
    if kind == "string_type":
        return f"{label}要写成一段文字"
    return f"{label}的写法不对"


def _unknown_field(loc: tuple) -> str:
    if len(loc) > 1:
        known = "、".join(f"{name}（{label}）" for name, label in SOURCE_LABELS.items())
        return f"{FIELD_LABELS['source']}里的未知字段“{loc[1]}”；可用：{known}"
    name = str(loc[0])
    close = difflib.get_close_matches(name, FIELD_LABELS, n=1)
    return f"未知字段“{name}”" + (f"；是不是“{close[0]}”（{FIELD_LABELS[close[0]]}）？" if close else "")


def _parse_sections(body: str, first_line: int, problems: list[Problem]) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    last_rank = -1
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        if line.startswith("# "):
            problems.append(Problem(number, "正文的小标题请用“## ”，标题写在文件头里"))
        elif re.match(r"##[^#\s]", line):
            problems.append(Problem(number, "小标题的“##”后面要有一个空格"))
        elif line.startswith("## "):
            name = line[3:].strip()
            if name not in SECTION_ORDER:
                problems.append(Problem(number, f"未知的小节“{name}”；可用：{'、'.join(SECTION_ORDER)}"))
                current = []  # its text is dropped, not reported again line by line
            elif name in sections:
                problems.append(Problem(number, f"小节“{name}”出现了两次"))
                current = []
            else:
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
