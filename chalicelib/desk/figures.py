"""A department's figures worked out from raw records, and figures of several spans added up: pure, no store."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.clock import CHINA_TIME
from chalicelib.desk.questions import asked
from chalicelib.desk.store.log import Click, LoggedSearch, Vote
from chalicelib.desk.store.reports import ArticleCounts, CategoryCounts, DayFigures, DepartmentFigures, QuestionCount
from chalicelib.desk.store.tasks import FlagTask

NO_ARTICLE = "-"  # the department of searches that found no article at all
QUESTIONS_KEPT = 300  # per day (or hour) and department: the long tail of one-off questions is left out
QUESTIONS_KEPT_ROLLED_UP = 500  # per week or month and department


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

    def of(article_id: str | None) -> DepartmentFigures:
        return departments.setdefault(department(article_id), DepartmentFigures())

    def question(article_id: str | None, text: str) -> QuestionCount:
        key = (asked(text), article_id)
        return questions.setdefault(department(article_id), {}).setdefault(
            key, QuestionCount(key[0], article_id, example=text)
        )

    def article(figures: DepartmentFigures, article_id: str) -> ArticleCounts:
        return figures.articles.setdefault(article_id, ArticleCounts())

    for logged in searches:
        assert logged.at is not None  # read by time, so it has one
        figures = of(logged.top)
        figures.searches += 1
        figures.answered += logged.answered
        figures.hours[logged.at.astimezone(CHINA_TIME).hour] += 1
        if (known := facts.get(logged.top or "")) is not None:
            category = figures.categories.setdefault(known.category, CategoryCounts())
            category.searches += 1
            category.answered += logged.answered
        entry = question(logged.top, logged.query)
        entry.searches += 1
        entry.unanswered += not logged.answered
    for click in clicks:
        figures = of(click.article_id)
        figures.clicks += 1
        article(figures, click.article_id).views += 1
    for vote in votes:
        counts = article(of(vote.article_id), vote.article_id)
        if vote.helpful:
            counts.helpful += 1
        else:
            counts.unhelpful += 1
            if vote.query:
                question(vote.article_id, vote.query).unhelpful += 1
    for task in tasks:
        code = task.department or NO_ARTICLE
        article(departments.setdefault(code, DepartmentFigures()), task.article_id).flags += 1
    for code, figures in departments.items():
        figures.questions = _heaviest(questions.get(code, {}).values(), QUESTIONS_KEPT)
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
        total.questions = _heaviest(questions.get(code, {}).values(), kept)
    return totals


def _heaviest(entries: Iterable[QuestionCount], kept: int | None) -> list[QuestionCount]:
    return sorted(entries, key=lambda e: (-(e.searches + e.unhelpful), e.question, e.top or ""))[:kept]
