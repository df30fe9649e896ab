"""Append-only records (feedback, tasks, the query log) and counts (tallies, rate counters).

None is generation-stamped or in the generation index: no reader's index depends on them, and they
are written far more often than articles. Records with a `ttl` are deleted by DynamoDB itself.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import Conflict, aws_error_code
from chalicelib.store.table import TableStore


@dataclass(frozen=True)
class TimedRecord:
    at: dt.datetime
    record: dict[str, Any]


_MARKS = "MARK"  # named values set once: the day from which a record kind is also kept by day, say


class RecordStore(TableStore):
    """Records under a partition sorted by time (`<time>#<id>`), and counts of hits under a partition."""

    def add(self, partition: str, record: dict[str, Any], now: dt.datetime, ttl_days: int | None = None) -> str:
        """Store one record under a partition, sorted by time; returns its id."""
        item = _item(partition, record, now, ttl_days)
        self._put(item)
        return str(item["id"])

    def add_many(self, partition: str, records: list[tuple[dt.datetime, dict[str, Any]]], ttl_days: int | None) -> None:
        """Many records under one partition, 25 to a BatchWriteItem: for seeding a table, not for a request."""
        with self._table.batch_writer() as batch:
            for at, record in records:
                batch.put_item(Item=_item(partition, record, at, ttl_days))

    def all(self, partition: str) -> list[dict[str, Any]]:
        """Every record of a partition, oldest first."""
        return [_record(item) for item in self._query(Key("pk").eq(partition))]

    def get(self, partition: str, at: dt.datetime, record_id: str) -> dict[str, Any] | None:
        """One record by the time it was written and its id (its whole key): one read, not a query."""
        item = self._get({"pk": partition, "sk": _sort_key(at, record_id)}, consistent=True)
        return _record(item) if item else None

    def set(self, partition: str, at: dt.datetime, record_id: str, changes: dict[str, Any]) -> None:
        """Change fields of one record known to exist, by the time it was written and its id."""
        self._set({"pk": partition, "sk": _sort_key(at, record_id)}, changes)

    def newest(self, partition: str, limit: int) -> list[dict[str, Any]]:
        """The latest `limit` records of a partition, newest first (one query page)."""
        items = self._table.query(KeyConditionExpression=Key("pk").eq(partition), ScanIndexForward=False, Limit=limit)
        return [_record(item) for item in items["Items"]]

    def between(self, partition: str, start: dt.datetime, end: dt.datetime) -> list[TimedRecord]:
        """The records of a partition written in [start, end), with their times (sort keys `<ISO time>#<id>`)."""
        utc = (start.astimezone(dt.UTC).isoformat(), end.astimezone(dt.UTC).isoformat())  # keyed by UTC time
        found = []
        for item in self._query(Key("pk").eq(partition) & Key("sk").between(*utc)):
            moment = dt.datetime.fromisoformat(item["sk"].rsplit("#", 1)[0])
            if start <= moment < end:
                found.append(TimedRecord(moment, _record(item)))
        return found

    def find(self, partition: str, record_id: str, since: dt.datetime) -> dict[str, Any] | None:
        """One record written at or after `since`, by its id: one query over that stretch of the partition."""
        item = self._recent_item(partition, record_id, since)
        return _record(item) if item else None

    def fill(self, partition: str, record_id: str, since: dt.datetime, name: str, value: Any, refused: str) -> None:
        """Set a field that is still empty on a record written since `since`; Conflict(refused) if it is set."""
        item = self._recent_item(partition, record_id, since)
        if item is None:
            raise Conflict(refused)
        key = {"pk": partition, "sk": item["sk"]}
        try:
            self._table.update_item(
                Key=key,
                UpdateExpression="SET #f = :v",
                ConditionExpression="attribute_not_exists(#f) OR attribute_type(#f, :null)",
                ExpressionAttributeNames={"#f": name},
                ExpressionAttributeValues={":v": value, ":null": "NULL"},
            )
        except (BotoCoreError, ClientError) as error:
            # First: did it land all the same? (its answer lost, or botocore's retry found the field set by itself)
            if self._landed(key, lambda stored: stored.get(name) == value):
                return
            if aws_error_code(error) == "ConditionalCheckFailedException":
                raise Conflict(refused, field=name) from None
            raise

    def _recent_item(self, partition: str, record_id: str, since: dt.datetime) -> dict[str, Any] | None:
        # Sort keys start with the ISO time, so "since" is a range on the sort key, not a read of the partition.
        recent = self._query(Key("pk").eq(partition) & Key("sk").gte(since.isoformat()))
        return next((item for item in recent if item.get("id") == record_id), None)

    def keep(self, partition: str, key: str, values: dict[str, Any]) -> None:
        """A value under a name within a partition (an index the caller keeps: say, a thing's open record)."""
        self._put({"pk": partition, "sk": key, **values})

    def kept(self, partition: str, key: str) -> dict[str, Any] | None:
        item = self._get({"pk": partition, "sk": key}, consistent=True)
        return _record(item) if item else None

    def kept_in(self, partition: str) -> dict[str, dict[str, Any]]:
        """Every value kept in a partition, by its name."""
        return {item["sk"]: _record(item) for item in self._query(Key("pk").eq(partition))}

    def forget(self, partition: str, key: str, only_if: tuple[str, Any]) -> None:
        """Drop a kept value if its field still holds what the caller saw (else another writer has replaced it)."""
        name, value = only_if
        try:
            self._table.delete_item(
                Key={"pk": partition, "sk": key},
                ConditionExpression="#f = :v",
                ExpressionAttributeNames={"#f": name},
                ExpressionAttributeValues={":v": value},
            )
        except ClientError as error:
            if aws_error_code(error) != "ConditionalCheckFailedException":
                raise

    def mark(self, name: str) -> str | None:
        """A named value set once for the table's life (see `mark_once`), or None if it was never set."""
        item = self._get({"pk": _MARKS, "sk": name}, consistent=True)
        return str(item["value"]) if item else None

    def mark_once(self, name: str, value: str) -> str:
        """Set a named value unless it is set already; the value it holds now (the first one ever set)."""
        try:
            self._table.put_item(
                Item={"pk": _MARKS, "sk": name, "value": value}, ConditionExpression="attribute_not_exists(pk)"
            )
            return value
        except (BotoCoreError, ClientError) as error:
            if aws_error_code(error) != "ConditionalCheckFailedException" and self.mark(name) is None:
                raise
            return self.mark(name) or value

    def count(self, counter: str, window: str, ttl_seconds: int, now: dt.datetime) -> int:
        """Add one to a counter for a time window and return the new value (rate limiting)."""
        return self._add_one({"pk": f"RATE#{counter}", "sk": window}, int(now.timestamp()) + ttl_seconds)

    def tally(self, partition: str, key: str, now: dt.datetime, ttl_days: int, by: int = 1, shown: str = "") -> None:
        """Add to a named count within a partition (say, one day's searches per article); `shown`: the key as people
        read it, when the key is a normalised form (the first count's is kept)."""
        self._add_one({"pk": partition, "sk": key}, int(now.timestamp()) + ttl_days * 86_400, by, shown)

    def tallies(self, partition: str) -> dict[str, int]:
        return {key: hits for key, (hits, _) in self.shown_tallies(partition).items()}

    def shown_tallies(self, partition: str) -> dict[str, tuple[int, str]]:
        """The counts of a partition with each key as people read it (the key itself when none was kept)."""
        return {
            item["sk"]: (int(item["hits"]), str(item.get("shown") or item["sk"]))
            for item in self._query(Key("pk").eq(partition))
        }

    def _add_one(self, key: dict[str, str], expires: int, by: int = 1, shown: str = "") -> int:
        """Atomically add to an item's `hits` (one, unless `by` says more; DynamoDB deletes the item after
        `expires`), and keep `shown` unless it has one; the new value."""
        values: dict[str, Any] = {":one": by, ":ttl": expires}
        update = "ADD hits :one SET #ttl = if_not_exists(#ttl, :ttl)"
        if shown:
            update, values[":shown"] = f"{update}, shown = if_not_exists(shown, :shown)", shown
        result = self._table.update_item(
            Key=key,
            UpdateExpression=update,
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues=values,
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["hits"])


def _item(partition: str, record: dict[str, Any], at: dt.datetime, ttl_days: int | None) -> dict[str, Any]:
    record_id = uuid.uuid4().hex
    item = {"pk": partition, "sk": _sort_key(at, record_id), "id": record_id, **record}
    if ttl_days is not None:
        item["ttl"] = int(at.timestamp()) + ttl_days * 86_400  # DynamoDB deletes it after this
    return item


def _sort_key(at: dt.datetime, record_id: str) -> str:
    return f"{at.isoformat()}#{record_id}"


def _record(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "ttl")}
