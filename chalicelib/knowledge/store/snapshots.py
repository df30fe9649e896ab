"""Snapshots of the search index: parts of at most 350 kB, and a pointer switched once they are all written.

Each part is its own partition (`SNAPSHOT#<generation>#<n>`), read with BatchGetItem: many containers
starting at once spread their reads over as many partitions as there are parts, rather than queueing
on one. The snapshot before the latest is kept, so a container that read the old pointer a moment
before a switch still finds every part; the one before that is deleted.
"""

import itertools
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.store.table import TableStore

log = logging.getLogger(__name__)

_POINTER_KEY = {"pk": "SNAPSHOT", "sk": "CURRENT"}
_PART_BYTES = 350_000  # under DynamoDB's 400 KB item limit
_BATCH_KEYS = 40  # parts per BatchGetItem: 40 x 350 kB stays under its 16 MB answer limit


@dataclass(frozen=True)
class Snapshot:
    """A saved search index: the store generation and lexicon generation it reflects, and its bytes."""

    generation: int
    lexicon_generation: int
    data: bytes


@dataclass(frozen=True)
class _Parts:
    """Where a saved snapshot's parts are: one partition each (spread), or all under one (older releases)."""

    generation: int
    count: int
    spread: bool

    def keys(self) -> list[dict[str, str]]:
        if self.spread:
            return [{"pk": f"SNAPSHOT#{self.generation:012d}#{n:05d}", "sk": "PART"} for n in range(self.count)]
        return [{"pk": f"SNAPSHOT#{self.generation:012d}", "sk": f"PART#{n:05d}"} for n in range(self.count)]


class SnapshotStore(TableStore):
    """The latest index snapshot. Not generation-stamped: a snapshot records the generation it reflects."""

    def latest_generation(self) -> int | None:
        """The store generation the latest snapshot reflects, without reading the snapshot."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        return int(pointer["generation"]) if pointer else None

    def latest(self) -> Snapshot | None:
        """The latest search-index snapshot, or None if none was ever saved (or a part is missing)."""
        pointer = self._get(_POINTER_KEY, consistent=True)
        if not pointer:
            return None
        parts = _pointed(pointer)
        found = self._read_parts(parts.keys())
        if len(found) != parts.count:
            log.error("snapshot %s has %d of %d parts; ignoring it", parts.generation, len(found), parts.count)
            return None
        data = b"".join(found[key["pk"], key["sk"]] for key in parts.keys())
        return Snapshot(parts.generation, int(pointer["lexicon_generation"]), data)

    def save(self, snapshot: Snapshot) -> None:
        """Store the parts first, then switch the pointer, then drop the snapshot before the previous one.

        A reader therefore sees the old snapshot or the new one, never a mix, and finds the old one whole
        even if the pointer switched while it read.
        """
        pointer = self._get(_POINTER_KEY, consistent=True)
        previous = _pointed(pointer) if pointer else None
        data = snapshot.data
        chunks = [data[i : i + _PART_BYTES] for i in range(0, len(data), _PART_BYTES)] or [b""]
        parts = _Parts(snapshot.generation, len(chunks), spread=True)
        with self._table.batch_writer() as batch:
            for key, chunk in zip(parts.keys(), chunks, strict=True):
                batch.put_item(Item={**key, "data": chunk})
        # Kept: the snapshot readers of the old pointer may still be reading. A save at the same generation
        # (a re-save by a tool) keeps what the old pointer kept.
        replaced = previous is not None and previous.generation != snapshot.generation
        kept = previous if replaced else (_kept(pointer) if pointer else None)
        switched: dict[str, Any] = {
            **_POINTER_KEY,
            "generation": snapshot.generation,
            "lexicon_generation": snapshot.lexicon_generation,
            "parts": parts.count,
            "spread": True,
            "size": len(data),
        }
        if kept is not None:
            switched |= {"kept_generation": kept.generation, "kept_parts": kept.count, "kept_spread": kept.spread}
        self._table.put_item(Item=switched)
        dropped = _kept(pointer) if pointer and replaced else None
        if dropped is not None:
            with self._table.batch_writer() as batch:
                for key in dropped.keys():
                    batch.delete_item(Key=key)

    def _read_parts(self, keys: list[dict[str, str]]) -> dict[tuple[str, str], bytes]:
        """The parts found, by key, read in batches (DynamoDB may answer part of a batch: ask again).

        The table's own client, as the resource made it: keys and values go in and come out as Python values.
        """
        client = self._table.meta.client
        found: dict[tuple[str, str], bytes] = {}
        for start in range(0, len(keys), _BATCH_KEYS):
            wanted = keys[start : start + _BATCH_KEYS]
            request: dict[str, Any] = {self._table.name: {"Keys": wanted, "ConsistentRead": True}}
            for attempt in itertools.count():
                answer = client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self._table.name, []):
                    found[item["pk"], item["sk"]] = item["data"].value
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(random.uniform(0, min(0.05 * 2**attempt, 1.0)))  # throttled: back off, as AWS advises
        return found


def _pointed(pointer: dict[str, Any]) -> _Parts:
    return _Parts(int(pointer["generation"]), int(pointer["parts"]), bool(pointer.get("spread", False)))


def _kept(pointer: dict[str, Any]) -> _Parts | None:
    """The snapshot a pointer keeps for readers of its predecessor, if any."""
    if "kept_generation" not in pointer:
        return None
    return _Parts(int(pointer["kept_generation"]), int(pointer["kept_parts"]), bool(pointer.get("kept_spread")))
