"""DynamoDB single-table access. Raw items never leave this module."""

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from chalicelib.directory import Department, Directory
from chalicelib.errors import Conflict
from chalicelib.lexicon import Lexicon
from chalicelib.models import ApiKey, ArticleStatus, AuditEntry, Draft, StoredArticle, Version, VersionInfo

log = logging.getLogger(__name__)

GENERATION_INDEX = "by-generation"
_ARTICLE_KIND = "ARTICLE"
_HEAD_KIND = "HEAD"
_AUDIT_KIND = "AUDIT"
_LIVE_KIND = "LIVE"
_SCHEDULE = "SCHEDULE"
_COUNTER_KEY = {"pk": "META", "sk": "GENERATION"}
_LEXICON_KEY = {"pk": "LEXICON", "sk": "CURRENT"}
_DIRECTORY_KEY = {"pk": "DIRECTORY", "sk": "CURRENT"}
_KEYS = "KEYS"
_SNAPSHOT_KEY = {"pk": "SNAPSHOT", "sk": "CURRENT"}
_SNAPSHOT_PART = 350_000  # bytes per item, under DynamoDB's 400 KB item limit
_COMMIT_ATTEMPTS = 8


@dataclass(frozen=True)
class Snapshot:
    """A saved search index: the store generation and lexicon generation it reflects, and its bytes."""

    generation: int
    lexicon_generation: int
    data: bytes


@dataclass(frozen=True)
class StoredDirectory:
    """The department directory, the generation it was written at (0: never), the hash of each department's
    record in the folder's file at the last sync, and that file's text (exported as is while it still holds)."""

    directory: Directory
    generation: int = 0
    sources: dict[str, str] = field(default_factory=dict)
    file_text: str | None = None


class ConcurrentWrite(Exception):
    """Another writer kept moving the generation counter; the write was not applied."""


@dataclass(frozen=True)
class LiveChange:
    """What a publish or archive does to the live article search answers from."""

    status: ArticleStatus
    version: int
    markdown: str
    content_hash: str
    search: bytes | None


@dataclass(frozen=True)
class Publication:
    """One moment in an article's public life: from `at`, `version` was live (None: nothing was)."""

    article_id: str
    at: dt.datetime
    version: int | None
    search: bytes | None


def table_definition(name: str) -> dict[str, Any]:
    """The table's keys and index, shared by create_table and the deployment template."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "kind", "AttributeType": "S"},
            {"AttributeName": "generation", "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GENERATION_INDEX,
                "KeySchema": [
                    {"AttributeName": "kind", "KeyType": "HASH"},
                    {"AttributeName": "generation", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def ensure_table(dynamodb: Any, name: str) -> Any:
    """The table, created first if it does not exist (local runs and tests; AWS gets it from the template)."""
    client = dynamodb.meta.client
    try:
        client.describe_table(TableName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        client.create_table(**table_definition(name))
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    return dynamodb.Table(name)


class KnowledgeStore:
    """Articles and the lexicon, each write stamped with a table-wide generation number.

    The generation lets a warm container ask "what changed since generation g?" with one query.
    """

    def __init__(self, table: Any) -> None:
        self._table = table

    def generation(self) -> int:
        item = self._table.get_item(Key=_COUNTER_KEY, ConsistentRead=True).get("Item")
        return int(item["value"]) if item else 0

    def get_article(self, article_id: str) -> StoredArticle | None:
        item = self._table.get_item(Key=_article_key(article_id)).get("Item")
        return _from_item(item) if item else None

    def articles(self, since_generation: int = 0) -> Iterator[StoredArticle]:
        """Every article (any status) written after the given generation, oldest change first."""
        condition = Key("kind").eq(_ARTICLE_KIND) & Key("generation").gt(since_generation)
        return (_from_item(item) for item in self._query(condition, IndexName=GENERATION_INDEX))

    def changed_articles(self, since_generation: int) -> int:
        """How many live-article writes came after a generation (counted, not read)."""
        condition = Key("kind").eq(_ARTICLE_KIND) & Key("generation").gt(since_generation)
        return sum(page["Count"] for page in self._pages(condition, IndexName=GENERATION_INDEX, Select="COUNT"))

    def save_article(
        self,
        article_id: str,
        markdown: str,
        content_hash: str,
        status: ArticleStatus,
        author: str,
        now: dt.datetime,
        search: bytes | None = None,
        version: int | None = None,
    ) -> StoredArticle:
        """Write the current state of an article (and its encoded search document) under the next generation."""

        def items(generation: int) -> list[dict[str, Any]]:
            stored = StoredArticle(
                id=article_id,
                status=status,
                markdown=markdown,
                content_hash=content_hash,
                generation=generation,
                updated_at=now,
                updated_by=author,
                version=version,
                search=search,
            )
            return [{"Put": {"Item": _article_item(stored)}}]

        return _from_item(self._commit(items)[0]["Put"]["Item"])

    def lexicon(self) -> tuple[Lexicon, int]:
        """The lexicon and the generation it was written at (an empty lexicon at 0 if never written)."""
        item = self._table.get_item(Key=_LEXICON_KEY).get("Item")
        if not item:
            return Lexicon(), 0
        return Lexicon.model_validate_json(item["lexicon"]), int(item["generation"])

    def lexicon_files(self) -> dict[str, str]:
        """The lexicon's source files as last saved (name -> text), for `kb export`."""
        item = self._table.get_item(Key=_LEXICON_KEY).get("Item")
        return json.loads(item["files"]) if item and "files" in item else {}

    def save_lexicon(self, lexicon: Lexicon, files: dict[str, str] | None = None) -> int:
        def items(generation: int) -> list[dict[str, Any]]:
            item = {**_LEXICON_KEY, "lexicon": lexicon.model_dump_json(), "generation": generation}
            if files is not None:
                item["files"] = json.dumps(files, ensure_ascii=False)
            return [{"Put": {"Item": item}}]

        return int(self._commit(items)[0]["Put"]["Item"]["generation"])

    # The department directory: one item (a few hundred departments fit well under 400 KB), written under
    # the next generation so a warm container notices a change with its usual one read.

    def directory(self) -> StoredDirectory:
        """The directory as last written (an empty one at generation 0 if never)."""
        item = self._table.get_item(Key=_DIRECTORY_KEY, ConsistentRead=True).get("Item")
        if not item:
            return StoredDirectory(Directory())
        departments = [Department.model_validate(d) for d in json.loads(item["departments"])]
        return StoredDirectory(
            Directory(departments), int(item["generation"]), json.loads(item["sources"]), item.get("file_text")
        )

    def directory_generation(self) -> int:
        """The generation the directory was last written at, without reading the departments."""
        key = {"Key": _DIRECTORY_KEY, "ProjectionExpression": "generation", "ConsistentRead": True}
        item = self._table.get_item(**key).get("Item")
        return int(item["generation"]) if item else 0

    def save_directory(self, changed: StoredDirectory) -> int:
        """Write the directory if it is still at `changed.generation` (Conflict otherwise); the new generation."""

        def items(generation: int) -> list[dict[str, Any]]:
            item = {
                **_DIRECTORY_KEY,
                "departments": json.dumps([d.model_dump() for d in changed.directory], ensure_ascii=False),
                "sources": json.dumps(changed.sources, ensure_ascii=False),
                "generation": generation,
            }
            if changed.file_text is not None:
                item["file_text"] = changed.file_text
            guard = (
                {"ConditionExpression": "attribute_not_exists(pk)"}
                if changed.generation == 0
                else {
                    "ConditionExpression": "generation = :based",
                    "ExpressionAttributeValues": {":based": changed.generation},
                }
            )
            return [{"Put": {"Item": item, **guard}}]

        def stale() -> Conflict | None:
            if self.directory_generation() != changed.generation:
                return Conflict("the directory changed meanwhile; reload it and try again", field="directory")
            return None

        return int(self._commit(items, stale)[0]["Put"]["Item"]["generation"])

    # The editorial side. Per article, one partition: HEAD (the working copy and its state), VERSION#n
    # (immutable), AUDIT#g and LIVE#g (what went live when), beside CURRENT (what search answers from).
    # HEAD, AUDIT and LIVE items are also in the generation index, so they can be listed table-wide.

    def head(self, article_id: str) -> Draft | None:
        item = self._table.get_item(Key=_head_key(article_id), ConsistentRead=True).get("Item")
        return Draft.model_validate(_fields(item)) if item else None

    def heads(self) -> Iterator[Draft]:
        """Every working copy (without its Markdown, which is in its latest version)."""
        condition = Key("kind").eq(_HEAD_KIND) & Key("generation").gt(0)
        for item in self._query(condition, IndexName=GENERATION_INDEX):
            yield Draft.model_validate(_fields(item))

    def version(self, article_id: str, number: int) -> Version | None:
        item = self._table.get_item(Key={"pk": _partition(article_id), "sk": _version_sort(number)}).get("Item")
        return Version.model_validate(_fields(item)) if item else None

    def versions(self, article_id: str) -> list[VersionInfo]:
        """Every version of an article, newest first."""
        condition = Key("pk").eq(_partition(article_id)) & Key("sk").begins_with("VERSION#")
        return [VersionInfo.model_validate(_fields(i)) for i in self._query(condition, ScanIndexForward=False)]

    def audit(self, article_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Audit entries, newest first: one article's, or the latest of the whole table."""
        entries = self._history(article_id, "AUDIT#", _AUDIT_KIND, ScanIndexForward=False)
        return [AuditEntry.model_validate(_fields(item)) for _, item in zip(range(limit), entries, strict=False)]

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

    def due_schedules(self, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """(article id, time) of every scheduled publish due by now; some may since have been withdrawn."""
        condition = Key("pk").eq(_SCHEDULE) & Key("sk").lte(_utc(now).isoformat() + "~")
        return [(item["article_id"], dt.datetime.fromisoformat(item["at"])) for item in self._query(condition)]

    def drop_schedule(self, article_id: str, at: dt.datetime) -> None:
        self._table.delete_item(Key={"pk": _SCHEDULE, "sk": f"{_utc(at).isoformat()}#{article_id}"})

    def apply_change(
        self,
        head: Draft,
        expected_revision: int | None,
        audit: AuditEntry,
        version: Version | None = None,
        live: LiveChange | None = None,
        schedule_at: dt.datetime | None = None,
    ) -> Draft:
        """Write one editorial change as one transaction: all of it, or (on any failure) none of it.

        `expected_revision` is the revision the change was based on (None: the article must be new);
        if the stored one differs, Conflict carries the current revision and nothing is written.
        """
        article_id = head.id

        def items(generation: int) -> list[dict[str, Any]]:
            guard = (
                {"ConditionExpression": "attribute_not_exists(pk)"}
                if expected_revision is None
                else {
                    "ConditionExpression": "revision = :expected",
                    "ExpressionAttributeValues": {":expected": expected_revision},
                }
            )
            # The Markdown lives in the version only: working copies stay small for listing them all.
            fields = {k: v for k, v in _json(head).items() if k != "markdown"}
            head_item = {**_head_key(article_id), "kind": _HEAD_KIND, "generation": generation, **fields}
            writes: list[dict[str, Any]] = [{"Put": {"Item": head_item, **guard}}]
            entry = {"pk": _partition(article_id), "sk": f"AUDIT#{generation:012d}", "kind": _AUDIT_KIND}
            writes.append({"Put": {"Item": {**entry, "generation": generation, **_json(audit)}}})
            if version is not None:
                writes.append(
                    {
                        "Put": {
                            "Item": {
                                "pk": _partition(article_id),
                                "sk": _version_sort(version.version),
                                **_json(version),
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",  # versions are never overwritten
                        }
                    }
                )
            if live is not None:
                stored = StoredArticle(
                    id=article_id,
                    status=live.status,
                    markdown=live.markdown,
                    content_hash=live.content_hash,
                    generation=generation,
                    updated_at=audit.at,
                    updated_by=audit.actor,
                    version=live.version,
                    search=live.search,
                )
                shown = live.status is ArticleStatus.PUBLISHED
                event = {
                    "pk": _partition(article_id),
                    "sk": f"LIVE#{generation:012d}",
                    "kind": _LIVE_KIND,
                    "generation": generation,
                    "article_id": article_id,
                    "at": _utc(audit.at).isoformat(),
                    "version": live.version if shown else None,
                }
                if shown and live.search is not None:
                    event["search"] = live.search
                writes += [{"Put": {"Item": _article_item(stored)}}, {"Put": {"Item": event}}]
            if schedule_at is not None:
                marker = {"pk": _SCHEDULE, "sk": f"{_utc(schedule_at).isoformat()}#{article_id}"}
                writes.append({"Put": {"Item": {**marker, "article_id": article_id, "at": schedule_at.isoformat()}}})
            return writes

        def stale() -> Conflict | None:
            current = self.head(article_id)
            if expected_revision is None and current is not None:
                return Conflict(
                    f"an article with id '{article_id}' already exists", field="id", revision=current.revision
                )
            if expected_revision is not None and (current is None or current.revision != expected_revision):
                revision = current.revision if current else None
                return Conflict(
                    f"the article is at revision {revision}, not {expected_revision}: reload it and "
                    "apply your change again",
                    field="If-Match",
                    revision=revision,
                )
            return None

        self._commit(items, stale)
        return head

    def snapshot_generation(self) -> int | None:
        """The store generation the latest snapshot reflects, without reading the snapshot."""
        pointer = self._table.get_item(Key=_SNAPSHOT_KEY, ConsistentRead=True).get("Item")
        return int(pointer["generation"]) if pointer else None

    def snapshot(self) -> Snapshot | None:
        """The latest search-index snapshot, or None if none was ever saved."""
        pointer = self._table.get_item(Key=_SNAPSHOT_KEY, ConsistentRead=True).get("Item")
        if not pointer:
            return None
        partition = _snapshot_partition(int(pointer["generation"]))
        parts = [item["data"].value for item in self._query(Key("pk").eq(partition))]
        if len(parts) != int(pointer["parts"]):
            log.error(
                "snapshot %s has %d of %d parts; ignoring it", pointer["generation"], len(parts), pointer["parts"]
            )
            return None
        return Snapshot(int(pointer["generation"]), int(pointer["lexicon_generation"]), b"".join(parts))

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store the parts first, then switch the pointer, then drop the previous snapshot's parts.

        A reader therefore sees the old snapshot or the new one, never a mix.
        """
        previous = self._table.get_item(Key=_SNAPSHOT_KEY, ConsistentRead=True).get("Item")
        partition = _snapshot_partition(snapshot.generation)
        chunks = [snapshot.data[i : i + _SNAPSHOT_PART] for i in range(0, len(snapshot.data), _SNAPSHOT_PART)] or [b""]
        with self._table.batch_writer() as batch:
            for number, chunk in enumerate(chunks):
                batch.put_item(Item={"pk": partition, "sk": f"PART#{number:05d}", "data": chunk})
        self._table.put_item(
            Item={
                **_SNAPSHOT_KEY,
                "generation": snapshot.generation,
                "lexicon_generation": snapshot.lexicon_generation,
                "parts": len(chunks),
                "size": len(snapshot.data),
            }
        )
        if previous and int(previous["generation"]) != snapshot.generation:
            old = _snapshot_partition(int(previous["generation"]))
            with self._table.batch_writer() as batch:
                for number in range(int(previous["parts"])):
                    batch.delete_item(Key={"pk": old, "sk": f"PART#{number:05d}"})

    # API keys: one partition, so listing them is one query; the sort key is the key's hash.

    def save_key(self, hashed: str, key: ApiKey) -> None:
        self._table.put_item(Item={"pk": _KEYS, "sk": hashed, **json.loads(key.model_dump_json())})

    def key(self, hashed: str) -> ApiKey | None:
        item = self._table.get_item(Key={"pk": _KEYS, "sk": hashed}, ConsistentRead=True).get("Item")
        return ApiKey.model_validate({k: v for k, v in item.items() if k not in ("pk", "sk")}) if item else None

    def keys(self) -> list[ApiKey]:
        items = self._query(Key("pk").eq(_KEYS))
        return [ApiKey.model_validate({k: v for k, v in i.items() if k not in ("pk", "sk")}) for i in items]

    def revoke_key(self, key_id: str) -> bool:
        for item in self._query(Key("pk").eq(_KEYS)):
            if item["key_id"] == key_id:
                self._table.update_item(
                    Key={"pk": _KEYS, "sk": item["sk"]},
                    UpdateExpression="SET revoked = :t",
                    ExpressionAttributeValues={":t": True},
                )
                return True
        return False

    # Feedback, tasks, the query log and rate counters: append-only records, never part of the index.

    def add_record(self, partition: str, record: dict[str, Any], now: dt.datetime, ttl_days: int | None = None) -> str:
        """Store one record under a partition, sorted by time; returns its id."""
        record_id = uuid.uuid4().hex
        item = {"pk": partition, "sk": f"{now.isoformat()}#{record_id}", "id": record_id, **record}
        if ttl_days is not None:
            item["ttl"] = int(now.timestamp()) + ttl_days * 86_400  # DynamoDB deletes it after this
        self._table.put_item(Item=item)
        return record_id

    def records(self, partition: str) -> list[dict[str, Any]]:
        return [_record(item) for item in self._query(Key("pk").eq(partition))]

    def update_record(self, partition: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Change fields of one record (found by its id); the record as it now is, or None if there is none."""
        for item in self._query(Key("pk").eq(partition)):
            if item.get("id") == record_id:
                names = {f"#f{n}": name for n, name in enumerate(changes)}
                values = {f":v{n}": value for n, value in enumerate(changes.values())}
                updated = self._table.update_item(
                    Key={"pk": partition, "sk": item["sk"]},
                    UpdateExpression="SET " + ", ".join(f"#f{n} = :v{n}" for n in range(len(changes))),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )["Attributes"]
                return _record(updated)
        return None

    def count(self, counter: str, window: str, ttl_seconds: int, now: dt.datetime) -> int:
        """Add one to a counter for a time window and return the new value (rate limiting)."""
        return self._add_one({"pk": f"RATE#{counter}", "sk": window}, int(now.timestamp()) + ttl_seconds)

    def tally(self, partition: str, key: str, now: dt.datetime, ttl_days: int) -> None:
        """Add one to a named count within a partition (say, one day's searches per article)."""
        self._add_one({"pk": partition, "sk": key}, int(now.timestamp()) + ttl_days * 86_400)

    def tallies(self, partition: str) -> dict[str, int]:
        return {item["sk"]: int(item["hits"]) for item in self._query(Key("pk").eq(partition))}

    def _add_one(self, key: dict[str, str], expires: int) -> int:
        """Atomically add one to an item's `hits` (DynamoDB deletes the item after `expires`); the new value."""
        result = self._table.update_item(
            Key=key,
            UpdateExpression="ADD hits :one SET #ttl = if_not_exists(#ttl, :ttl)",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": 1, ":ttl": expires},
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["hits"])

    def _history(self, article_id: str | None, prefix: str, kind: str, **options: Any) -> Iterator[dict[str, Any]]:
        """One article's items of a kind (its partition), or the whole table's (the generation index)."""
        if article_id is not None:
            return self._query(Key("pk").eq(_partition(article_id)) & Key("sk").begins_with(prefix), **options)
        condition = Key("kind").eq(kind) & Key("generation").gt(0)
        return self._query(condition, IndexName=GENERATION_INDEX, **options)

    def _query(self, condition: Any, **options: Any) -> Iterator[dict[str, Any]]:
        """Every item a key condition selects, page after page."""
        for page in self._pages(condition, **options):
            yield from page["Items"]

    def _pages(self, condition: Any, **options: Any) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, **options}
        while True:
            page = self._table.query(**kwargs)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _commit(self, make_writes, refused=lambda: None) -> list[dict[str, Any]]:
        """Apply writes and advance the counter in one transaction; retry if another writer moved the counter.

        `refused` tells a failed condition of the writes themselves (returned error, raised at once) from a
        moved counter (None: retry).
        """
        client = self._table.meta.client
        for _ in range(_COMMIT_ATTEMPTS):
            current = self.generation()
            writes = make_writes(current + 1)
            counter_guard = (
                {
                    "ConditionExpression": "#v = :current",
                    "ExpressionAttributeValues": {":current": current, ":next": current + 1},
                }
                if current
                else {"ConditionExpression": "attribute_not_exists(pk)", "ExpressionAttributeValues": {":next": 1}}
            )
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": self._table.name,
                                "Key": _COUNTER_KEY,
                                "UpdateExpression": "SET #v = :next",
                                "ExpressionAttributeNames": {"#v": "value"},
                                **counter_guard,
                            }
                        },
                        *({kind: {"TableName": self._table.name, **w}} for one in writes for kind, w in one.items()),
                    ]
                )
                return writes
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    log.error("DynamoDB write failed: %s", error.response["Error"]["Code"])
                    raise
                problem = refused()
                if problem is not None:
                    raise problem from None
        raise ConcurrentWrite("the generation counter kept changing; try again")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _partition(article_id: str) -> str:
    return f"ARTICLE#{article_id}"


def _head_key(article_id: str) -> dict[str, str]:
    return {"pk": _partition(article_id), "sk": "HEAD"}


def _version_sort(number: int) -> str:
    return f"VERSION#{number:06d}"


def _json(model: Any) -> dict[str, Any]:
    """A model as DynamoDB attributes: JSON types, no nulls (absent means None)."""
    return {k: v for k, v in json.loads(model.model_dump_json(exclude={"stale"})).items() if v is not None}


def _record(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "ttl")}


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "kind", "generation")}


def _snapshot_partition(generation: int) -> str:
    return f"SNAPSHOT#{generation:012d}"


def _article_key(article_id: str) -> dict[str, str]:
    return {"pk": f"ARTICLE#{article_id}", "sk": "CURRENT"}


def _article_item(article: StoredArticle) -> dict[str, Any]:
    item = {
        **_article_key(article.id),
        "kind": _ARTICLE_KIND,
        **json.loads(article.model_dump_json(exclude={"search"})),
    }
    if article.search is not None:
        item["search"] = article.search
    return item


def _from_item(item: dict[str, Any]) -> StoredArticle:
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk", "kind")}
    if isinstance(fields.get("search"), Binary):
        fields["search"] = fields["search"].value
    return StoredArticle.model_validate(fields)
