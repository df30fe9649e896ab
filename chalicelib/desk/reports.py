"""Reports for editors: searches, answers, gaps, articles and surges over a Beijing-time day, week or month.

A report reads summaries the maintenance job keeps (desk/periods.py): a week or month rolled up, a closed
day, today's hours; only the records since the job last ran are read raw. A search belongs to
the department of its top article; searches that found no article at all (`-`) and the gaps are shown to
every editor, since nobody owns them yet. Cut by a district, a report counts what was made for that district alone:
its callers' searches, and the clicks, 好差评 and flags on answers shown for it (desk/figures.py).
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable

from chalicelib.clock import china_date, utc_now
from chalicelib.desk.charts import presented
from chalicelib.desk.figures import NO_ARTICLE, ArticleFacts, Figured, city_of, district_of
from chalicelib.desk.models.reports import (
    ArticleActivity,
    CategoryCount,
    Change,
    DayCount,
    DistrictRef,
    DrawnReport,
    Gap,
    HourCount,
    Period,
    PreviousPeriod,
    Report,
    ReportParams,
    TopQuestion,
)
from chalicelib.desk.periods import PeriodReader, period_bounds, span_of
from chalicelib.desk.questions import group_questions
from chalicelib.desk.store.log import DeskLog
from chalicelib.desk.store.reports import (
    ArticleCounts,
    CategoryCounts,
    DayFigures,
    DepartmentFigures,
    QuestionCount,
    ReportStore,
)
from chalicelib.knowledge.models.reading import ArticleListParams
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.people.access import Action, Principal, Reader

LISTED = 20


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
        district = self.district(params.district)
        start, _ = period_bounds(params.period, params.date)
        scope = "*" if principal.covers("*") else tuple(sorted(principal.departments))
        key = (params.period, start, scope, district and district.code, china_date(self._now()))
        kept = self._kept.get(key)
        if kept is not None and self._monotonic() - kept[0] < self._keep_seconds:
            return kept[1]
        report = self._worked_out(params, principal, district)
        if self._keep_seconds > 0:
            if len(self._kept) >= 64:  # the oldest goes: a few periods and scopes are what people ask for
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = (self._monotonic(), report)
        return report

    def district(self, key: str | None) -> DistrictRef | None:
        """The district a report or the gaps list is cut by (its code, name or alias); unknown: InvalidInput."""
        found = self._knowledge.directory().district_given(key)
        return DistrictRef(code=found.code, name=found.name) if found is not None else None

    def _worked_out(self, params: ReportParams, principal: Principal, district: DistrictRef | None) -> Report:
        start, end = period_bounds(params.period, params.date)
        reading = self.reader()
        stored = reading.period(params.period, start, end)

        def visible(code: str) -> bool:
            return code == NO_ARTICLE or principal.covers(code)

        def scoped(departments: dict[str, Figured]) -> dict[str, Figured]:
            return city_of(departments) if district is None else district_of(departments, district.code)

        departments = scoped(stored.departments)
        mine = [figures for code, figures in departments.items() if visible(code)]
        searches = sum(f.searches for f in mine)
        answered = sum(f.answered for f in mine)
        clicks = sum(f.clicks for f in mine)
        so_far = min(end, china_date(self._now()))  # a period still running is compared over its days so far
        previous = self._previous(params.period, start, so_far if so_far < end else None, reading, visible, scoped)
        rate = _rate(answered, searches)
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        return Report(
            period=params.period,
            district=district,
            start=start,
            end=end,
            searches=searches,
            answered=answered,
            answered_rate=rate,
            abstained=searches - answered,
            clicks=clicks,
            top_questions=self._top_questions([q for f in mine for q in f.questions], reading.facts),
            gaps=[
                Gap(
                    question=g.asked,
                    count=g.weight,
                    searches=g.unanswered,
                    unhelpful=g.unhelpful,
                    example=g.examples.most_common(1)[0][0],
                )
                for g in group_questions((q for f in departments.values() for q in f.questions), gaps=True)[:LISTED]
            ],
            articles=self._articles(mine, reading.facts, principal),
            by_category=self._by_category(mine),
            by_day=[
                DayCount(
                    date=day,
                    searches=sum(f.daily[day].searches for f in mine if day in f.daily),
                    answered=sum(f.daily[day].answered for f in mine if day in f.daily),
                )
                for day in days
            ],
            by_hour=[HourCount(hour=h, searches=sum(f.hours[h] for f in mine)) for h in range(24)],
            # the city's report shows every district's surges too: a district's outage before the city's total moves
            surges=sorted(
                (s for s in stored.surges if district is None or s.district == district.code),
                key=lambda s: (s.date, s.district or "", s.category),
            ),
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

    def _previous(
        self,
        period: Period,
        start: dt.date,
        so_far: dt.date | None,
        reading: PeriodReader,
        visible: Callable[[str], bool],
        scoped: Callable[[dict[str, DayFigures]], dict[str, DayFigures]],
    ) -> dict:
        """The period before; for one still running (`so_far`: its last day yet), the same span of it. From the
        days' headline figures, which its roll-up holds."""
        first, last = period_bounds(period, start - dt.timedelta(days=1))
        if so_far is not None:  # a month's 31st has no match in a 30-day month: its last day stands in
            last = min(last, first + (so_far - start)) if so_far >= start else first - dt.timedelta(days=1)
        if period is not Period.DAY:
            reading.span(*span_of(period, first))  # read first, so that its days come from it
        summaries = [
            figures
            for n in range((last - first).days + 1)
            for code, figures in scoped(reading.daily(first + dt.timedelta(days=n))).items()
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
                question=g.asked,
                count=g.weight,
                variants=g.variants,
                article_id=g.top,
                title=facts[g.top].title if g.top in facts else None,
            )
            for g in group_questions(entries, gaps=False)[:LISTED]
        ]

    def _articles(
        self, summaries: list[DepartmentFigures], facts: dict[str, ArticleFacts], principal: Principal
    ) -> list[ArticleActivity]:
        totals: dict[str, ArticleCounts] = {}
        for summary in summaries:
            for article_id, counts in summary.articles.items():
                totals.setdefault(article_id, ArticleCounts()).add(counts)
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

    def _by_category(self, summaries: list[DepartmentFigures]) -> list[CategoryCount]:
        totals: dict[str, CategoryCounts] = {}
        for summary in summaries:
            for category, counts in summary.categories.items():
                totals.setdefault(category, CategoryCounts()).add(counts)
        names = self.category_names()
        return sorted(
            (
                CategoryCount(category=c, name=names.get(c, c), searches=n.searches, answered=n.answered)
                for c, n in totals.items()
            ),
            key=lambda c: (-c.searches, c.category),
        )

    def reader(self) -> PeriodReader:
        """What reports and the summariser read periods with: today's, with every article's facts."""
        facts = {f.id: f for f in self._facts()}
        return PeriodReader(
            self._log, self._reports, facts, china_date(self._now()), self.category_names, self._district_names
        )

    def _district_names(self) -> dict[str, str]:
        return {d.code: d.name for d in self._knowledge.directory().districts()}

    def category_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self._knowledge.categories(Reader.AGENT)}
