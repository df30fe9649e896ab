"""Reports for editors: searches, answers, gaps, articles and surges over a Beijing-time day, week or month.

Closed days are read from the summaries the maintenance job writes (one item per day and department);
today, and any closed day not summarised yet, are worked out from the raw records. A search belongs to the
department of its top article; searches that found no article at all (`-`) and the gaps are shown to every
editor, since nobody owns them yet.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable

from chalicelib.clock import china_date, utc_now
from chalicelib.desk.charts import presented
from chalicelib.desk.days import FIRST_DAYS, NO_ARTICLE, ArticleFacts, DayReader
from chalicelib.desk.models.reports import (
    ArticleActivity,
    CategoryCount,
    Change,
    DayCount,
    DrawnReport,
    Gap,
    HourCount,
    Period,
    PreviousPeriod,
    Report,
    ReportParams,
    TopQuestion,
)
from chalicelib.desk.questions import group_questions
from chalicelib.desk.store.log import DeskLog
from chalicelib.desk.store.reports import ArticleCounts, CategoryCounts, DepartmentDay, QuestionCount, ReportStore
from chalicelib.knowledge.models.reading import ArticleListParams
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.people.access import Action, Principal, Reader

DAYS_PER_RUN = 3  # closed days the maintenance job summarises per run, oldest first
CLOSING_DELAY = dt.timedelta(minutes=5)  # a day is summarised once searches in flight at midnight have landed
LISTED = 20


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


def _change(now: float, before: float) -> float | None:
    return round((now - before) / before, 4) if before else None


def _rate(answered: int, searches: int) -> float | None:
    return round(answered / searches, 4) if searches else None


class ReportDesk:
    """Reports for editors (their departments) and admins (all), and the summaries behind them."""

    def __init__(
        self,
        reports: ReportStore,
        log: DeskLog,
        knowledge: KnowledgeService,
        facts: Callable[[], Iterable[ArticleFacts]],
        now: Callable[[], dt.datetime] = utc_now,
        keep_seconds: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reports = reports
        self._log = log
        self._knowledge = knowledge
        self._facts = facts
        self._now = now
        self._keep_seconds = keep_seconds
        self._monotonic = monotonic
        self._kept: dict[tuple[object, ...], tuple[float, Report]] = {}

    def report(self, params: ReportParams, principal: Principal) -> Report:
        """A period's report as the caller's departments see it. With `keep_seconds`, the same report asked
        again within that time (by anyone who sees the same departments) is answered from this container's
        copy: a centre's editors opening this month's report one after another cost one reading of it."""
        principal.require(Action.VIEW_TASKS)
        start, _ = period_bounds(params.period, params.date)
        scope = "*" if principal.covers("*") else tuple(sorted(principal.departments))
        key = (params.period, start, scope, china_date(self._now()))
        kept = self._kept.get(key)
        if kept is not None and self._monotonic() - kept[0] < self._keep_seconds:
            return kept[1]
        report = self._worked_out(params, principal)
        if self._keep_seconds > 0:
            if len(self._kept) >= 64:  # the oldest goes: a few periods and scopes are what people ask for
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = (self._monotonic(), report)
        return report

    def _worked_out(self, params: ReportParams, principal: Principal) -> Report:
        start, end = period_bounds(params.period, params.date)
        reading = self._day_reader()
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        stored = {day: reading.day(day) for day in days}

        def visible(code: str) -> bool:
            return code == NO_ARTICLE or principal.covers(code)

        mine = [(day, s) for day in days for code, s in stored[day].departments.items() if visible(code)]
        searches = sum(s.searches for _, s in mine)
        answered = sum(s.answered for _, s in mine)
        clicks = sum(s.clicks for _, s in mine)
        so_far = min(end, china_date(self._now()))  # a period still running is compared over its days so far
        previous = self._previous(params.period, start, so_far if so_far < end else None, reading, visible)
        rate = _rate(answered, searches)
        return Report(
            period=params.period,
            start=start,
            end=end,
            searches=searches,
            answered=answered,
            answered_rate=rate,
            abstained=searches - answered,
            clicks=clicks,
            top_questions=self._top_questions([q for _, s in mine for q in s.questions], reading.facts),
            gaps=[
                Gap(
                    question=g.question,
                    count=g.weight,
                    searches=g.unanswered,
                    unhelpful=g.unhelpful,
                    example=g.examples.most_common(1)[0][0],
                )
                for g in group_questions(
                    (q for day in days for s in stored[day].departments.values() for q in s.questions), gaps=True
                )[:LISTED]
            ],
            articles=self._articles([s for _, s in mine], reading.facts, principal),
            by_category=self._by_category([s for _, s in mine]),
            by_day=[
                DayCount(
                    date=day,
                    searches=sum(s.searches for d, s in mine if d == day),
                    answered=sum(s.answered for d, s in mine if d == day),
                )
                for day in days
            ],
            by_hour=[HourCount(hour=h, searches=sum(s.hours[h] for _, s in mine)) for h in range(24)],
            surges=[surge for day in days for surge in stored[day].surges],
            previous=PreviousPeriod(
                **previous,
                change=Change(
                    searches=_change(searches, previous["searches"]),
                    answered_rate=None
                    if rate is None or previous["answered_rate"] is None
                    else round(rate - previous["answered_rate"], 4),
                    abstained=_change(searches - answered, previous["abstained"]),
                    clicks=_change(clicks, previous["clicks"]),
                ),
            ),
        )

    def drawn(self, params: ReportParams, principal: Principal) -> DrawnReport:
        """The report with its summary and charts drawn, as the console shows it (one renderer: desk/charts.py)."""
        return presented(self.report(params, principal))

    def summarise_closed_days(self, limit: int = DAYS_PER_RUN) -> list[dt.date]:
        """The maintenance job's part: summarise the oldest closed days not summarised yet, at most `limit`."""
        today = china_date(self._now() - CLOSING_DELAY)
        last = self._reports.cursor() or today - dt.timedelta(days=FIRST_DAYS + 1)
        days = [last + dt.timedelta(days=n) for n in range(1, (today - last).days)][:limit]
        if days:
            self.summarise(days, after_each=self._reports.move_cursor)
        return days

    def summarise(self, days: list[dt.date], after_each: Callable[[dt.date], None] = lambda day: None) -> None:
        """Work out closed days from the raw records, with their surges, and store them (again), oldest first."""
        reading = self._day_reader()
        for day in sorted(days):
            worked_out = reading.raw(day)
            self._reports.save_day(day, worked_out.departments, worked_out.surges)
            after_each(day)

    def move_cursor(self, day: dt.date) -> None:
        """Say every day up to `day` is summarised (after summarising them some other way: demo traffic)."""
        self._reports.move_cursor(day)

    def _previous(
        self, period: Period, start: dt.date, so_far: dt.date | None, reading: DayReader, visible: Callable[[str], bool]
    ) -> dict:
        """The period before; for one still running (`so_far`: its last day yet), the same span of it."""
        first, last = period_bounds(period, start - dt.timedelta(days=1))
        if so_far is not None:  # a month's 31st has no match in a 30-day month: its last day stands in
            last = min(last, first + (so_far - start)) if so_far >= start else first - dt.timedelta(days=1)
        summaries = [
            s
            for n in range((last - first).days + 1)
            for code, s in reading.departments(first + dt.timedelta(days=n)).items()
            if visible(code)
        ]
        searches = sum(s.searches for s in summaries)
        answered = sum(s.answered for s in summaries)
        clicks = sum(s.clicks for s in summaries)
        return {
            "start": first,
            "end": last,
            "like_for_like": so_far is not None,
            "searches": searches,
            "answered_rate": _rate(answered, searches),
            "abstained": searches - answered,
            "clicks": clicks,
        }

    def _top_questions(self, entries: list[QuestionCount], facts: dict[str, ArticleFacts]) -> list[TopQuestion]:
        return [
            TopQuestion(
                question=g.question,
                count=g.weight,
                variants=g.variants,
                article_id=g.top,
                title=facts[g.top].title if g.top in facts else None,
            )
            for g in group_questions(entries, gaps=False)[:LISTED]
        ]

    def _articles(
        self, summaries: list[DepartmentDay], facts: dict[str, ArticleFacts], principal: Principal
    ) -> list[ArticleActivity]:
        totals: dict[str, ArticleCounts] = {}
        for summary in summaries:
            for article_id, counts in summary.articles.items():
                kept = totals.setdefault(article_id, ArticleCounts())
                kept.views += counts.views
                kept.helpful += counts.helpful
                kept.unhelpful += counts.unhelpful
                kept.flags += counts.flags
        live = {a.id for a in self._knowledge.articles(ArticleListParams(), Reader.AGENT)}
        directory = self._knowledge.directory()
        today = china_date(self._now())
        listed = [
            ArticleActivity(
                id=f.id,
                title=f.title,
                department=f.department,
                department_name=directory.name_of(f.department),
                views=(counts := totals.get(f.id, ArticleCounts())).views,
                helpful=counts.helpful,
                unhelpful=counts.unhelpful,
                flags=counts.flags,
                overdue=f.review_by < today,
            )
            for f in facts.values()
            if principal.covers(f.department) and (f.id in live or f.id in totals)
        ]
        return sorted(listed, key=lambda a: (-a.views, -a.unhelpful, -a.flags, a.id))

    def _by_category(self, summaries: list[DepartmentDay]) -> list[CategoryCount]:
        totals: dict[str, CategoryCounts] = {}
        for summary in summaries:
            for category, counts in summary.categories.items():
                kept = totals.setdefault(category, CategoryCounts())
                kept.searches += counts.searches
                kept.answered += counts.answered
        names = self.category_names()
        return sorted(
            (
                CategoryCount(category=c, name=names.get(c, c), searches=n.searches, answered=n.answered)
                for c, n in totals.items()
            ),
            key=lambda c: (-c.searches, c.category),
        )

    def _day_reader(self) -> DayReader:
        facts = {f.id: f for f in self._facts()}
        return DayReader(self._log, self._reports, facts, china_date(self._now()), self.category_names)

    def category_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self._knowledge.categories(Reader.AGENT)}
