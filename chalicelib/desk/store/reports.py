"""Report summaries: one item per closed Beijing-time day and department, the day's surges, a cursor.
The raw records a summary is made from (query log, clicks, 好差评, tasks) are read by `RecordStore.between`.
Summaries carry no `ttl`: a month's report reads about 30 of them per department long after the raw
query log (180 days) is gone, and one day's items are a few kilobytes.
"""

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.desk.models.reports import Surge
from chalicelib.store.table import TableStore

_DONE = "DONE"  # written last: a day with it is summarised, even a day without a single search
_CURSOR_KEY = {"pk": "REPORT", "sk": "CURSOR"}
_DEPARTMENT = "DEPT#"
_SURGE = "SURGE#"


@dataclass
class DepartmentDay:
    """One Beijing-time day's figures for one department (`-`: searches that found no article at all)."""

    searches: int = 0
    answered: int = 0
    clicks: int = 0
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    categories: dict[str, list[int]] = field(default_factory=dict)  # category -> [searches, answered]
    # [normalised question, top article or None, searches, unanswered searches, 没帮助 votes, an example as asked]
    questions: list[list[Any]] = field(default_factory=list)
    articles: dict[str, list[int]] = field(default_factory=dict)  # article id -> [views, helpful, unhelpful, flags]


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
            item["sk"].removeprefix(_DEPARTMENT): DepartmentDay(**json.loads(item["data"]))
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
                data = json.dumps(asdict(summary), ensure_ascii=False, separators=(",", ":"))
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
