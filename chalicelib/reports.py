"""Reports for editors: searches, answers, gaps, articles and surges over a Beijing-time day, week or month.

Closed days are read from the summaries the maintenance job writes (one item per day and department);
today, and any closed day not summarised yet, are worked out from the raw records. A search belongs to the
department of its top article; searches that found no article at all (`-`) and the gaps are shown to every
editor, since nobody owns them yet.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from chalicelib.access import Action, Principal
from chalicelib.clock import CHINA_TIME, china_date, utc_now
from chalicelib.models.content import Reader
from chalicelib.models.reading import ArticleListParams
from chalicelib.models.reports import (
    ArticleActivity,
    CategoryCount,
    Change,
    DayCount,
    Gap,
    HourCount,
    Period,
    PreviousPeriod,
    Report,
    ReportParams,
    Surge,
    TopQuestion,
)
from chalicelib.service import KnowledgeService
from chalicelib.store.records import RecordStore, TimedRecord
from chalicelib.store.reports import DepartmentDay, ReportStore, StoredDay
from chalicelib.textnorm import normalize

NO_ARTICLE = "-"  # the department of searches that found no article at all
SURGE_FACTOR = 3.0  # a category's searches on a day above 3x its same-weekday average is a surge ...
SURGE_MINIMUM = 20  # ... if there are at least this many: 1 against 0 is not a surge
SURGE_WEEKS = 4
BASELINE_WEEKS = 2  # of those four, how many must have been logged: one week alone is too noisy a baseline
DAYS_PER_RUN = 3  # closed days the maintenance job summarises per run, oldest first
FIRST_DAYS = 35  # how far back the very first run starts
CLOSING_DELAY = dt.timedelta(minutes=5)  # a day is summarised once searches in flight at midnight have landed
QUESTIONS_KEPT = 300  # per day and department: the long tail of one-off questions is left out of the summary
GROUPED = 1000  # the most asked questions of a period that are grouped; the rest are one-offs
SIMILAR = 75  # rapidfuzz ratio at which two wordings (with the same top article) are one question
LISTED = 20


@dataclass(frozen=True)
class ArticleFacts:
    """What reports need of an article, archived ones included: searches may still name them."""

    id: str
    title: str
    category: str
    department: str
    review_by: dt.date


@dataclass
class _Group:
    question: str
    top: str | None
    weight: int = 0
    searches: int = 0
    unanswered: int = 0
    unhelpful: int = 0
    variants: int = 0
    examples: Counter[str] = field(default_factory=Counter)


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


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A Beijing-time day as [start, end) in UTC."""
    start = dt.datetime.combine(day, dt.time(), CHINA_TIME).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def asked(masked: str) -> str:
    """A question as reports group it: normalised (width, case, traditional characters), spaces folded."""
    return " ".join(normalize(masked).split())


def group_questions(entries: Iterable[list], gaps: bool) -> list[_Group]:
    """Question entries ([text, top, searches, unanswered, 没帮助, example]) grouped into questions.

    The same normalised text is one question; wordings close by rapidfuzz are one question too when they
    share their top article (for gaps, which have no good article, closeness alone). The most frequent
    wording names the group. Heaviest first.
    """
    by_text: dict[str, _Group] = {}
    tops: dict[str, Counter[str | None]] = {}
    for text, top, searches, unanswered, unhelpful, example in entries:
        weight = unanswered + unhelpful if gaps else searches
        if not weight:
            continue
        group = by_text.setdefault(text, _Group(text, None))
        group.weight += weight
        group.searches += searches
        group.unanswered += unanswered
        group.unhelpful += unhelpful
        group.examples[example] += weight
        tops.setdefault(text, Counter())[top] += weight
    for text, group in by_text.items():
        group.top = None if gaps else tops[text].most_common(1)[0][0]
    ranked = sorted(by_text.values(), key=lambda g: (-g.weight, g.question))[:GROUPED]
    groups: list[_Group] = []
    names: dict[str | None, list[str]] = {}  # the groups' names, by top article
    members: dict[tuple[str | None, str], _Group] = {}
    for variant in ranked:
        candidates = names.setdefault(variant.top, [])
        match = process.extractOne(variant.question, candidates, scorer=fuzz.ratio, score_cutoff=SIMILAR)
        if match is None:
            variant.variants = 1
            candidates.append(variant.question)
            members[(variant.top, variant.question)] = variant
            groups.append(variant)
            continue
        group = members[(variant.top, match[0])]
        group.variants += 1
        group.weight += variant.weight
        group.searches += variant.searches
        group.unanswered += variant.unanswered
        group.unhelpful += variant.unhelpful
        group.examples.update(variant.examples)
    return sorted(groups, key=lambda g: (-g.weight, g.question))


def _change(now: float, before: float) -> float | None:
    return round((now - before) / before, 4) if before else None


def _rate(answered: int, searches: int) -> float | None:
    return round(answered / searches, 4) if searches else None


class ReportDesk:
    """Reports for editors (their departments) and admins (all), and the summaries behind them."""

    def __init__(
        self,
        reports: ReportStore,
        records: RecordStore,
        knowledge: KnowledgeService,
        facts: Callable[[], Iterable[ArticleFacts]],
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._reports = reports
        self._records = records
        self._knowledge = knowledge
        self._facts = facts
        self._now = now

    def report(self, params: ReportParams, principal: Principal) -> Report:
        principal.require(Action.VIEW_TASKS)
        start, end = period_bounds(params.period, params.date)
        reading = _Reading(self, {f.id: f for f in self._facts()})
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        stored = {day: reading.day(day) for day in days}

        def visible(code: str) -> bool:
            return code == NO_ARTICLE or principal.covers(code)

        mine = [(day, s) for day in days for code, s in stored[day].departments.items() if visible(code)]
        searches = sum(s.searches for _, s in mine)
        answered = sum(s.answered for _, s in mine)
        clicks = sum(s.clicks for _, s in mine)
        previous = self._previous(params.period, start, reading, visible)
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
        reading = _Reading(self, {f.id: f for f in self._facts()})
        for day in sorted(days):
            worked_out = reading.raw(day)
            self._reports.save_day(day, worked_out.departments, worked_out.surges)
            after_each(day)

    def move_cursor(self, day: dt.date) -> None:
        """Say every day up to `day` is summarised (after summarising them some other way: demo traffic)."""
        self._reports.move_cursor(day)

    def _previous(self, period: Period, start: dt.date, reading: "_Reading", visible: Callable[[str], bool]) -> dict:
        first, last = period_bounds(period, start - dt.timedelta(days=1))
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
            "searches": searches,
            "answered_rate": _rate(answered, searches),
            "abstained": searches - answered,
            "clicks": clicks,
        }

    def _top_questions(self, entries: list[list], facts: dict[str, ArticleFacts]) -> list[TopQuestion]:
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
        totals: dict[str, list[int]] = {}
        for summary in summaries:
            for article_id, counts in summary.articles.items():
                kept = totals.setdefault(article_id, [0, 0, 0, 0])
                for n, count in enumerate(counts):
                    kept[n] += count
        live = {a.id for a in self._knowledge.articles(ArticleListParams(), Reader.AGENT)}
        today = china_date(self._now())
        listed = [
            ArticleActivity(
                id=f.id,
                title=f.title,
                department=f.department,
                views=(counts := totals.get(f.id, [0, 0, 0, 0]))[0],
                helpful=counts[1],
                unhelpful=counts[2],
                flags=counts[3],
                overdue=f.review_by < today,
            )
            for f in facts.values()
            if principal.covers(f.department) and (f.id in live or f.id in totals)
        ]
        return sorted(listed, key=lambda a: (-a.views, -a.unhelpful, -a.flags, a.id))

    def _by_category(self, summaries: list[DepartmentDay]) -> list[CategoryCount]:
        totals: dict[str, list[int]] = {}
        for summary in summaries:
            for category, (searches, answered) in summary.categories.items():
                kept = totals.setdefault(category, [0, 0])
                kept[0] += searches
                kept[1] += answered
        names = self.category_names()
        return sorted(
            (CategoryCount(category=c, name=names.get(c, c), searches=s, answered=a) for c, (s, a) in totals.items()),
            key=lambda c: (-c.searches, c.category),
        )

    def category_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self._knowledge.categories(Reader.AGENT)}


class _Reading:
    """The days one report (or one maintenance run) reads, each read or worked out once."""

    def __init__(self, desk: ReportDesk, facts: dict[str, ArticleFacts]) -> None:
        self.desk = desk
        self.facts = facts
        self._days: dict[dt.date, StoredDay] = {}
        self._departments: dict[dt.date, dict[str, DepartmentDay]] = {}
        self._votes: dict[dt.date, list[tuple[str, TimedRecord]]] = {}
        self._names: dict[str, str] | None = None
        self._today = china_date(desk._now())
        self._cursor = desk._reports.cursor()

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
                self._departments[day] = _from_records(self.desk._records, day, self.facts, self.votes(day))
            else:
                self._departments[day] = {}
        return self._departments[day]

    def votes(self, day: dt.date) -> list[tuple[str, TimedRecord]]:
        """A day's 好差评, by article. 好差评 are kept per article, so the votes of every day from this one to today
        are read at once (one query per article): the days worked out from raw records run up to today."""
        if day not in self._votes:
            # up to today, or up to the days already read (a surge's baseline is read after its day)
            later = [known for known in self._votes if known > day]
            last = min(later) - dt.timedelta(days=1) if later else max(day, self._today)
            span = [day + dt.timedelta(days=n) for n in range((last - day).days + 1)]
            for each in span:
                self._votes[each] = []
            start, end = day_bounds(day)[0], day_bounds(last)[1]
            for article_id in self.facts:
                for vote in self.desk._records.between(f"FEEDBACK#{article_id}", start, end):
                    self._votes.setdefault(china_date(vote.at), []).append((article_id, vote))
        return self._votes[day]

    def _stored(self, day: dt.date) -> StoredDay | None:
        return None if day >= self._today else self.desk._reports.day(day)

    def _raw_allowed(self, day: dt.date) -> bool:
        """Whether a day without a summary is worked out from the raw log: today, and closed days the job has not
        reached yet. A day before the job's first day has no log worth reading: it counts as empty."""
        if day > self._today:
            return False
        return day > (self._cursor or self._today - dt.timedelta(days=FIRST_DAYS + 1))

    def raw(self, day: dt.date) -> StoredDay:
        """A day worked out from the raw records, its surges against the four same weekdays before it."""
        departments = self._departments[day] = _from_records(self.desk._records, day, self.facts, self.votes(day))
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
            self._names = self.desk.category_names()
        surges = []
        for category, searches in sorted(heavy.items()):
            baseline = sum(week.get(category, 0) for week in weeks) / len(weeks)
            if searches <= SURGE_FACTOR * baseline:
                continue
            entries = [
                q
                for s in departments.values()
                for q in s.questions
                if q[1] in self.facts and self.facts[q[1]].category == category
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
        for category, (searches, _) in summary.categories.items():
            counts[category] += searches
    return dict(counts)


def _from_records(
    store: RecordStore, day: dt.date, facts: dict[str, ArticleFacts], votes: list[tuple[str, TimedRecord]]
) -> dict[str, DepartmentDay]:
    """One day's figures per department, from the query log, clicks, 好差评 and flags."""
    start, end = day_bounds(day)
    departments: dict[str, DepartmentDay] = {}
    questions: dict[str, dict[tuple[str, str | None], list]] = {}

    def department(article_id: str | None) -> str:
        known = facts.get(article_id or "")
        return known.department if known else NO_ARTICLE

    def of(article_id: str | None) -> DepartmentDay:
        return departments.setdefault(department(article_id), DepartmentDay())

    def question(article_id: str | None, text: str) -> list:
        code = department(article_id)
        key = (asked(text), article_id)
        return questions.setdefault(code, {}).setdefault(key, [key[0], article_id, 0, 0, 0, text])

    for logged in store.between(f"QUERYLOG#{day.isoformat()}", start, end):
        top, answered = logged.record.get("top"), bool(logged.record.get("answered"))
        summary = of(top)
        summary.searches += 1
        summary.answered += answered
        summary.hours[logged.at.astimezone(CHINA_TIME).hour] += 1
        if (known := facts.get(top or "")) is not None:
            counts = summary.categories.setdefault(known.category, [0, 0])
            counts[0] += 1
            counts[1] += answered
        entry = question(top, logged.record.get("query") or "")
        entry[2] += 1
        entry[3] += not answered
    for click in store.between(f"CLICKS#{day.isoformat()}", start, end):
        article_id = click.record.get("article_id")
        summary = of(article_id)
        summary.clicks += 1
        summary.articles.setdefault(article_id or "", [0, 0, 0, 0])[0] += 1
    for article_id, vote in votes:
        counts = of(article_id).articles.setdefault(article_id, [0, 0, 0, 0])
        counts[1 if vote.record.get("helpful") else 2] += 1
        if not vote.record.get("helpful") and vote.record.get("query"):
            question(article_id, vote.record["query"])[4] += 1
    for task in store.between("TASKS", start, end):
        article_id = task.record.get("article_id")
        code = task.record.get("department") or NO_ARTICLE
        departments.setdefault(code, DepartmentDay()).articles.setdefault(article_id or "", [0, 0, 0, 0])[3] += 1
    for code, entries in questions.items():
        ranked = sorted(entries.values(), key=lambda e: -(e[2] + e[4]))
        departments[code].questions = [[*e[:2], int(e[2]), int(e[3]), int(e[4]), e[5]] for e in ranked[:QUESTIONS_KEPT]]
    return departments
