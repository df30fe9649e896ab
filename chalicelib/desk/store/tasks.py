"""The tasks agents' flags raise, on the table.

Every task is a record under `TASKS` (sorted by time: one query lists them all, for the editors and reports). An
open task is also kept under its article, `OPENTASK#<article>`, one entry per problem (its words compared without
width, case, script, spaces or punctuation, as a digest), so a repeat of the same problem, or a publish of the
article, finds it with one read instead of reading every task. Each
flag is also kept under its person, `FLAGGED#<principal>`, with the task it was counted on, so an agent's own list
is one query. The key layouts live here alone; records go through the generic `RecordStore`.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.search.textnorm import normalize
from chalicelib.store.records import RecordStore

_TASKS = "TASKS"  # flags are few (a handful a day): one partition holds them all and a listing is one query
_KEYED = "open-tasks-keyed"  # the mark that says every open task has its key under its article


@dataclass(frozen=True)
class FlagTask:
    """Work an agent's flag raised for the editors of the article's department."""

    article_id: str
    article_title: str
    department: str
    comment: str
    flagged_by: str
    created_at: dt.datetime
    status: str = "open"
    closed_by: str | None = None
    closed_at: dt.datetime | None = None
    id: str = ""
    repeats: int = 0  # further flags of the same problem while it was open
    flagged_by_id: str | None = None  # the first flagger's principal id (tasks raised before it was kept: None)
    fixed_version: int | None = None  # the published version that closed it, if a publish did
    district: str | None = None  # the district (code) the flagged answer was shown for; older tasks have none


@dataclass(frozen=True)
class Flag:
    """One flag as its person made it, and the task it was counted on as that task is now (None: gone)."""

    article_id: str
    article_title: str
    comment: str
    at: dt.datetime
    task: FlagTask | None
    district: str | None = None  # the district (code) whose answer was flagged; older flags have none


class TaskStore:
    """Tasks, the open ones by article and problem, and each person's flags."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records
        self._keyed = False  # this container has made sure tasks from before the keys have theirs

    def all(self) -> list[FlagTask]:
        return [_task(record) for record in self._records.all(_TASKS)]

    def between(self, start: dt.datetime, end: dt.datetime) -> list[FlagTask]:
        return [_task(r.record) for r in self._records.between(_TASKS, start, end)]

    def add_many(self, tasks: list[FlagTask]) -> None:
        """Many open tasks at once, in batches, each keyed: seeding a table (kb demo-traffic)."""
        self._records.add_many(_TASKS, [(t.created_at, _task_record(t)) for t in tasks], None)
        for task in self.all():
            if task.status == "open":
                self._key(task)

    def open_task(self, article_id: str, comment: str) -> FlagTask | None:
        """The open task of an article for the problem a comment names, if there is one: one read of its key,
        one of the task."""
        self._ensure_keyed()
        kept = self._records.kept(_open(article_id), _problem(comment))
        task = self._kept_task(kept) if kept else None
        return task if task is not None and task.status == "open" else None

    def open_tasks(self, article_id: str) -> list[FlagTask]:
        """Every open task of an article: one query of its keys, then each task read."""
        self._ensure_keyed()
        found = (self._kept_task(kept) for kept in self._records.kept_in(_open(article_id)).values())
        return [task for task in found if task is not None and task.status == "open"]

    def add(self, task: FlagTask) -> FlagTask:
        """A new open task, keyed under its article by its problem (over any key a closed task left)."""
        added = replace(task, id=self._records.add(_TASKS, _task_record(task), task.created_at))
        self._key(added)
        return added

    def repeat(self, task: FlagTask) -> None:
        """The same problem flagged again while its task is open: counted on it."""
        self._records.set(_TASKS, task.created_at, task.id, {"repeats": task.repeats + 1})

    def close(self, task: FlagTask, by: str, at: dt.datetime, version: int | None = None) -> FlagTask:
        """Done, by a person or by the publish of `version`; its key goes, so the next flag opens a new task."""
        changes: dict[str, Any] = {"status": "done", "closed_by": by, "closed_at": at.isoformat()}
        if version is not None:
            changes["fixed_version"] = version
        self._records.set(_TASKS, task.created_at, task.id, changes)
        self._records.forget(_open(task.article_id), _problem(task.comment), only_if=("id", task.id))
        return replace(task, status="done", closed_by=by, closed_at=at, fixed_version=version)

    def note_flag(
        self, principal: str, task: FlagTask, comment: str, at: dt.datetime, district: str | None = None
    ) -> None:
        """A person's flag, with the task it was counted on (theirs or one already open) and the district whose answer
        they flagged (a repeat's may differ from the task's), for their own list."""
        record = {"task_id": task.id, "task_at": task.created_at.isoformat(), "comment": comment, "at": at.isoformat()}
        if district:
            record["district"] = district
        self._records.add(
            _flagged(principal), {**record, "article_id": task.article_id, "title": task.article_title}, at
        )

    def flags_of(self, principal: str, limit: int) -> list[Flag]:
        """A person's latest flags, newest first, each with its task as it is now."""
        flags = []
        for record in self._records.newest(_flagged(principal), limit):
            task = self._records.get(_TASKS, dt.datetime.fromisoformat(record["task_at"]), record["task_id"])
            flags.append(
                Flag(
                    article_id=record["article_id"],
                    article_title=record.get("title") or "",
                    comment=record.get("comment") or "",
                    at=dt.datetime.fromisoformat(record["at"]),
                    task=_task(task) if task else None,
                    district=record.get("district") or None,
                )
            )
        return flags

    def _key(self, task: FlagTask) -> None:
        kept = {"id": task.id, "at": task.created_at.isoformat()}
        self._records.keep(_open(task.article_id), _problem(task.comment), kept)

    def _kept_task(self, kept: dict[str, Any]) -> FlagTask | None:
        """The task a key names; a key can outlive its task's closing by a moment (it is dropped after it)."""
        record = self._records.get(_TASKS, dt.datetime.fromisoformat(kept["at"]), kept["id"])
        return _task(record) if record else None

    def _ensure_keyed(self) -> None:
        """Tasks opened before open tasks were keyed get their keys, once per table (checked once per container)."""
        if self._keyed:
            return
        if self._records.mark(_KEYED) is None:
            for task in self.all():
                if task.status == "open":
                    self._key(task)
            self._records.mark_once(_KEYED, "yes")
        self._keyed = True


def _problem(comment: str) -> str:
    """What a flag says, compared without width, case, script, spaces or punctuation, as a key of bounded length
    (a comment may be 1,000 characters)."""
    words = "".join(ch for ch in normalize(comment) if ch.isalnum())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:32]


def _open(article_id: str) -> str:
    return f"OPENTASK#{article_id}"


def _flagged(principal: str) -> str:
    return f"FLAGGED#{principal}"


def _task_record(task: FlagTask) -> dict[str, Any]:
    """A new task's attributes (it is open: nothing closed it yet); times as ISO text, no empty fields."""
    left_out = ("closed_by", "closed_at", "id", "fixed_version")
    values = {name: getattr(task, name) for name in task.__dataclass_fields__ if name not in left_out}
    return {n: v.isoformat() if isinstance(v, dt.datetime) else v for n, v in values.items() if v is not None}


def _task(record: dict[str, Any]) -> FlagTask:
    closed_at = record.get("closed_at")
    fixed = record.get("fixed_version")
    return FlagTask(
        article_id=record.get("article_id") or "",
        article_title=record.get("article_title") or "",
        department=record.get("department") or "",
        comment=record.get("comment") or "",
        flagged_by=record.get("flagged_by") or "",
        created_at=dt.datetime.fromisoformat(record["created_at"]),  # every task has had it from the start
        status=record.get("status") or "open",
        closed_by=record.get("closed_by"),
        closed_at=dt.datetime.fromisoformat(closed_at) if closed_at else None,
        id=record.get("id") or "",
        repeats=int(record.get("repeats") or 0),
        flagged_by_id=record.get("flagged_by_id"),
        fixed_version=int(fixed) if fixed is not None else None,
        district=record.get("district") or None,
    )
