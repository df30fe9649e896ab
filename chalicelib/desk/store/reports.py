"""Report summaries, so that a report reads a bounded number of items whatever the traffic:

- a closed Beijing-time day under `REPORT#<date>`: `DEPT#<code>` per department, `SURGE#<category>`, `DONE`;
- a week and a month rolled up from their closed days, under `REPORT#W#<monday>` and `REPORT#M#<yyyy-mm>`:
  `DEPT#<code>` (with each day's headline figures), `SURGE#<date>#<category>`, and `DAYS` (the days inside);
- beside a department's figures, its figures of one district's callers as `DEPT#<code>@<district>`, and a district's
  surges as `SURGE#…<category>@<district>` (issue 27; a summary written before has none, and reads the same);
- the hours of a day not summarised yet (today) under `REPORT#H#<date>`: `HOUR#<hh>` (every department's figures in
  one item; an hour too large for one is written as `DEPT#<hh>#<code>`, as every hour was before) and `DONE#<hh>`
  for a closed hour, `RUNNING` for the hour running so far (one item);
- the maintenance job's cursor (`REPORT` / `CURSOR`).

The raw records a summary is made from (query log, clicks, 好差评, tasks) are read through `desk/store/log.DeskLog`.
Summaries carry no `ttl`: a month's report reads them long after the raw query log (180 days) is gone.
"""

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.desk.models.reports import Surge
from chalicelib.store.table import TableStore

_DONE = "DONE"  # written last: a day (or hour) with it is summarised, even one without a single search
_DAYS = "DAYS"
_RUNNING = "RUNNING"
_CURSOR_KEY = {"pk": "REPORT", "sk": "CURSOR"}
_DEPARTMENT = "DEPT#"
_HOUR = "HOUR"  # a closed hour's departments in one item
_ONE_ITEM_BYTES = 300_000  # DynamoDB's item limit is 400 KB: larger hours are kept a department to an item
_SURGE = "SURGE#"


class SpanKind(StrEnum):
    WEEK = "W"
    MONTH = "M"


@dataclass
class QuestionCount:
    """One wording asked on a day, with its top article: its searches, those unanswered, its 没帮助 votes."""

    question: str  # normalised (desk/questions.asked)
    top: str | None
    searches: int = 0
    unanswered: int = 0
    unhelpful: int = 0
    example: str = ""  # as it was asked (masked)


class _Counts:
    """Counts that add up field by field."""

    def add(self, other: "_Counts") -> None:
        for name in (f.name for f in fields(self)):  # type: ignore[arg-type]
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ArticleCounts(_Counts):
    views: int = 0
    helpful: int = 0
    unhelpful: int = 0
    flags: int = 0


@dataclass
class CategoryCounts(_Counts):
    searches: int = 0
    answered: int = 0


@dataclass
class DayFigures:
    """A day's headline figures inside a longer span: what by-day charts, like-for-like comparisons and surge
    baselines need without the day's own summary."""

    searches: int = 0
    answered: int = 0
    clicks: int = 0
    categories: dict[str, int] = field(default_factory=dict)  # searches per category


@dataclass
class DepartmentFigures:
    """One department's figures over a span of time (`-`: searches that found no article at all)."""

    searches: int = 0
    answered: int = 0
    clicks: int = 0
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    categories: dict[str, CategoryCounts] = field(default_factory=dict)
    questions: list[QuestionCount] = field(default_factory=list)  # the most asked, heaviest first
    articles: dict[str, ArticleCounts] = field(default_factory=dict)
    daily: dict[dt.date, DayFigures] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredSpan:
    """Figures per department over some days, with the surges found on them."""

    departments: dict[str, DepartmentFigures]
    surges: list[Surge]
    days: frozenset[dt.date] = frozenset()


class ReportStore(TableStore):
    """Day summaries, week and month roll-ups, today's hours, and the maintenance job's cursor."""

    def day(self, day: dt.date) -> StoredSpan | None:
        """A summarised day (one query), or None if it has not been summarised yet."""
        items = list(self._query(Key("pk").eq(_day_partition(day))))
        if not any(item["sk"] == _DONE for item in items):
            return None
        departments = {
            item["sk"].removeprefix(_DEPARTMENT): _figures(json.loads(item["data"]), day)
            for item in items
            if item["sk"].startswith(_DEPARTMENT)
        }
        surges = [Surge.model_validate_json(item["data"]) for item in items if item["sk"].startswith(_SURGE)]
        return StoredSpan(departments, surges, frozenset({day}))

    def save_day(self, day: dt.date, summary: StoredSpan) -> None:
        """Write a day's summary; written again, it replaces the same items (the marker comes last)."""
        pk = _day_partition(day)
        with self._table.batch_writer() as batch:
            for code, figures in summary.departments.items():
                batch.put_item(Item={"pk": pk, "sk": f"{_DEPARTMENT}{code}", "data": _data(figures, daily=False)})
            for surge in summary.surges:
                batch.put_item(Item={"pk": pk, "sk": _surge_key(surge, dated=False), "data": surge.model_dump_json()})
        self._put({"pk": pk, "sk": _DONE, "at": dt.datetime.now(dt.UTC).isoformat()})

    def span(self, kind: SpanKind, start: dt.date) -> StoredSpan:
        """A week or month rolled up (one query, a page per megabyte): empty when no day of it is yet."""
        items = list(self._query(Key("pk").eq(_span_partition(kind, start))))
        days: list[str] = next((item["days"] for item in items if item["sk"] == _DAYS), [])
        departments = {
            item["sk"].removeprefix(_DEPARTMENT): _figures(json.loads(item["data"]))
            for item in items
            if item["sk"].startswith(_DEPARTMENT)
        }
        surges = [Surge.model_validate_json(item["data"]) for item in items if item["sk"].startswith(_SURGE)]
        return StoredSpan(departments, surges, frozenset(dt.date.fromisoformat(day) for day in days))

    def save_span(self, kind: SpanKind, start: dt.date, summary: StoredSpan, before: StoredSpan) -> None:
        """Replace a roll-up (`before`: what it held): its figures and surges, then the list of its days, then
        whatever of `before` it no longer has. Rebuilt from day summaries, a roll-up written twice is the same."""
        pk = _span_partition(kind, start)
        surges = {_surge_key(s, dated=True): s for s in summary.surges}
        with self._table.batch_writer() as batch:
            for code, figures in summary.departments.items():
                batch.put_item(Item={"pk": pk, "sk": f"{_DEPARTMENT}{code}", "data": _data(figures, daily=True)})
            for sk, surge in surges.items():
                batch.put_item(Item={"pk": pk, "sk": sk, "data": surge.model_dump_json()})
        self._put({"pk": pk, "sk": _DAYS, "days": sorted(day.isoformat() for day in summary.days)})
        gone = [f"{_DEPARTMENT}{code}" for code in before.departments.keys() - summary.departments.keys()]
        gone += [_surge_key(s, dated=True) for s in before.surges]
        with self._table.batch_writer() as batch:
            for sk in set(gone) - surges.keys():
                batch.delete_item(Key={"pk": pk, "sk": sk})

    def hours(self, day: dt.date) -> "DayHours":
        """A day's summarised hours (one query): figures per closed hour and department, and the hour running."""
        closed: dict[int, dict[str, DepartmentFigures]] = {}
        done: set[int] = set()
        running: RunningHour | None = None
        for item in self._query(Key("pk").eq(_hours_partition(day))):
            kind, hour, code = (item["sk"].split("#", 2) + ["", ""])[:3]
            if kind == _DONE:
                done.add(int(hour))
            elif kind == _HOUR:
                every = json.loads(item["data"])
                closed.setdefault(int(hour), {}).update({unit: _figures(entry, day) for unit, entry in every.items()})
            elif kind == _RUNNING:
                data = json.loads(item["data"])
                figures = {code: _figures(entry, day) for code, entry in data["departments"].items()}
                running = RunningHour(data["hour"], dt.datetime.fromisoformat(data["until"]), figures)
            else:
                closed.setdefault(int(hour), {})[code] = _figures(json.loads(item["data"]), day)
        return DayHours({hour: closed.get(hour, {}) for hour in done}, running)

    def save_running_hour(self, day: dt.date, running: "RunningHour", ttl: int) -> None:
        """The hour running so far, all departments in one item (one write: a reader never sees half of it)."""
        data = {
            "hour": running.hour,
            "until": running.until.isoformat(),
            "departments": {code: _stored(f, daily=False) for code, f in running.departments.items()},
        }
        item = {"pk": _hours_partition(day), "sk": _RUNNING, "ttl": ttl}
        self._put({**item, "data": _json(data)})

    def hours_done(self, day: dt.date) -> set[int]:
        """The hours of a day summarised so far (one query on their markers alone)."""
        condition = Key("pk").eq(_hours_partition(day)) & Key("sk").begins_with(f"{_DONE}#")
        return {int(item["sk"].removeprefix(f"{_DONE}#")) for item in self._query(condition)}

    def save_hour(self, day: dt.date, hour: int, departments: dict[str, DepartmentFigures], ttl: int) -> None:
        """Write one closed hour of a day; kept a few days (`ttl`): the day's own summary replaces them. All its
        departments (and their districts') in one item, as the hour running: today's report reads a day's hours in a
        few dozen items, not one per department and district (3,740 at 20,000 searches a day); an hour too large
        for one item is kept a department to an item."""
        pk = _hours_partition(day)
        whole = _json({code: _stored(figures, daily=False) for code, figures in departments.items()})
        if len(whole.encode()) <= _ONE_ITEM_BYTES:
            self._put({"pk": pk, "sk": f"{_HOUR}#{hour:02d}", "data": whole, "ttl": ttl})
        else:
            with self._table.batch_writer() as batch:
                for code, figures in departments.items():
                    data = _data(figures, daily=False)
                    batch.put_item(Item={"pk": pk, "sk": f"{_DEPARTMENT}{hour:02d}#{code}", "data": data, "ttl": ttl})
        self._put({"pk": pk, "sk": f"{_DONE}#{hour:02d}", "ttl": ttl})

    def cursor(self) -> "Cursor":
        """How far the maintenance job has summarised, and which days its roll-ups hold (one read)."""
        item = self._get(_CURSOR_KEY, consistent=True) or {}
        day, since = item.get("day"), item.get("rolled_up_since")
        return Cursor(
            dt.date.fromisoformat(day) if day else None,
            dt.date.fromisoformat(since) if since else None,
            bool(item.get("nothing_before")),
        )

    def move_cursor(self, day: dt.date) -> None:
        self._update("SET #day = :day", {":day": day.isoformat()}, {"#day": "day"})

    def roll_ups_start(self, day: dt.date) -> None:
        """Note the first day the job rolls up, unless an earlier one is noted."""
        self._update("SET rolled_up_since = if_not_exists(rolled_up_since, :day)", {":day": day.isoformat()})

    def rolled_up_earlier(self, day: dt.date) -> None:
        """Note that an earlier day (summarised by a release without roll-ups) is rolled up now too."""
        self._update("SET rolled_up_since = :day", {":day": day.isoformat()})

    def nothing_before_roll_ups(self) -> None:
        """Note that no day before the first one rolled up has a summary: reports read none of them."""
        self._update("SET nothing_before = :yes", {":yes": True})

    def _update(self, expression: str, values: dict[str, Any], names: dict[str, str] | None = None) -> None:
        options = {"ExpressionAttributeNames": names} if names else {}
        self._table.update_item(
            Key=_CURSOR_KEY, UpdateExpression=expression, ExpressionAttributeValues=values, **options
        )


@dataclass(frozen=True)
class RunningHour:
    """The hour running, summarised up to `until` (its questions cut shorter, to fit one item)."""

    hour: int
    until: dt.datetime
    departments: dict[str, DepartmentFigures]


@dataclass(frozen=True)
class DayHours:
    closed: dict[int, dict[str, DepartmentFigures]]
    running: RunningHour | None


@dataclass(frozen=True)
class Cursor:
    day: dt.date | None  # the last day the maintenance job summarised
    rolled_up_since: dt.date | None  # every day from this one to `day` is in its week's and month's roll-up
    nothing_before: bool  # and no day before it has a summary: the job's first day, or all rolled up since

    def accounted_for(self, day: dt.date) -> bool:
        """Whether whatever a closed day had is in its roll-ups: summarised into them, or before the job began."""
        if self.day is None or self.rolled_up_since is None or day > self.day:
            return False
        return day >= self.rolled_up_since or self.nothing_before


def _day_partition(day: dt.date) -> str:
    return f"REPORT#{day.isoformat()}"


def _span_partition(kind: SpanKind, start: dt.date) -> str:
    return f"REPORT#{kind.value}#{start.isoformat()[:7] if kind is SpanKind.MONTH else start.isoformat()}"


def _hours_partition(day: dt.date) -> str:
    return f"REPORT#H#{day.isoformat()}"


def _surge_key(surge: Surge, dated: bool) -> str:
    """A day's surge by its category (in a roll-up, its date first too); a district's, with the district after."""
    key = f"{_SURGE}{surge.date.isoformat()}#{surge.category}" if dated else f"{_SURGE}{surge.category}"
    return f"{key}@{surge.district}" if surge.district else key


# A summary is stored compactly, its counts as lists: categories [searches, answered], articles [views, helpful,
# unhelpful, flags], questions [question, top, searches, unanswered, unhelpful, example], days [searches,
# answered, clicks, {category: searches}].


def _data(figures: DepartmentFigures, daily: bool) -> str:
    return _json(_stored(figures, daily))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _stored(figures: DepartmentFigures, daily: bool) -> dict[str, Any]:
    """Figures as stored (`_figures` reads them back)."""
    data: dict[str, Any] = {
        "searches": figures.searches,
        "answered": figures.answered,
        "clicks": figures.clicks,
        "hours": figures.hours,
        "categories": {c: [n.searches, n.answered] for c, n in figures.categories.items()},
        "questions": [[q.question, q.top, q.searches, q.unanswered, q.unhelpful, q.example] for q in figures.questions],
        "articles": {a: [n.views, n.helpful, n.unhelpful, n.flags] for a, n in figures.articles.items()},
    }
    if daily:
        days = sorted(figures.daily.items())
        data["daily"] = {day.isoformat(): [d.searches, d.answered, d.clicks, d.categories] for day, d in days}
    return data


def _figures(data: dict[str, Any], day: dt.date | None = None) -> DepartmentFigures:
    """Figures as stored; a day's (or an hour's) own figures are its one entry of `daily`."""
    figures = DepartmentFigures(
        searches=data["searches"],
        answered=data["answered"],
        clicks=data["clicks"],
        hours=data["hours"],
        categories={c: CategoryCounts(*counts) for c, counts in data["categories"].items()},
        questions=[QuestionCount(*entry) for entry in data["questions"]],
        articles={a: ArticleCounts(*counts) for a, counts in data["articles"].items()},
    )
    if day is not None:
        categories = {c: n.searches for c, n in figures.categories.items()}
        figures.daily = {day: DayFigures(figures.searches, figures.answered, figures.clicks, categories)}
    else:
        figures.daily = {dt.date.fromisoformat(d): DayFigures(*entry) for d, entry in data.get("daily", {}).items()}
    return figures
