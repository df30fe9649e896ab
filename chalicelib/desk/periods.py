"""The figures of a report's period, read from a bounded number of summaries whatever the traffic.

A closed week or month is one roll-up; a closed day is its summary; a day not summarised yet (today, or one
the maintenance job has not reached) is its summarised hours and the raw records since the last of them.
Surges are found against the same weekdays before, from the days' headline figures in the month roll-ups: the
city's searches, and each district's callers' alone by the same rule (a district's heating outage shows before
the city's total moves).
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cached_property

from chalicelib.clock import CHINA_TIME, china_date
from chalicelib.desk.figures import (
    QUESTIONS_KEPT,
    ArticleFacts,
    added_up,
    city_of,
    district_of,
    districts_in,
    from_records,
)
from chalicelib.desk.models.reports import Period, Surge
from chalicelib.desk.questions import group_questions
from chalicelib.desk.store.log import DeskLog, Vote
from chalicelib.desk.store.reports import DayFigures, DepartmentFigures, ReportStore, SpanKind, StoredSpan

SURGE_FACTOR = 3.0  # a category's searches on a day above 3x its same-weekday average is a surge ...
SURGE_MINIMUM = 20  # ... if there are at least this many: 1 against 0 is not a surge
SURGE_WEEKS = 4
BASELINE_WEEKS = 2  # of those four, how many must have been logged: one week alone is too noisy a baseline
FIRST_DAYS = 35  # how far back the very first run starts
_HOUR = dt.timedelta(hours=1)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A Beijing-time day as [start, end) in UTC."""
    start = dt.datetime.combine(day, dt.time(), CHINA_TIME).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def period_bounds(period: Period, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (inclusive) of the period holding `day`: Monday-Sunday weeks, calendar months."""
    if period is Period.DAY:
        return day, day
    if period is Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def span_of(period: Period, start: dt.date) -> tuple[SpanKind, dt.date]:
    """The roll-up that holds a week or a month."""
    return (SpanKind.WEEK, start) if period is Period.WEEK else (SpanKind.MONTH, start.replace(day=1))


class PeriodReader:
    """The periods and days one report (or one maintenance run) reads, each read or worked out once."""

    def __init__(
        self,
        log: DeskLog,
        reports: ReportStore,
        facts: dict[str, ArticleFacts],
        today: dt.date,
        category_names: Callable[[], dict[str, str]],
        district_names: Callable[[], dict[str, str]] = dict,
    ) -> None:
        self._log = log
        self._reports = reports
        self._category_names = category_names
        self._district_names = district_names
        self.facts = facts
        self._today = today
        self._days: dict[dt.date, StoredSpan] = {}
        self._spans: dict[tuple[SpanKind, dt.date], StoredSpan] = {}
        self._votes: dict[dt.date, list[Vote]] = {}
        self._names: dict[str, str] | None = None
        self._cursor = reports.cursor()

    def period(self, period: Period, start: dt.date, end: dt.date) -> StoredSpan:
        """A period's figures: a week or month from its roll-up and any day of it the roll-up does not hold yet."""
        if period is Period.DAY:
            return self.day(start)
        rolled = self.span(*span_of(period, start))
        missing = [self.day(d) for d in _days(start, min(end, self._today)) if not self._in(rolled, d)]
        if not missing:
            return rolled
        return StoredSpan(
            added_up([rolled.departments, *(m.departments for m in missing)]),
            rolled.surges + [surge for m in missing for surge in m.surges],
            rolled.days.union(*(m.days for m in missing)),
        )

    def span(self, kind: SpanKind, start: dt.date) -> StoredSpan:
        if (kind, start) not in self._spans:
            self._spans[(kind, start)] = self._reports.span(kind, start)
        return self._spans[(kind, start)]

    def day(self, day: dt.date) -> StoredSpan:
        """A day with its surges: its summary, or worked out (today, or not summarised yet), or nothing."""
        if day not in self._days:
            stored = self._reports.day(day) if day < self._today else None
            if stored is None:
                stored = self.worked_out(day) if self._raw_allowed(day) else StoredSpan({}, [], frozenset({day}))
            self._days[day] = stored
        return self._days[day]

    def remember(self, day: dt.date, summary: StoredSpan) -> None:
        self._days[day] = summary

    def daily(self, day: dt.date) -> dict[str, DayFigures]:
        """A day's headline figures per department: from a roll-up already read, this month's roll-up, or the day."""
        holding = next((s for s in self._spans.values() if day in s.days), None)
        if holding is None and day not in self._days and day < self._today:
            month = self.span(SpanKind.MONTH, day.replace(day=1))
            holding = month if self._in(month, day) else None
        departments = (holding or self.day(day)).departments
        return {code: figures.daily[day] for code, figures in departments.items() if day in figures.daily}

    def _in(self, rolled: StoredSpan, day: dt.date) -> bool:
        """Whether a roll-up has all there is of a day: the day is in it, or was summarised into roll-ups without
        a single record, or lies before the job's first day (either way it adds nothing)."""
        return day in rolled.days or self._cursor.accounted_for(day)

    def worked_out(self, day: dt.date) -> StoredSpan:
        """A day from what the maintenance job summarised of it (its closed hours, the hour running up to some
        minute) and the raw records since; with its surges."""
        hours = self._reports.hours(day)
        first_missing = next(h for h in range(25) if h not in hours.closed)
        start, end = day_bounds(day)
        parts = [figures for hour, figures in hours.closed.items() if hour < first_missing]
        raw_from = start + first_missing * _HOUR
        if hours.running is not None and hours.running.hour == first_missing:
            parts.append(hours.running.departments)
            raw_from = hours.running.until
        if first_missing < 24:
            parts.append(self.from_raw(day, raw_from, end))
        departments = added_up(parts, kept=QUESTIONS_KEPT)
        return StoredSpan(departments, self.surges(day, departments), frozenset({day}))

    def from_raw(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> dict[str, DepartmentFigures]:
        """Figures of the raw records of a day within [start, end)."""
        if start >= end:
            return {}
        return from_records(
            day,
            self._log.searches_between(day, start, end),
            self._log.clicks_between(day, start, end),
            self._votes_between(day, start, end),
            self._log.tasks.between(start, end),
            self.facts,
        )

    def _votes_between(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> list[Vote]:
        by_day = self._votes_by_day_since
        if by_day is not None and day >= by_day:
            return self._log.votes_on(day, start, end)
        return [v for v in self.votes(day) if v.at is not None and start <= v.at < end]

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
            for each in _days(day, last):
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

    def _raw_allowed(self, day: dt.date) -> bool:
        """Whether a day without a summary is worked out from the raw log: today, and closed days the job has not
        reached yet. A day before the job's first day has no log worth reading: it counts as empty."""
        if day > self._today:
            return False
        return day > (self._cursor.day or self._today - dt.timedelta(days=FIRST_DAYS + 1))

    def surges(self, day: dt.date, departments: dict[str, DepartmentFigures]) -> list[Surge]:
        """A day's categories searched more than SURGE_FACTOR times their average on the same weekdays before: the
        city's searches, then each district's callers' searches against that district's own same weekdays."""
        found = self._surges(day, city_of(departments), None)
        for district in districts_in(departments):
            found += self._surges(day, district_of(departments, district), district)
        return found

    def _surges(self, day: dt.date, departments: dict[str, DepartmentFigures], district: str | None) -> list[Surge]:
        counts = _category_searches(departments[code].daily.get(day, DayFigures()) for code in departments)
        heavy = {c: n for c, n in counts.items() if n >= SURGE_MINIMUM}
        if not heavy:
            return []

        def scoped(daily: dict[str, DayFigures]) -> dict[str, DayFigures]:
            return city_of(daily) if district is None else district_of(daily, district)

        # Only weeks whose day was logged at all: before the log began (or in an outage) there is no baseline.
        weeks = [
            counts
            for k in range(1, SURGE_WEEKS + 1)
            if (counts := _category_searches(scoped(self.daily(day - dt.timedelta(weeks=k))).values()))
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
                for figures in departments.values()
                for q in figures.questions
                if q.top in self.facts and self.facts[q.top].category == category
            ]
            surges.append(
                Surge(
                    date=day,
                    category=category,
                    name=self._names.get(category, category),
                    district=district,
                    district_name=self._district_names().get(district, district) if district else None,
                    searches=searches,
                    baseline=baseline,
                    ratio=round(searches / max(baseline, 1.0), 2),
                    top_questions=[g.asked for g in group_questions(entries, gaps=False)[:3]],
                )
            )
        return surges


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _category_searches(days: Iterable[DayFigures]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for figures in days:
        counts.update(figures.categories)
    return dict(counts)
