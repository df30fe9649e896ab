"""The admin audit log: every change that is not an article's (the directory, keys, claim mappings, the lexicon,
syncs) as one entry saying when, who, to what, and what changed. Articles keep their own audit trail."""

import datetime as dt
import secrets
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from chalicelib.clock import utc_now
from chalicelib.paging import Page, PageParams
from chalicelib.people.access import Action, Principal

SUMMARY_MAX_CHARS = 1000  # a summary says which fields changed and how, not the whole record
ACTOR_PATTERN = r"^\S{1,220}$"


class ChangeKind(StrEnum):
    """What the log is filtered by: the pages' 目录, 密钥, 登录映射, 同步导入."""

    DIRECTORY = "directory"
    KEY = "key"
    MAPPING = "mapping"
    SYNC = "sync"


_KIND_OF_SUBJECT = {
    "department": ChangeKind.DIRECTORY,
    "directory": ChangeKind.DIRECTORY,  # the departments a sync wrote from the folder's file
    "key": ChangeKind.KEY,
    "mapping": ChangeKind.MAPPING,
}


class Change(BaseModel):
    """One entry of the admin audit log."""

    id: str = Field(description="when it happened and a random suffix: entries sort by it; a page's `next`")
    at: dt.datetime
    actor: str = Field(description="the person's stable identity (tool:… for a command-line tool)")
    actor_name: str
    subject: str = Field(description="what changed, as kind:id, e.g. department:heating-company")
    subject_name: str | None = Field(
        default=None, description="what it was called then: a department's name, a key's holder (older entries: none)"
    )
    action: str = Field(description="add, change, propose, approve, reject, withdraw, retire, sync, …")
    summary: str = Field(description="the changed fields in Chinese, 字段：before → after (older entries: English)")


class ChangeParams(PageParams):
    """GET /api/changes: a page, of one kind of change or one person's if asked."""

    kind: ChangeKind | None = Field(default=None, description="directory, key, mapping or sync (syncs and imports)")
    actor: str | None = Field(default=None, pattern=ACTOR_PATTERN, description="one person's entries: their `actor`")


def kinds_of(change: Change) -> list[ChangeKind]:
    """The kinds an entry is listed under: its subject's, and sync for what a sync or an import wrote."""
    kind = _KIND_OF_SUBJECT.get(change.subject.split(":", 1)[0])
    return ([kind] if kind else []) + ([ChangeKind.SYNC] if change.action in ("sync", "import") else [])


class ChangeEntries(Protocol):
    """Where entries are kept (people/store/changes.ChangeStore)."""

    def add(self, change: Change) -> None: ...

    def page(
        self, limit: int, after: str | None, kind: ChangeKind | None = None, actor: str | None = None
    ) -> Page[Change]: ...


def change_of(
    actor: Principal, subject: str, action: str, summary: str, at: dt.datetime, subject_name: str | None = None
) -> Change:
    """An entry, not yet written: for a store that writes it in one transaction with the change it records."""
    moment = at.astimezone(dt.UTC)
    short = summary if len(summary) <= SUMMARY_MAX_CHARS else summary[: SUMMARY_MAX_CHARS - 1] + "…"
    return Change(
        id=f"{moment.isoformat(timespec='microseconds')}#{secrets.token_hex(4)}",
        at=moment,
        actor=actor.identity,
        actor_name=actor.name,
        subject=subject,
        subject_name=subject_name,
        action=action,
        summary=short,
    )


class ChangeLog:
    """Records non-article changes and lets admins read them, newest first."""

    def __init__(self, entries: ChangeEntries, now: Callable[[], dt.datetime] = utc_now) -> None:
        self._entries = entries
        self._now = now

    def record(
        self, actor: Principal, subject: str, action: str, summary: str, subject_name: str | None = None
    ) -> Change:
        """Write one entry now and return it. The one call for any non-article change, for example:

            changes.record(caller, "key:3f2a9c1d", "revoke", "持有人 张三（编辑，供热企业）", subject_name="张三")
            changes.record(caller, "mapping:claims", "change", "规则：3 条 → 4 条；新增：groups=editors → 编辑（…）")

        `subject` is `kind:id`, `subject_name` what a person calls it; `action` a short verb in English (the pages
        word it); `summary` in Chinese, in the pages' words, the changed fields as `字段：before → after`, never a
        secret (no key, no token). Call it after the change is written; a store that writes its change in one
        transaction writes `entry(...)` with it instead, so a change never lands without its entry.
        """
        change = self.entry(actor, subject, action, summary, subject_name)
        self._entries.add(change)
        return change

    def entry(
        self, actor: Principal, subject: str, action: str, summary: str, subject_name: str | None = None
    ) -> Change:
        """An entry at this moment, not yet written (see `record`)."""
        return change_of(actor, subject, action, summary, self._now(), subject_name)

    def page(self, params: ChangeParams, principal: Principal) -> Page[Change]:
        """The entries, newest first, a page at a time (admins); of one kind, or one person's, if asked."""
        principal.require(Action.MANAGE)
        return self._entries.page(params.limit, params.after, params.kind, params.actor)
