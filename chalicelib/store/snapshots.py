"""Snapshots of the search index: parts of at most 350 kB, and a pointer switched once they are all written."""

import logging
from dataclasses import dataclass

from boto3.dynamodb.conditions import Key

from chalicelib.store.table import TableStore

log = logging.getLogger(__name__)

_POINTER_KEY = {"pk": "SNAPSHOT", "sk": "CURRENT"}
_PART_BYTES = 350_000  # under DynamoDB's 400 KB item limit


@dataclass(frozen=True)
class Snapshot:
    """A saved search index: the store generation and lexicon generation it reflects, and its bytes."""

    generation: int
    lexicon_generation: int
    data: bytes


class SnapshotStore(TableStore):
    """The latest index snapshot. Not generation-stamped: a snapshot records the generation it reflects."""

    def latest_generation(self) -> int | None:
        """The store generation the latest snapshot reflects, without reading the snapshot."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        return int(pointer["generation"]) if pointer else None

    def latest(self) -> Snapshot | None:
        """The latest search-index snapshot, or None if none was ever saved."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        if not pointer:
            return None
        partition = _partition(int(pointer["generation"]))
        parts = [item["data"].value for item in self._query(Key("pk").eq(partition))]
        if len(parts) != int(pointer["parts"]):
            log.error(
                "snapshot %s has %d of %d parts; ignoring it", pointer["generation"], len(parts), pointer["parts"]
            )
            return None
        return Snapshot(int(pointer["generation"]), int(pointer["lexicon_generation"]), b"".join(parts))

    def save(self, snapshot: Snapshot) -> None:
        """Store the parts first, then switch the pointer, then drop the previous snapshot's parts.

        A reader therefore sees the old snapshot or the new one, never a mix.
        """
        previous = self._get(_POINTER_KEY, consistent=True)
        partition = _partition(snapshot.generation)
        data = snapshot.data
        chunks = [data[i : i + _PART_BYTES] for i in range(0, len(data), _PART_BYTES)] or [b""]
        with self._table.batch_writer() as batch:
            for number, chunk in enumerate(chunks):
                batch.put_item(Item={"pk": partition, "sk": _part_sort(number), "data": chunk})
        self._table.put_item(
            Item={
                **_POINTER_KEY,
                "generation": snapshot.generation,
                "lexicon_generation": snapshot.lexicon_generation,
                "parts": len(chunks),
                "size": len(data),
            }
        )
        if previous and int(previous["generation"]) != snapshot.generation:
            old = _partition(int(previous["generation"]))
            with self._table.batch_writer() as batch:
                for number in range(int(previous["parts"])):
                    batch.delete_item(Key={"pk": old, "sk": _part_sort(number)})


def _partition(generation: int) -> str:
    return f"SNAPSHOT#{generation:012d}"


def _part_sort(number: int) -> str:
    return f"PART#{number:05d}"
