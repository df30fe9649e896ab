"""What each day was, for reports: read from its summary, or worked out from the raw records (today, and
closed days the maintenance job has not reached), with the surges found against the same weekdays before."""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from chalicelib.clock import CHINA_TIME, china_date
from chalicelib.desk.models.reports import Surge
from chalicelib.desk.questions import asked, group_questions
from chalicelib.desk.store.log import DeskLog, Vote
from chalicelib.desk.store.reports import (
    ArticleCounts,
    CategoryCounts,
    DepartmentDay,
    QuestionCount,
    ReportStore,
    StoredDay,
)

NO_ARTICLE = "-"  # the department of searches that found no article at all
SURGE_FACTOR = 3.0  # a category's searches on a day above 3x its same-weekday average is a surge ...
SURGE_MINIMUM = 20  # ... if there are at least this many: 1 against 0 is not a surge
SURGE_WEEKS = 4
BASELINE_WEEKS = 2  # of those four, how many must have been logged: one week alone is too noisy a baseline
FIRST_DAYS = 35  # how far back the very first run starts
QUESTIONS_KEPT = 300  # per day and department: the long tail of one-off questions is left out of the summary


@dataclass(frozen=True)
class ArticleFacts:
    """What reports need of an article, archived ones included: searches may still name them."""

    id: str
    title: str
    category: str
    department: str
    review_by: dt.date


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A Beijing-time day as [start, end) in UTC."""
    start = dt.datetime.combine(day, dt.time(), CHINA_TIME).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


class DayReader:
    """The days one report (or one maintenance run) reads, each read or worked out once."""

    def __init__(
        self,
        log: DeskLog,
        reports: ReportStore,
        facts: dict[str, ArticleFacts],
        today: dt.date,
        category_names: Callable[[], dict[str, str]],
    ) -> None:
        self._log = log
        self._reports = reports
        self._category_names = category_names
        self.facts = facts
        self._days: dict[dt.date, StoredDay] = {}
        self._departments: dict[dt.date, dict[str, DepartmentDay]] = {}
        self._votes: dict[dt.date, list[Vote]] = {}
        self._names: dict[str, str] | None = None
        self._today = today
        self._cursor = reports.cursor()

    def day(self, day: dt.date) -> StoredDay:
        """A day with its surges: its summary, or worked out from the raw records (today, or not summarised yet)."""
        if day not in self._days:
            stored = self._stored(day)
            if stored is None:
                stored = self.raw(day) if self._raw_allowed(day) else StoredDay({}, [])
            self._days[day] = stored
            self._departments[day] = stored.departments
        return self._days[day]

    def departments(self, day: dt.date) -> dict[str, DepartmentDay]:
        """A day's figures per department, without its surges (the baseline of another day's)."""
        if day not in self._departments:
            stored = self._stored(day)
            if stored is not None:
                self._departments[day] = stored.departments
            elif self._raw_allowed(day):
                self._departments[day] = _from_records(self._log, day, self.facts, self.votes(day))
            else:
                self._departments[day] = {}
        return self._departments[day]

    def votes(self, day: dt.date) -> list[Vote]:
        """A day's 好差评. From the day the table keeps votes by day too, one query for the day; before it, the
        votes are under their articles only, so the votes of every such day from this one on are read at once
        (one query per article): the days worked out from raw records run up to today."""
        if day not in self._votes:
            by_day = self._votes_by_day_since
            if by_day is not None and day >= by_day:
                self._votes[day] = self._log.votes_on(day, *day_bounds(day))
                return self._votes[day]
            # up to today (or the day before votes are kept by day), or up to the days already read
            later = [known for known in self._votes if known > day]
            last = min(later) - dt.timedelta(days=1) if later else max(day, self._today)
            if by_day is not None:
                last = min(last, by_day - dt.timedelta(days=1))
            span = [day + dt.timedelta(days=n) for n in range((last - day).days + 1)]
            for each in span:
                self._votes[each] = []
            start, end = day_bounds(day)[0], day_bounds(last)[1]
            for article_id in self.facts:
                for vote in self._log.votes_between(article_id, start, end):
                    assert vote.at is not None  # read by time, so it has one
                    self._votes.setdefault(china_date(vote.at), []).append(vote)
        return self._votes[day]

    @cached_property
    def _votes_by_day_since(self) -> dt.date | None:
        """Read once, when a day's votes are first needed."""
        return self._log.votes_by_day_since()

    def _stored(self, day: dt.date) -> StoredDay | None:
        return None if day >= self._today else self._reports.day(day)

    def _raw_allowed(self, day: dt.date) -> bool:
        """Whether a day without a summary is worked out from the raw log: today, and closed days the job has not
        reached yet. A day before the job's first day has no log worth reading: it counts as empty."""
        if day > self._today:
            return False
        return day > (self._cursor or self._today - dt.timedelta(days=FIRST_DAYS + 1))

    def raw(self, day: dt.date) -> StoredDay:
        """A day worked out from the raw records, its surges against the four same weekdays before it."""
        departments = self._departments[day] = _from_records(self._log, day, self.facts, self.votes(day))
        return StoredDay(departments, self._surges(day, departments))

    def _surges(self, day: dt.date, departments: dict[str, DepartmentDay]) -> list[Surge]:
        counts = _category_searches(departments.values())
        heavy = {c: n for c, n in counts.items() if n >= SURGE_MINIMUM}
        if not heavy:
            return []
        # Only weeks whose day was logged at all: before the log began (or in an outage) there is no baseline.
        weeks = [
            counts
            for k in range(1, SURGE_WEEKS + 1)
            if (counts := _category_searches(self.departments(day - dt.timedelta(weeks=k)).values()))
        ]
        if len(weeks) < BASELINE_WEEKS:
            return []
        if self._names is None:
            self._names = self._category_names()
        surges = []
        for category, searches in sorted(heavy.items()):
            baseline = sum(week.get(category, 0) for week in weeks) / len(weeks)
            if searches <= SURGE_FACTOR * baseline:
                continue
            entries = [
                q
                for s in departments.values()
                for q in s.questions
                if q.top in self.facts and self.facts[q.top].category == category
            ]
            surges.append(
                Surge(
                    date=day,
                    category=category,
                    name=self._names.get(category, category),
                    searches=searches,
                    baseline=baseline,
                    ratio=round(searches / max(baseline, 1.0), 2),
                    top_questions=[g.question for g in group_questions(entries, gaps=False)[:3]],
                )
            )
        return surges


def _category_searches(summaries: Iterable[DepartmentDay]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for summary in summaries:
        for category, counted in summary.categories.items():
            counts[category] += counted.searches
    return dict(counts)


def _from_records(
    log: DeskLog, day: dt.date, facts: dict[str, ArticleFacts], votes: list[Vote]
) -> dict[str, DepartmentDay]:
    """One day's figures per department, from the query log, clicks, 好差评 and flags."""
    start, end = day_bounds(day)
    departments: dict[str, DepartmentDay] = {}
    questions: dict[str, dict[tuple[str, str | None], QuestionCount]] = {}

    def department(article_id: str | None) -> str:
        known = facts.get(article_id or "")
        return known.department if known else NO_ARTICLE

    def of(article_id: str | None) -> DepartmentDay:
        return departments.setdefault(department(article_id), DepartmentDay())

    def question(article_id: str | None, text: str) -> QuestionCount:
        key = (asked(text), article_id)
        return questions.setdefault(department(article_id), {}).setdefault(
            key, QuestionCount(key[0], article_id, example=text)
        )

    def article(summary: DepartmentDay, article_id: str) -> ArticleCounts:
        return summary.articles.setdefault(article_id, ArticleCounts())

    for logged in log.searches_between(day, start, end):
        assert logged.at is not None  # read by time, so it has one
        summary = of(logged.top)
        summary.searches += 1
        summary.answered += logged.answered
        summary.hours[logged.at.astimezone(CHINA_TIME).hour] += 1
        if (known := facts.get(logged.top or "")) is not None:
            category = summary.categories.setdefault(known.category, CategoryCounts())
            category.searches += 1
            category.answered += logged.answered
        entry = question(logged.top, logged.query)
        entry.searches += 1
        entry.unanswered += not logged.answered
    for click in log.clicks_between(day, start, end):
        summary = of(click.article_id)
        summary.clicks += 1
        article(summary, click.article_id).views += 1
    for vote in votes:
        counts = article(of(vote.article_id), vote.article_id)
        if vote.helpful:
            counts.helpful += 1
        else:
            counts.unhelpful += 1
            if vote.query:
                question(vote.article_id, vote.query).unhelpful += 1
    for task in log.tasks_between(start, end):
        code = task.department or NO_ARTICLE
        article(departments.setdefault(code, DepartmentDay()), task.article_id).flags += 1
    for code, entries in questions.items():
        ranked = sorted(entries.values(), key=lambda e: -(e.searches + e.unhelpful))
        departments[code].questions = ranked[:QUESTIONS_KEPT]
    return departments
