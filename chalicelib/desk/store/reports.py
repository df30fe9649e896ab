"""Report summaries: one item per closed Beijing-time day and department, the day's surges, a cursor.
The raw records a summary is made from (query log, clicks, 好差评, tasks) are read through `desk/store/log.DeskLog`.
Summaries carry no `ttl`: a month's report reads about 30 of them per department long after the raw
query log (180 days) is gone, and one day's items are a few kilobytes.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.desk.models.reports import Surge
from chalicelib.store.table import TableStore

_DONE = "DONE"  # written last: a day with it is summarised, even a day without a single search
_CURSOR_KEY = {"pk": "REPORT", "sk": "CURSOR"}
_DEPARTMENT = "DEPT#"
_SURGE = "SURGE#"


@dataclass
class QuestionCount:
    """One wording asked on a day, with its top article: its searches, those unanswered, its 没帮助 votes."""

    question: str  # normalised (desk/questions.asked)
    top: str | None
    searches: int = 0
    unanswered: int = 0
    unhelpful: int = 0
    example: str = ""  # as it was asked (masked)


@dataclass
class ArticleCounts:
    views: int = 0
    helpful: int = 0
    unhelpful: int = 0
    flags: int = 0


@dataclass
class CategoryCounts:
    searches: int = 0
    answered: int = 0


@dataclass
class DepartmentDay:
    """One Beijing-time day's figures for one department (`-`: searches that found no article at all)."""

    searches: int = 0
    answered: int = 0
    clicks: int = 0
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    categories: dict[str, CategoryCounts] = field(default_factory=dict)
    questions: list[QuestionCount] = field(default_factory=list)  # the most asked QUESTIONS_KEPT, heaviest first
    articles: dict[str, ArticleCounts] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredDay:
    departments: dict[str, DepartmentDay]
    surges: list[Surge]


class ReportStore(TableStore):
    """Summaries under `REPORT#<date>`: `DEPT#<code>` per department, `SURGE#<category>`, and `DONE`."""

    def day(self, day: dt.date) -> StoredDay | None:
        """A summarised day (one query), or None if it has not been summarised yet."""
        items = list(self._query(Key("pk").eq(_partition(day))))
        if not any(item["sk"] == _DONE for item in items):
            return None
        departments = {
            item["sk"].removeprefix(_DEPARTMENT): _department_day(json.loads(item["data"]))
            for item in items
            if item["sk"].startswith(_DEPARTMENT)
        }
        surges = [Surge.model_validate_json(item["data"]) for item in items if item["sk"].startswith(_SURGE)]
        return StoredDay(departments, surges)

    def save_day(self, day: dt.date, departments: dict[str, DepartmentDay], surges: list[Surge]) -> None:
        """Write a day's summary; written again, it replaces the same items (the marker comes last)."""
        pk = _partition(day)
        with self._table.batch_writer() as batch:
            for code, summary in departments.items():
                data = json.dumps(_summary_data(summary), ensure_ascii=False, separators=(",", ":"))
                batch.put_item(Item={"pk": pk, "sk": f"{_DEPARTMENT}{code}", "data": data})
            for surge in surges:
                batch.put_item(Item={"pk": pk, "sk": f"{_SURGE}{surge.category}", "data": surge.model_dump_json()})
        self._put({"pk": pk, "sk": _DONE, "at": dt.datetime.now(dt.UTC).isoformat()})

    def cursor(self) -> dt.date | None:
        """The last day the maintenance job summarised."""
        item = self._get(_CURSOR_KEY, consistent=True)
        return dt.date.fromisoformat(item["day"]) if item else None

    def move_cursor(self, day: dt.date) -> None:
        self._put({**_CURSOR_KEY, "day": day.isoformat()})


def _partition(day: dt.date) -> str:
    return f"REPORT#{day.isoformat()}"


# A summary is stored compactly, its counts as lists: categories [searches, answered], articles [views, helpful,
# unhelpful, flags], questions [question, top, searches, unanswered, unhelpful, example].


def _summary_data(summary: DepartmentDay) -> dict[str, Any]:
    return {
        "searches": summary.searches,
        "answered": summary.answered,
        "clicks": summary.clicks,
        "hours": summary.hours,
        "categories": {c: [n.searches, n.answered] for c, n in summary.categories.items()},
        "questions": [[q.question, q.top, q.searches, q.unanswered, q.unhelpful, q.example] for q in summary.questions],
        "articles": {a: [n.views, n.helpful, n.unhelpful, n.flags] for a, n in summary.articles.items()},
    }


def _department_day(data: dict[str, Any]) -> DepartmentDay:
    return DepartmentDay(
        searches=data["searches"],
        answered=data["answered"],
        clicks=data["clicks"],
        hours=data["hours"],
        categories={c: CategoryCounts(*counts) for c, counts in data["categories"].items()},
        questions=[QuestionCount(*entry) for entry in data["questions"]],
        articles={a: ArticleCounts(*counts) for a, counts in data["articles"].items()},
    )
