"""What an editor reads about the front matter: its fields' labels, and PyYAML's and pydantic's errors in plain
Chinese. Pure.

The messages of the front matter's own checks (a missing '---', a full-width colon) stay beside those checks.
"""

import difflib

import yaml
from pydantic_core import ErrorDetails

from chalicelib.knowledge.models.content import FrontMatter, Source
from chalicelib.knowledge.problems import Problem

FIELD_LABELS = {name: str(field.description) for name, field in FrontMatter.model_fields.items()}
SOURCE_LABELS = {name: str(field.description) for name, field in Source.model_fields.items()}
DATE_FIELDS = ("effective_from", "expires", "review_by")  # explained as dates whatever pydantic says

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


def yaml_problem(error: yaml.YAMLError, lines: list[str], readable: str) -> Problem:
    """A PyYAML error at its file line; `lines` are the header as written, `readable` what YAML was handed."""
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


def _label(loc: tuple) -> str:
    """政策依据来源的发文单位, 常见问法第 2 条: where in the front matter, in words."""
    label = FIELD_LABELS.get(str(loc[0]), str(loc[0]))
    if len(loc) > 1 and isinstance(loc[1], int):
        return f"{label}第 {loc[1] + 1} 条"
    if len(loc) > 1:
        return f"{label}的{SOURCE_LABELS.get(str(loc[1]), loc[1])}"
    return label


def validation_message(item: ErrorDetails, data: dict) -> str:
    """A pydantic error as a sentence an editor can act on."""
    loc, kind, value, ctx = item["loc"], item["type"], item.get("input"), item.get("ctx", {})
    if not loc:
        return f"失效日期“{data.get('expires')}”要晚于生效日期“{data.get('effective_from')}”"
    field, label = str(loc[0]), _label(loc)
    if kind == "missing":
        return f"缺少必填项：{label}（{'.'.join(map(str, loc))}）"
    if kind == "extra_forbidden":
        return _unknown_field(loc)
    if field == "districts":
        return _districts_message(loc, value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"{label}没有填写"
    if field in DATE_FIELDS:
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


DISTRICTS_FORM = "每行一个“区编码: 单位编码”，缩进两个空格，例如 binhai: binhai-approval"


def _districts_message(loc: tuple, value: object) -> str:
    label = FIELD_LABELS["districts"]
    if len(loc) < 2:
        return f"{label}要分行写：{DISTRICTS_FORM}"
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"{label}里“{loc[1]}”后面没有填写单位编码"
    if isinstance(value, str):
        return f"{label}里的“{value.strip()}”太长了；{DISTRICTS_FORM}"
    return f"{label}里“{loc[1]}”后面要写一个单位编码；{DISTRICTS_FORM}"


def _unknown_field(loc: tuple) -> str:
    if len(loc) > 1:
        known = "、".join(f"{name}（{label}）" for name, label in SOURCE_LABELS.items())
        return f"{FIELD_LABELS['source']}里的未知字段“{loc[1]}”；可用：{known}"
    name = str(loc[0])
    close = difflib.get_close_matches(name, FIELD_LABELS, n=1)
    return f"未知字段“{name}”" + (f"；是不是“{close[0]}”（{FIELD_LABELS[close[0]]}）？" if close else "")
