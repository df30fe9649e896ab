"""Append-only records (feedback, tasks, the query log) and counts (tallies, rate counters).

None is generation-stamped or in the generation index: no reader's index depends on them, and they
are written far more often than articles. Records with a `ttl` are deleted by DynamoDB itself.
"""

import datetime as dt
import uuid
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.store.table import TableStore


class RecordStore(TableStore):
    """Records under a partition sorted by time (`<time>#<id>`), and counts of hits under a partition."""

    def add(self, partition: str, record: dict[str, Any], now: dt.datetime, ttl_days: int | None = None) -> str:
        """Store one record under a partition, sorted by time; returns its id."""
        record_id = uuid.uuid4().hex
        item = {"pk": partition, "sk": f"{now.isoformat()}#{record_id}", "id": record_id, **record}
        if ttl_days is not None:
            item["ttl"] = int(now.timestamp()) + ttl_days * 86_400  # DynamoDB deletes it after this
        self._put(item)
        return record_id

    def all(self, partition: str) -> list[dict[str, Any]]:
        """Every record of a partition, oldest first."""
        return [_record(item) for item in self._query(Key("pk").eq(partition))]

    def update(self, partition: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Change fields of one record (found by its id); the record as it now is, or None if there is none."""
        for item in self._query(Key("pk").eq(partition)):
            if item.get("id") == record_id:
                return _record(self._set({"pk": partition, "sk": item["sk"]}, changes))
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


def _record(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "ttl")}
