"""Snapshots of the search index: the bytes as one object in the snapshot bucket, and a pointer item in the table
switched once the object is whole.

Every save writes a new key (`index/<generation>-<token>.snapshot`), so an object never changes under a reader.
The snapshot before the latest is kept, so a container that read the old pointer a moment before a switch still
finds it; the one before that is deleted. Two saves at once: the pointer moves for the first, and the second
deletes its own object. An older release kept snapshots in the table as parts behind another pointer item:
the first save deletes both, so that release, rolled back to, finds no snapshot (rather than one it cannot
read), builds from the articles and saves its own.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.errors import aws_error_code
from chalicelib.store.objects import Bucket
from chalicelib.store.table import TableStore

log = logging.getLogger(__name__)

_POINTER_KEY = {"pk": "SNAPSHOT", "sk": "OBJECT"}
_TABLE_POINTER_KEY = {"pk": "SNAPSHOT", "sk": "CURRENT"}  # an older release's, to its parts in the table


@dataclass(frozen=True)
class Snapshot:
    """A saved search index: the store generation and lexicon generation it reflects, and its bytes."""

    generation: int
    lexicon_generation: int
    data: bytes | bytearray


class SnapshotStore(TableStore):
    """The latest index snapshot. Not generation-stamped: a snapshot records the generation it reflects."""

    def __init__(self, table: Any, bucket: Bucket) -> None:
        super().__init__(table)
        self._bucket = bucket

    def latest_generation(self) -> int | None:
        """The store generation the latest snapshot reflects, if its object is there (without reading it)."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        if not pointer or "key" not in pointer or not self._bucket.exists(pointer["key"]):
            return None  # none saved, or a table restored without its object
        return int(pointer["generation"])

    def latest(self) -> Snapshot | None:
        """The latest search-index snapshot, or None if none was saved (or its object is missing)."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        if not pointer or "key" not in pointer:
            return None
        data = self._bucket.get(pointer["key"], int(pointer["size"]))
        if data is None:
            log.error("snapshot %s is missing from bucket %s; ignoring it", pointer["key"], self._bucket.name)
            return None
        return Snapshot(int(pointer["generation"]), int(pointer["lexicon_generation"]), data)

    def save(self, snapshot: Snapshot) -> None:
        """Write the object, then switch the pointer (if no other save switched it meanwhile), then delete the
        snapshot before the previous one: a reader sees the old snapshot or the new one, whole."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        key = f"index/{snapshot.generation:012d}-{uuid.uuid4().hex[:12]}.snapshot"
        self._bucket.put(key, bytes(snapshot.data))
        switched: dict[str, Any] = {
            **_POINTER_KEY,
            "generation": snapshot.generation,
            "lexicon_generation": snapshot.lexicon_generation,
            "key": key,
            "size": len(snapshot.data),
        }
        if pointer and "key" in pointer:
            switched["kept_key"] = pointer["key"]
        unchanged = (
            {"ConditionExpression": "#key = :key", "ExpressionAttributeValues": {":key": pointer["key"]}}
            if pointer and "key" in pointer
            else {"ConditionExpression": "attribute_not_exists(#key)"}  # no pointer yet
        )
        try:
            self._table.put_item(Item=switched, ExpressionAttributeNames={"#key": "key"}, **unchanged)
        except ClientError as error:
            if aws_error_code(error) != "ConditionalCheckFailedException":
                raise
            self._bucket.delete([key])  # another save switched the pointer first; its snapshot stands
            return
        if pointer and "kept_key" in pointer:
            self._bucket.delete([pointer["kept_key"]])
        older = self._get(_TABLE_POINTER_KEY, consistent=True)
        if older:
            self._drop_table_snapshots(older)

    def _drop_table_snapshots(self, pointer: dict[str, Any]) -> None:
        """Delete an older release's pointer and the parts of the snapshots it kept in the table."""
        keys = _part_keys(int(pointer["generation"]), int(pointer["parts"]), bool(pointer.get("spread")))
        if "kept_generation" in pointer:
            kept = int(pointer["kept_generation"]), int(pointer["kept_parts"]), bool(pointer.get("kept_spread"))
            keys += _part_keys(*kept)
        with self._table.batch_writer() as batch:
            batch.delete_item(Key=_TABLE_POINTER_KEY)
            for part in keys:
                batch.delete_item(Key=part)


def _part_keys(generation: int, count: int, spread: bool) -> list[dict[str, str]]:
    if spread:
        return [{"pk": f"SNAPSHOT#{generation:012d}#{n:05d}", "sk": "PART"} for n in range(count)]
    return [{"pk": f"SNAPSHOT#{generation:012d}", "sk": f"PART#{n:05d}"} for n in range(count)]
