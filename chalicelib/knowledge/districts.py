"""What an article says to a caller of one district: the unit its work goes to, and its wording. Pure.

The unit is the article's `districts:` override for the district, else the directory's unit for it under the
article's department (`Directory.unit_for`), else the article's own department: the city's. The wording is the
city-level text of each section with the district's subsection applied: `### 滨海新区` replaces it,
`### 滨海新区（补充）` comes after it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from chalicelib.knowledge.models.content import Article, Variant
from chalicelib.people.directory import Department, Directory

Scope = Literal["district", "city"]


@dataclass(frozen=True)
class Dispatch:
    """Where work goes: the department's code, and whether it was chosen for the district or is the city's."""

    department: str
    scope: Scope


@dataclass(frozen=True)
class Wording:
    """The sections a caller is read, and whether any of them carries the district's own text."""

    sections: dict[str, str]
    scope: Scope


@dataclass(frozen=True)
class Resolved:
    """An article for a caller of one district (or of none: the city's)."""

    district: Department | None
    dispatch: Dispatch
    wording: Wording


def dispatch_for(
    department: str, overrides: Mapping[str, str], district: Department | None, directory: Directory
) -> Dispatch:
    """The override for the district (while the directory still dispatches to it), else the directory's unit for the
    district under the department, else the department itself."""
    if district is None:
        return Dispatch(department, "city")
    override = overrides.get(district.code)
    if override is not None and directory.dispatch(override) is not None:
        return Dispatch(override, "district")
    unit = directory.unit_for(department, district.code)
    return Dispatch(unit.code, "district") if unit is not None else Dispatch(department, "city")


def names(district: Department, variant: Variant) -> bool:
    """Whether a subsection's heading names the district (its name; its code or an alias are read too)."""
    return variant.district in (district.name, district.code, *district.aliases)


def wording_for(sections: Mapping[str, str], variants: Iterable[Variant], district: Department | None) -> Wording:
    """The sections with the district's replacement, then its addition, applied to each."""
    worded = dict(sections)
    own = [v for v in variants if district is not None and names(district, v) and v.section in sections]
    for variant in sorted(own, key=lambda v: v.adds):  # a replacement first, so an addition follows it
        worded[variant.section] = f"{worded[variant.section]}\n\n{variant.text}" if variant.adds else variant.text
    return Wording(worded, "district" if own else "city")


def resolve(article: Article, district: str | None, directory: Directory) -> Resolved:
    """The article as a caller of `district` (a code, name or alias; None or an unknown one: the city's) gets it."""
    found = directory.district(district) if district else None
    return Resolved(
        found,
        dispatch_for(article.department, article.districts, found, directory),
        wording_for(article.sections, article.variants, found),
    )


def as_written(article: Article) -> dict[str, str]:
    """The sections with every district's subsection under its heading, as the file has them: for the editor's
    preview, which shows all the wording at once."""
    written = dict(article.sections)
    for variant in article.variants:
        heading = f"### {variant.district}{'（补充）' if variant.adds else ''}"
        written[variant.section] = f"{written[variant.section]}\n\n{heading}\n\n{variant.text}"
    return written
