"""The department directory (派单目录): who handles what, their phone and hours, by stable code. Pure.

Articles and API keys name a department by its code, so renaming a department changes no article, and
a key covers exactly the departments it names and the ones under them (by `parent`), never a substring.
"""

from collections.abc import Iterable, Iterator
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz import fuzz, process

from chalicelib.errors import InvalidInput

DIRECTORY_FILE = "departments.yaml"
CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# What agents see at dispatch for a department whose phone nobody has recorded: never a guessed number.
NO_PHONE = "电话未登记"
# A phone as agents read it out and dial it, kept as typed: digits and hyphens (022-12345678), and an extension after
# 转 (12345 转 2) or after a last hyphen (022-12345678-8001). The editor's form has the same pattern.
PHONE_PATTERN = r"^[0-9][0-9-]{2,19}(\s?转\s?[0-9]{1,6})?$"


class DepartmentFields(BaseModel):
    """What an admin edits about a department (the code is its key and never changes)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=60, description="名称, as agents and citizens read it")
    phone: str | None = Field(
        default=None,
        pattern=PHONE_PATTERN,
        description="咨询或派单电话, any extension kept: 12345 转 2, 022-12345678-8001",
    )
    hours: str | None = Field(default=None, max_length=80, description="办公或接听时间")
    address: str | None = Field(default=None, max_length=120)
    handles: str | None = Field(default=None, max_length=300, description="受理范围: what it handles")
    parent: str | None = Field(default=None, pattern=CODE_PATTERN, max_length=60, description="上级单位的编码")
    kind: Literal["unit", "district"] = Field(
        default="unit", description="unit: a department or office; district: one of the city's districts (区)"
    )
    district: str | None = Field(
        default=None,
        pattern=CODE_PATTERN,
        max_length=60,
        description="所属区: the district (its code) a unit serves; a unit under a city-level one with a district is "
        "where that one's work goes for callers of the district",
    )
    aliases: list[Annotated[str, Field(min_length=2, max_length=12)]] = Field(
        default_factory=list, max_length=8, description="a district's other names callers use (滨海, 塘沽)"
    )


class Department(DepartmentFields):
    code: str = Field(pattern=CODE_PATTERN, max_length=60, description="编码, e.g. heating-company")
    retired: bool = Field(
        default=False, description="撤销: kept so that old versions still show its name; never offered for new work"
    )


class DirectoryInvalid(Exception):
    """The directory file is malformed; `problems` holds (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))
        self.problems = problems


class Directory:
    """Every department, by code."""

    def __init__(self, departments: Iterable[Department] = ()) -> None:
        self._by_code = {d.code: d for d in departments}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Department]:
        return iter(sorted(self._by_code.values(), key=lambda d: d.code))

    def __len__(self) -> int:
        return len(self._by_code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Directory) and self._by_code == other._by_code

    def get(self, code: str) -> Department | None:
        return self._by_code.get(code)

    def dispatch(self, code: str) -> Department | None:
        """The department to dispatch to (派单): None for a code the directory does not list, or a retired one."""
        department = self._by_code.get(code)
        return department if department is not None and not department.retired else None

    def name_of(self, code: str) -> str:
        """The department's name; the code itself for one the directory does not (or no longer) list."""
        department = self._by_code.get(code)
        return department.name if department else code

    def districts(self) -> list[Department]:
        """The city's districts (not retired), by code."""
        return [d for d in self if d.kind == "district" and not d.retired]

    def district(self, key: str) -> Department | None:
        """A district by its code, name or one of its aliases; None for anything else."""
        key = key.strip()
        return next((d for d in self.districts() if key in (d.code, d.name, *d.aliases)), None)

    def district_given(self, key: str | None) -> Department | None:
        """The district a request's `district` names (code, name or alias); None for none; 400 for one not known."""
        if key is None:
            return None
        found = self.district(key)
        if found is None:
            raise InvalidInput(f"no district '{key}' in the directory: give its code, name or alias", field="district")
        return found

    def named_district(self, text: str) -> tuple[Department, str] | None:
        """The district a text names (河西区, 滨海), with the words that name it: the longest name wins, so 滨海新区
        is read whole and 河西 never inside 河西务 (a town, not the district) when 河西务 is no district's name."""
        names = sorted(((name, d) for d in self.districts() for name in (d.name, *d.aliases)), key=lambda n: -len(n[0]))
        for name, district in names:
            at = text.find(name)
            if at >= 0 and not (len(name) <= 2 and text[at + len(name) : at + len(name) + 1] in _NOT_A_DISTRICT_AFTER):
                return district, name
        return None

    def unit_for(self, code: str, district: str) -> Department | None:
        """Where work for department `code` goes for callers of `district`: the department itself when it serves that
        district, else its unit (directly under it) that does, not retired; None when none does (the city's applies).
        Only directly under: a city bureau's work does not go to a district office of one of its sub-units."""
        department = self._by_code.get(code)
        if department is not None and department.district == district:
            return department
        below = sorted((d for d in self._by_code.values() if d.parent == code), key=lambda d: d.code)
        return next((d for d in below if d.district == district and not d.retired), None)

    def district_gaps(self) -> list[tuple[Department, list[Department]]]:
        """City-level departments with units for some districts but not all: (department, districts without one)."""
        districts = self.districts()
        gaps = []
        for department in self:
            served = {d.district for d in self if d.parent == department.code and d.district and not d.retired}
            missing = [d for d in districts if d.code not in served]
            if served and missing and not department.retired:
                gaps.append((department, missing))
        return gaps

    def with_descendants(self, codes: Iterable[str]) -> frozenset[str]:
        """The given codes and every department under them (a key for a bureau covers its offices)."""
        covered = set(codes)
        while True:
            more = {d.code for d in self._by_code.values() if d.parent in covered and d.code not in covered}
            if not more:
                return frozenset(covered)
            covered |= more

    def close_matches(self, text: str, limit: int = 3) -> list[Department]:
        """The departments whose code or name look most like `text` (for "did you mean")."""
        if not text or not self._by_code:
            return []
        choices = {d.code: f"{d.code} {d.name}" for d in self._by_code.values() if not d.retired}
        found = process.extract(text, choices, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=40)
        return [self._by_code[code] for _, _, code in found]

    def problems(self) -> list[str]:
        """What is wrong with the directory as a whole: unknown or retired parents, and cycles."""
        found = []
        for department in self:
            above = self._by_code.get(department.parent) if department.parent is not None else None
            if department.parent is not None and above is None:
                found.append(f"{department.code}: parent '{department.parent}' is not in the directory")
            elif above is not None and above.retired and not department.retired:
                found.append(f"{department.code}: parent '{department.parent}' is retired")
            found += self._district_problems(department)
            seen, parent = {department.code}, department.parent
            while parent in self._by_code:
                if parent in seen:
                    found.append(f"{department.code}: its parents form a cycle")
                    break
                seen.add(parent)
                parent = self._by_code[parent].parent
        return found

    def _district_problems(self, department: Department) -> list[str]:
        if department.kind == "district":
            clashes = [
                other.code
                for other in self.districts()
                if other.code != department.code
                and {department.name, *department.aliases} & {other.name, *other.aliases}
            ]
            named = [f"{department.code}: a district belongs to no district"] if department.district else []
            return named + [f"{department.code}: shares a name or alias with {code}" for code in clashes]
        found = [f"{department.code}: only a district has aliases"] if department.aliases else []
        served = self._by_code.get(department.district) if department.district else None
        if department.district and (served is None or served.kind != "district"):
            found.append(f"{department.code}: district '{department.district}' is not a district of the directory")
        return found


# Two-character district names stand for the district only when no other word goes on: 河西务 is a town.
_NOT_A_DISTRICT_AFTER = set("务镇村乡路街道里庄")


def parse_directory(text: str) -> Directory:
    """The directory from its YAML file: a list of departments; raises DirectoryInvalid with lines."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DirectoryInvalid([(mark.line + 1 if mark else 1, f"not valid YAML: {error}")]) from None
    if data is None:
        return Directory()
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise DirectoryInvalid([(1, "the directory is a list of departments, each starting with '- code: …'")])
    problems: list[tuple[int, str]] = []
    departments: list[Department] = []
    for node, entry in zip(root.value, data, strict=True):
        line = node.start_mark.line + 1
        try:
            department = Department.model_validate(_as_text(entry))
        except ValidationError as error:
            for item in error.errors():
                where = ".".join(str(part) for part in item["loc"]) or "entry"
                problems.append((line, f"{where}: {item['msg']}"))
            continue
        if any(d.code == department.code for d in departments):
            problems.append((line, f"code '{department.code}' appears twice"))
        departments.append(department)
    directory = Directory(departments)
    problems += [(1, problem) for problem in directory.problems()]
    if problems:
        raise DirectoryInvalid(problems)
    return directory


def department_lines(text: str) -> dict[str, int]:
    """The line each department of a parsed directory file starts at, by code."""
    root = yaml.compose(text)
    lines: dict[str, int] = {}
    for node in root.value if isinstance(root, yaml.SequenceNode) else []:
        for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
            if key.value == "code" and isinstance(value, yaml.ScalarNode):
                lines.setdefault(value.value, node.start_mark.line + 1)
    return lines


def phone_gaps(text: str, directory: Directory) -> list[tuple[int, Department]]:
    """(line, department) for each department of a parsed directory file that has no phone, in file order (a district
    is where callers live, not a unit work is dispatched to: it has no phone to miss)."""
    lines = department_lines(text)
    missing = (d for d in directory if not d.phone and d.kind != "district")
    return sorted(((lines.get(d.code, 1), d) for d in missing), key=lambda gap: gap[0])


def directory_yaml(directory: Directory) -> str:
    """The directory as its YAML file (for `kb export`), every field in a fixed order."""
    entries = [d.model_dump(exclude_defaults=True) for d in directory]  # no empty fields, no `retired: false`
    ordered = [{"code": e.pop("code"), **e} for e in entries]
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=200)


def _as_text(entry: object) -> object:
    """YAML reads 12345 as a number; a phone number is text."""
    if isinstance(entry, dict):
        return {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in entry.items()}
    return entry
