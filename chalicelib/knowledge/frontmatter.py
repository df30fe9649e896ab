"""An article file's front matter: found between its '---' lines, read as YAML that is all text, checked. Pure.

Editors are not programmers: every problem is a plain Chinese sentence at its line, and the slips that are
unambiguous (a full-width colon, full-width digits in a date) are read as meant and reported as notices. The
text itself is never rewritten: only what YAML is handed is corrected.
"""

import re
import typing
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError, field_validator

from chalicelib.knowledge.explanations import DATE_FIELDS, FIELD_LABELS, SOURCE_LABELS, validation_message, yaml_problem
from chalicelib.knowledge.models.content import FrontMatter
from chalicelib.knowledge.problems import Problem

_KNOWN_NAMES = FIELD_LABELS | SOURCE_LABELS
DRAFT_FIELDS = ("id", "title", "category", "audience", "department", "review_by")
_ASCII_FIELDS = (*DATE_FIELDS, "phone")  # values read with full-width digits, hyphens and spaces made ASCII
_DASHES = str.maketrans("—–－", "---")  # NFKC keeps the em and en dash; an editor typing one means a hyphen
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELD_LINE = re.compile(r"(?P<indent>[ \t]*)(?P<name>[A-Za-z_]+)[ \t]*(?P<colon>[:：])(?P<rest>.*)")
_YAML_LINE_BREAKS = str.maketrans("\r\x85\u2028\u2029", "    ")  # YAML counts these as lines; the file does not

FULL_WIDTH_COLON = "冒号“：”是全角，已按半角“:”读取；建议改为半角"


@dataclass(frozen=True)
class Header:
    """What reading the front matter found: its fields (None if they have problems), problems, notices, and the body.

    `body` is None when the file has no front matter closed by '---', so that nothing after it can be read."""

    front: FrontMatter | None
    body: str | None
    body_line: int
    problems: list[Problem]
    notices: list[Problem]


class _Written(FrontMatter):
    """The front matter as an editor writes it: dates only as YYYY-MM-DD (pydantic alone reads "0" as 1970)."""

    @field_validator(*DATE_FIELDS, mode="before")
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


def read_front_matter(text: str) -> Header:
    """Find, read and validate an article file's front matter; never raises."""
    text = text.replace("\r\n", "\n")
    lines, closing = _header_lines(text)
    if closing is None:
        if text.removeprefix("\ufeff").split("\n")[0].strip() != "---":
            missing = Problem(1, "文件第一行必须是“---”，下面是文件头（编号、标题等），再用一行“---”结束")
        else:
            missing = Problem(1, "文件头没有结束：请在最后一个字段下面加一行“---”")
        return Header(None, None, 1, [missing], [])
    problems: list[Problem] = []
    notices: list[Problem] = []
    front = _parse_front_matter("\n".join(lines), problems, notices)
    return Header(front, "\n".join(text.split("\n")[closing:]), closing + 1, problems, notices)


def draft_fields(text: str) -> dict[str, str]:
    """The raw text of an article's key fields, read line by line even when the article is invalid."""
    fields = {name: value for name, (_, value) in _top_level_fields(text).items() if name in DRAFT_FIELDS}
    return {name: value for name, value in fields.items() if value}


def field_lines(text: str) -> dict[str, int]:
    """The 1-based line of each top-level front-matter field (its first occurrence)."""
    return {name: line for name, (line, _) in _top_level_fields(text).items()}


_ENTRY_LINE = re.compile(r"[ \t]+(?P<key>[^\s:：#'\"]+)[ \t]*[:：]")


def entry_lines(text: str, name: str) -> dict[str, int]:
    """The 1-based line of each entry of a mapping field written one entry a line (`districts:`); an entry
    written any other way (on the field's own line, say) is at the field's line."""
    header, _ = _header_lines(text)
    start = field_lines(text).get(name)
    lines: dict[str, int] = {}
    for number in range(start + 1 if start else len(header) + 2, len(header) + 2):
        raw = header[number - 2]
        if raw.strip() and not raw[:1].isspace() and not raw.lstrip().startswith("#"):
            break
        if entry := _ENTRY_LINE.match(raw):
            lines.setdefault(entry["key"], number)
    return lines


def _header_lines(text: str) -> tuple[list[str], int | None]:
    """The lines between the opening '---' and the closing one (or the end), and the closing line's number."""
    lines = text.replace("\r\n", "\n").removeprefix("\ufeff").split("\n")  # Windows Notepad starts with a BOM
    if lines[0].strip() != "---":
        return [], None
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    return lines[1:closing], None if closing is None else closing + 1


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
        problems.append(yaml_problem(error, lines, readable))
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
        return _Written.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            line = _line_of(root, item["loc"] or ("expires",))  # the only rule across fields is about expiry
            problems.append(Problem(line, validation_message(item, data)))
        return None


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


def front_matter_fields() -> list[dict[str, Any]]:
    """The fields as the form edits them, in the order they are written: key, label, list or not, required or not.
    Derived from the model, so the form and lint cannot disagree about a field."""
    return [
        {
            "key": name,
            "label": str(field.description),
            "list": typing.get_origin(field.annotation) is list,
            "map": typing.get_origin(field.annotation) is dict,
            "required": field.is_required(),
        }
        for name, field in FrontMatter.model_fields.items()
    ]
