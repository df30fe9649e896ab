"""Articles: the live article search answers from, and the editorial items beside it in its partition.

Per article, one partition `ARTICLE#<id>`: CURRENT (the live article), HEAD (the working copy and its
state), VERSION#n (immutable), AUDIT#g and LIVE#g (who did what, and what went live, at generation g).
CURRENT, HEAD, AUDIT and LIVE items are also in the generation index, so each kind can be listed
table-wide. A scheduled publish is a marker in the partition SCHEDULE, sorted by its time.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import Binary
from pydantic import BaseModel

from chalicelib.errors import Conflict
from chalicelib.knowledge.models.content import ArticleStatus, StoredArticle
from chalicelib.knowledge.models.editing import AuditEntry, Version, VersionInfo, WorkingCopy
from chalicelib.store.table import GENERATION_INDEX, TableStore, Writes

_ARTICLE_KIND = "ARTICLE"
_HEAD_KIND = "HEAD"
_AUDIT_KIND = "AUDIT"
_LIVE_KIND = "LIVE"
_SCHEDULE = "SCHEDULE"
_NEW = {"ConditionExpression": "attribute_not_exists(pk)"}


@dataclass(frozen=True)
class LiveChange:
    """What the live article (what search answers from) becomes: by a publish, an archive or a re-index."""

    status: ArticleStatus
    version: int | None
    markdown: str
    content_hash: str
    search: bytes | None


@dataclass(frozen=True)
class ArticleChange:
    """One editorial change, written as one transaction: all of it, or (on any failure) none of it."""

    head: WorkingCopy  # the new working copy; its Markdown is kept in its version only
    based_on: int | None  # the revision the change was based on; None: the article must be new
    audit: AuditEntry  # who did what; its time and actor also stamp a live change
    version: Version | None = None  # a new immutable version, never overwritten
    live: LiveChange | None = None  # a publish or archive: the live article and a publication record
    schedule_at: dt.datetime | None = None  # a publish to make when this time comes


@dataclass(frozen=True)
class Publication:
    """One moment in an article's public life: from `at`, `version` was live (None: nothing was)."""

    article_id: str
    at: dt.datetime
    version: int | None
    search: bytes | None


class ArticleStore(TableStore):
    """Live articles, working copies, versions, audit entries, publication records and scheduled publishes."""

    # The live side: what search answers from.

    def live(self, article_id: str) -> StoredArticle | None:
        item = self._get(_current_key(article_id))
        return _live_article(item) if item else None

    def live_articles(self, since_generation: int = 0) -> Iterator[StoredArticle]:
        """Every live article (any status) written after the given generation, oldest change first."""
        condition = Key("kind").eq(_ARTICLE_KIND) & Key("generation").gt(since_generation)
        return (_live_article(item) for item in self._query(condition, IndexName=GENERATION_INDEX))

    def count_live_since(self, generation: int) -> int:
        """How many live-article writes came after a generation (counted, not read)."""
        condition = Key("kind").eq(_ARTICLE_KIND) & Key("generation").gt(generation)
        return sum(page["Count"] for page in self._pages(condition, IndexName=GENERATION_INDEX, Select="COUNT"))

    def save_live(self, article_id: str, live: LiveChange, author: str, at: dt.datetime) -> StoredArticle:
        """Write the live article alone (a re-index: same text and version), under the next generation."""

        def writes(generation: int) -> Writes:
            return [{"Put": {"Item": _current_item(article_id, live, generation, author, at)}}]

        return _live_article(self._commit(writes)[0]["Put"]["Item"])

    def publications(self, article_id: str | None = None) -> Iterator[Publication]:
        """What went live when, oldest first: for one article, or for the whole table."""
        for item in self._history(article_id, "LIVE#", _LIVE_KIND):
            search = item.get("search")
            yield Publication(
                article_id=item["article_id"],
                at=dt.datetime.fromisoformat(item["at"]),
                version=int(item["version"]) if item.get("version") is not None else None,
                search=search.value if isinstance(search, Binary) else None,
            )

    # The editorial side.

    def head(self, article_id: str) -> WorkingCopy | None:
        item = self._get(_head_key(article_id), consistent=True)
        return _working_copy(item) if item else None

    def heads(self) -> Iterator[WorkingCopy]:
        """Every working copy (without its Markdown, which is in its latest version)."""
        condition = Key("kind").eq(_HEAD_KIND) & Key("generation").gt(0)
        for item in self._query(condition, IndexName=GENERATION_INDEX):
            yield _working_copy(item)

    def version(self, article_id: str, number: int) -> Version | None:
        item = self._get({"pk": _partition(article_id), "sk": _version_sort(number)})
        return Version.model_validate(_fields(item)) if item else None

    def versions(self, article_id: str) -> list[VersionInfo]:
        """Every version of an article, newest first."""
        condition = Key("pk").eq(_partition(article_id)) & Key("sk").begins_with("VERSION#")
        return [VersionInfo.model_validate(_fields(i)) for i in self._query(condition, ScanIndexForward=False)]

    def audit(self, article_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Audit entries, newest first: one article's, or the latest of the whole table."""
        entries = self._history(article_id, "AUDIT#", _AUDIT_KIND, ScanIndexForward=False)
        return [AuditEntry.model_validate(_fields(item)) for _, item in zip(range(limit), entries, strict=False)]

    def due_schedules(self, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """(article id, time) of every scheduled publish due by now; some may since have been withdrawn."""
        condition = Key("pk").eq(_SCHEDULE) & Key("sk").lte(_utc(now).isoformat() + "~")
        return [(item["article_id"], dt.datetime.fromisoformat(item["at"])) for item in self._query(condition)]

    def drop_schedule(self, article_id: str, at: dt.datetime) -> None:
        self._table.delete_item(Key=_schedule_key(article_id, at))

    def write(self, change: ArticleChange) -> WorkingCopy:
        """Write one editorial change as one transaction, under the next generation.

        If the stored working copy is not at `change.based_on` (or exists when the article must be new),
        Conflict carries the current revision and nothing is written.
        """
        self._commit(lambda generation: _writes(change, generation), lambda: self._refusal(change))
        return change.head

    def _refusal(self, change: ArticleChange) -> Conflict | None:
        """Why a change's transaction was refused, if the working copy moved; None if it was the counter."""
        article_id, expected = change.head.id, change.based_on
        current = self.head(article_id)
        if expected is None and current is not None:
            return Conflict(f"an article with id '{article_id}' already exists", field="id", revision=current.revision)
        if expected is not None and (current is None or current.revision != expected):
            revision = current.revision if current else None
            return Conflict(
                f"the article is at revision {revision}, not {expected}: reload it and apply your change again",
                field="If-Match",
                revision=revision,
            )
        return None

    def _history(self, article_id: str | None, prefix: str, kind: str, **options: Any) -> Iterator[dict[str, Any]]:
        """One article's items of a kind (its partition), or the whole table's (the generation index)."""
        if article_id is not None:
            return self._query(Key("pk").eq(_partition(article_id)) & Key("sk").begins_with(prefix), **options)
        condition = Key("kind").eq(kind) & Key("generation").gt(0)
        return self._query(condition, IndexName=GENERATION_INDEX, **options)


def _writes(change: ArticleChange, generation: int) -> Writes:
    """The items of one change: working copy (guarded by its revision), audit entry, version, live article."""
    head, audit = change.head, change.audit
    partition = _partition(head.id)
    guard = (
        _NEW
        if change.based_on is None
        else {
            "ConditionExpression": "revision = :expected",
            "ExpressionAttributeValues": {":expected": change.based_on},
        }
    )
    head_item = {**_head_key(head.id), "kind": _HEAD_KIND, "generation": generation, **_attributes(head)}
    entry = {"pk": partition, "sk": f"AUDIT#{generation:012d}", "kind": _AUDIT_KIND, "generation": generation}
    writes: Writes = [{"Put": {"Item": head_item, **guard}}, {"Put": {"Item": {**entry, **_attributes(audit)}}}]
    if change.version is not None:
        version = {"pk": partition, "sk": _version_sort(change.version.version), **_attributes(change.version)}
        writes.append({"Put": {"Item": version, **_NEW}})  # versions are never overwritten
    if change.live is not None:
        live = change.live
        shown = live.status is ArticleStatus.PUBLISHED
        event = {
            "pk": partition,
            "sk": f"LIVE#{generation:012d}",
            "kind": _LIVE_KIND,
            "generation": generation,
            "article_id": head.id,
            "at": _utc(audit.at).isoformat(),
            "version": live.version if shown else None,
        }
        if shown and live.search is not None:
            event["search"] = live.search
        current = _current_item(head.id, live, generation, audit.actor, audit.at)
        writes += [{"Put": {"Item": current}}, {"Put": {"Item": event}}]
    if change.schedule_at is not None:
        marker = {"article_id": head.id, "at": change.schedule_at.isoformat()}
        writes.append({"Put": {"Item": {**_schedule_key(head.id, change.schedule_at), **marker}}})
    return writes


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _partition(article_id: str) -> str:
    return f"ARTICLE#{article_id}"


def _current_key(article_id: str) -> dict[str, str]:
    return {"pk": _partition(article_id), "sk": "CURRENT"}


def _head_key(article_id: str) -> dict[str, str]:
    return {"pk": _partition(article_id), "sk": "HEAD"}


def _version_sort(number: int) -> str:
    return f"VERSION#{number:06d}"


def _schedule_key(article_id: str, at: dt.datetime) -> dict[str, str]:
    return {"pk": _SCHEDULE, "sk": f"{_utc(at).isoformat()}#{article_id}"}


def _attributes(model: BaseModel) -> dict[str, Any]:
    """A model as DynamoDB attributes: JSON types, no nulls (absent means None). A working copy is written as
    one (a Draft handed in keeps its reply-only fields out), so it stays small for listing them all."""
    stored = WorkingCopy.model_fields if isinstance(model, WorkingCopy) else None
    return model.model_dump(mode="json", include=set(stored) if stored else None, exclude_none=True)


def _working_copy(item: dict[str, Any]) -> WorkingCopy:
    """A HEAD item; items written before the roles were split may carry reply fields, which are not read."""
    return WorkingCopy.model_validate({k: v for k, v in _fields(item).items() if k in WorkingCopy.model_fields})


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "kind", "generation")}


def _current_item(article_id: str, live: LiveChange, generation: int, author: str, at: dt.datetime) -> dict[str, Any]:
    article = StoredArticle(
        id=article_id,
        status=live.status,
        markdown=live.markdown,
        content_hash=live.content_hash,
        generation=generation,
        updated_at=at,
        updated_by=author,
        version=live.version,
        search=live.search,
    )
    item = {
        **_current_key(article_id),
        "kind": _ARTICLE_KIND,
        **article.model_dump(mode="json", exclude={"search"}),
    }
    if article.search is not None:
        item["search"] = article.search
    return item


def _live_article(item: dict[str, Any]) -> StoredArticle:
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk", "kind")}
    if isinstance(fields.get("search"), Binary):
        fields["search"] = fields["search"].value
    return StoredArticle.model_validate(fields)
