"""A department's figures worked out from raw records, and figures of several spans added up: pure, no store.

Beside each department's figures (every record, the city's), the searches, clicks, 好差评 and flags made for one
district are counted again under `<department>@<district>` (issue 27): a report cut by district reads those alone.
Records without a district (every one from before districts were recorded) count for the city only.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from chalicelib.clock import CHINA_TIME
from chalicelib.desk.questions import asked
from chalicelib.desk.store.log import Click, LoggedSearch, Vote
from chalicelib.desk.store.reports import ArticleCounts, CategoryCounts, DayFigures, DepartmentFigures, QuestionCount
from chalicelib.desk.store.tasks import FlagTask

NO_ARTICLE = "-"  # the department of searches that found no article at all
QUESTIONS_KEPT = 300  # per day (or hour) and department: the long tail of one-off questions is left out
QUESTIONS_KEPT_ROLLED_UP = 500  # per week or month and department
QUESTIONS_KEPT_DISTRICT = 60  # per department and district, in any span: a district's report lists 20
_DISTRICT = "@"  # department codes are [a-z0-9-]: the mark never appears in one

Figured = TypeVar("Figured")


def district_key(department: str, district: str | None) -> str:
    """Where a department's figures of one district's callers are kept (the department's own code: the city's)."""
    return f"{department}{_DISTRICT}{district}" if district else department


def city_of(departments: Mapping[str, Figured]) -> dict[str, Figured]:
    """The city's figures per department: every search, with or without a district."""
    return {code: figures for code, figures in departments.items() if _DISTRICT not in code}


def district_of(departments: Mapping[str, Figured], district: str) -> dict[str, Figured]:
    """One district's figures per department: the searches of callers of that district."""
    ending = f"{_DISTRICT}{district}"
    return {code.removesuffix(ending): f for code, f in departments.items() if code.endswith(ending)}


def districts_in(departments: Iterable[str]) -> list[str]:
    """The districts some figures are kept for, by code."""
    return sorted({code.partition(_DISTRICT)[2] for code in departments if _DISTRICT in code})


def kept_for(code: str, kept: int | None) -> int | None:
    """How many questions figures keep: a district's, fewer (its report lists 20, and it repeats the city's)."""
    return min(kept or QUESTIONS_KEPT_DISTRICT, QUESTIONS_KEPT_DISTRICT) if _DISTRICT in code else kept


@dataclass(frozen=True)
class ArticleFacts:
    """What reports need of an article, archived ones included: searches may still name them."""

    id: str
    title: str
    category: str
    department: str
    review_by: dt.date


def from_records(
    day: dt.date,
    searches: Iterable[LoggedSearch],
    clicks: Iterable[Click],
    votes: Iterable[Vote],
    tasks: Iterable[FlagTask],
    facts: dict[str, ArticleFacts],
) -> dict[str, DepartmentFigures]:
    """Figures per department of the records of one day (or part of it): settled searches, clicks, 好差评, flags."""
    departments: dict[str, DepartmentFigures] = {}
    questions: dict[str, dict[tuple[str, str | None], QuestionCount]] = {}

    def department(article_id: str | None) -> str:
        known = facts.get(article_id or "")
        return known.department if known else NO_ARTICLE

    def of(article_id: str | None, district: str | None = None) -> DepartmentFigures:
        return departments.setdefault(district_key(department(article_id), district), DepartmentFigures())

    def question(article_id: str | None, text: str, district: str | None = None) -> QuestionCount:
        key = (asked(text), article_id)
        return questions.setdefault(district_key(department(article_id), district), {}).setdefault(
            key, QuestionCount(key[0], article_id, example=text)
        )

    def article(figures: DepartmentFigures, article_id: str) -> ArticleCounts:
        return figures.articles.setdefault(article_id, ArticleCounts())

    for logged in searches:
        assert logged.at is not None  # read by time, so it has one
        for district in _counted_for(logged.district):
            figures = of(logged.top, district)
            figures.searches += 1
            figures.answered += logged.answered
            figures.hours[logged.at.astimezone(CHINA_TIME).hour] += 1
            if (known := facts.get(logged.top or "")) is not None:
                category = figures.categories.setdefault(known.category, CategoryCounts())
                category.searches += 1
                category.answered += logged.answered
            entry = question(logged.top, logged.query, district)
            entry.searches += 1
            entry.unanswered += not logged.answered
    for click in clicks:
        for district in _counted_for(click.district):
            figures = of(click.article_id, district)
            figures.clicks += 1
            article(figures, click.article_id).views += 1
    for vote in votes:
        for district in _counted_for(vote.district):
            counts = article(of(vote.article_id, district), vote.article_id)
            if vote.helpful:
                counts.helpful += 1
            else:
                counts.unhelpful += 1
                if vote.query:
                    question(vote.article_id, vote.query, district).unhelpful += 1
    for task in tasks:  # counted for the department the article had when it was flagged
        for district in _counted_for(task.district):
            code = district_key(task.department or NO_ARTICLE, district)
            article(departments.setdefault(code, DepartmentFigures()), task.article_id).flags += 1
    for code, figures in departments.items():
        figures.questions = _heaviest(questions.get(code, {}).values(), kept_for(code, QUESTIONS_KEPT))
        categories = {c: n.searches for c, n in figures.categories.items()}
        figures.daily = {day: DayFigures(figures.searches, figures.answered, figures.clicks, categories)}
    return departments


def added_up(parts: Iterable[dict[str, DepartmentFigures]], kept: int | None = None) -> dict[str, DepartmentFigures]:
    """Figures of several spans (days, hours, roll-ups) added up per department; each wording and top article is
    one question across them. `kept`: how many questions a department keeps (all by default)."""
    totals: dict[str, DepartmentFigures] = {}
    questions: dict[str, dict[tuple[str, str | None], QuestionCount]] = {}
    for part in parts:
        for code, figures in part.items():
            total = totals.setdefault(code, DepartmentFigures())
            total.searches += figures.searches
            total.answered += figures.answered
            total.clicks += figures.clicks
            total.hours = [a + b for a, b in zip(total.hours, figures.hours, strict=True)]
            for category, counts in figures.categories.items():
                total.categories.setdefault(category, CategoryCounts()).add(counts)
            for article_id, counted in figures.articles.items():
                total.articles.setdefault(article_id, ArticleCounts()).add(counted)
            for day, figured in figures.daily.items():
                known = total.daily.setdefault(day, DayFigures())
                known.searches += figured.searches
                known.answered += figured.answered
                known.clicks += figured.clicks
                for category, searched in figured.categories.items():
                    known.categories[category] = known.categories.get(category, 0) + searched
            by_key = questions.setdefault(code, {})
            for entry in figures.questions:
                same = by_key.get((entry.question, entry.top))
                if same is None:
                    by_key[(entry.question, entry.top)] = QuestionCount(**vars(entry))
                    continue
                if entry.searches + entry.unhelpful > same.searches + same.unhelpful:
                    same.example = entry.example  # the heavier part's wording stands for both
                same.searches += entry.searches
                same.unanswered += entry.unanswered
                same.unhelpful += entry.unhelpful
    for code, total in totals.items():
        total.questions = _heaviest(questions.get(code, {}).values(), kept_for(code, kept))
    return totals


def _counted_for(district: str | None) -> tuple[str | None, ...]:
    """Where a record counts: for the city (None), and for its district if it has one."""
    return (None, district) if district else (None,)


def _heaviest(entries: Iterable[QuestionCount], kept: int | None) -> list[QuestionCount]:
    return sorted(entries, key=lambda e: (-(e.searches + e.unhelpful), e.question, e.top or ""))[:kept]
