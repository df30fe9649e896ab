"""The admin audit log: every change that is not an article's (the directory, keys, claim mappings, the lexicon,
syncs) as one entry saying when, who, to what, and what changed. Articles keep their own audit trail."""

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Protocol

from pydantic import BaseModel, Field

from chalicelib.clock import utc_now
from chalicelib.paging import Page, PageParams
from chalicelib.people.access import Action, Principal

SUMMARY_MAX_CHARS = 1000  # a summary says which fields changed and how, not the whole record


class Change(BaseModel):
    """One entry of the admin audit log."""

    id: str = Field(description="when it happened and a random suffix: entries sort by it; a page's `next`")
    at: dt.datetime
    actor: str = Field(description="the person's stable identity (tool:… for a command-line tool)")
    actor_name: str
    subject: str = Field(description="what changed, as kind:id, e.g. department:heating-company")
    action: str = Field(description="add, change, propose, approve, reject, withdraw, retire, sync, …")
    summary: str = Field(description="the changed fields, before -> after")


class ChangeEntries(Protocol):
    """Where entries are kept (people/store/changes.ChangeStore)."""

    def add(self, change: Change) -> None: ...

    def page(self, limit: int, after: str | None) -> Page[Change]: ...


def change_of(actor: Principal, subject: str, action: str, summary: str, at: dt.datetime) -> Change:
    """An entry, not yet written: for a store that writes it in one transaction with the change it records."""
    moment = at.astimezone(dt.UTC)
    short = summary if len(summary) <= SUMMARY_MAX_CHARS else summary[: SUMMARY_MAX_CHARS - 1] + "…"
    return Change(
        id=f"{moment.isoformat(timespec='microseconds')}#{secrets.token_hex(4)}",
        at=moment,
        actor=actor.identity,
        actor_name=actor.name,
        subject=subject,
        action=action,
        summary=short,
    )


class ChangeLog:
    """Records non-article changes and lets admins read them, newest first."""

    def __init__(self, entries: ChangeEntries, now: Callable[[], dt.datetime] = utc_now) -> None:
        self._entries = entries
        self._now = now

    def record(self, actor: Principal, subject: str, action: str, summary: str) -> Change:
        """Write one entry now and return it. The one call for any non-article change, for example:

            changes.record(caller, "key:3f2a9c1d", "revoke", "holder 张三 (editor, heating-company)")
            changes.record(caller, "mapping:claims", "change", "rules: 3 -> 4; added groups=editors -> editor")

        `subject` is `kind:id`; `action` a short verb; `summary` the changed fields as `field: before -> after`,
        never a secret (no key, no token). Call it after the change is written; a store that writes its change in
        one transaction writes `entry(...)` with it instead, so a change never lands without its entry.
        """
        change = self.entry(actor, subject, action, summary)
        self._entries.add(change)
        return change

    def entry(self, actor: Principal, subject: str, action: str, summary: str) -> Change:
        """An entry at this moment, not yet written (see `record`)."""
        return change_of(actor, subject, action, summary, self._now())

    def page(self, params: PageParams, principal: Principal) -> Page[Change]:
        """The entries, newest first, a page at a time (admins)."""
        principal.require(Action.MANAGE)
        return self._entries.page(params.limit, params.after)
