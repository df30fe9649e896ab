"""moto's DynamoDB made to behave as DynamoDB does where the project relies on it (atomic writes across threads,
a query that reads one partition), for the local run and the tests. Applied once per process; idempotent."""

import copy
import functools
import threading
from collections.abc import Iterator
from typing import Any

import moto.dynamodb.models as moto_dynamodb
from moto.dynamodb.comparisons import get_comparison_func
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

WRITE_LOCK = threading.RLock()
_writes = 0  # writes applied in this process, counted under WRITE_LOCK: a change means unsaved data


def make_moto_writes_atomic() -> None:
    """Serialise moto's DynamoDB writes, as DynamoDB itself does.

    moto checks a transaction's conditions and then applies it without a lock, and undoes a failed one by
    restoring a copy of the whole table; two threads writing at once (the threaded local server, the race
    tests) could both pass a condition, or one could wipe the other's write. Idempotent.
    """
    if getattr(DynamoDBBackend.transact_write_items, "_zhida_atomic", False):
        return
    # A failed transaction is undone item by item (below), so moto need not copy whole tables to undo it:
    # that copy made every local write slower as the table grew.
    moto_dynamodb.copy = _TablesByReference  # type: ignore[assignment]
    for name in ("transact_write_items", "put_item", "update_item", "delete_item"):
        method = getattr(DynamoDBBackend, name)
        if name == "transact_write_items":
            method = _undone_on_failure(method)
        if name == "update_item":  # a transaction's updates come here too
            method = _copied_before_update(method)

        @functools.wraps(method)
        def atomic(self, *args, __method=method, **kwargs):
            with WRITE_LOCK:
                result = __method(self, *args, **kwargs)
                wrote()  # after the call: a refused write changed nothing
                return result

        atomic._zhida_atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, atomic)


class _TablesByReference:
    """Stands in for the copy module inside moto's DynamoDB backend: tables are kept, not copied."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def make_moto_queries_read_one_partition() -> None:
    """Let moto answer a query on the table from the one partition it names, as DynamoDB does.

    moto looks at every item of the table for each query on it (its partitions are a dict it does not use
    there): at 100,000 items of demo traffic a report's queries took 0.5 s each. An index query is given the
    items that have the index's key attributes alone, as DynamoDB's sparse index holds them: moto compared
    every item's attributes (a query on the generation index timed out at a million items). Idempotent.
    """
    if getattr(Table.query, "_zhida_partitioned", False):
        return
    query = Table.query

    @functools.wraps(query)
    def partitioned(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name:
            index = next((i for i in self.all_indexes() if i.name == index_name), None)
            if index is None:  # moto's own error for an unknown index
                return query(self, hash_key, *args, **kwargs)
            keys = {key["AttributeName"] for key in index.schema}
            # a set test in C: about 0.1 s for a million items
            indexed = [item for item in all_items(self) if keys <= item.attrs.keys()]
            return query(_OnePartition(self, indexed), hash_key, *args, **kwargs)
        if not self.range_key_attr or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)  # .get: a miss must not add an empty partition to the defaultdict
        items = sorted(partition.values(), key=lambda item: item.range_key.cast_value) if partition else []
        return query(_OnePartition(self, _in_range(items, self.range_key_attr, *args[:5])), hash_key, *args, **kwargs)

    partitioned._zhida_partitioned = True  # type: ignore[attr-defined]
    Table.query = partitioned  # type: ignore[method-assign]


def _in_range(
    items: list[Item],
    range_attr: str,
    comparison: str | None = None,
    bounds: list[DynamoType] | None = None,
    limit: int | None = None,
    start: dict[str, Any] | None = None,
    forward: bool = True,
) -> list[Item]:
    """A partition's items (in sort-key order) less those the query's sort-key condition and start key leave out,
    by moto's own comparison on plain values: moto would compare each item's typed key, and work out its size,
    on every page (about 0.15 ms an item: 2.3 s for a morning's 15,000 searches). moto still checks the rest."""
    if comparison:
        compare = get_comparison_func(comparison)
        values = [bound.cast_value for bound in bounds or []]
        items = [item for item in items if compare(item.range_key.cast_value, *values)]  # type: ignore[union-attr]
    if start:
        after = DynamoType(start[range_attr]).cast_value
        keep = (lambda key: key > after) if forward else (lambda key: key < after)
        items = [item for item in items if keep(item.range_key.cast_value)]  # type: ignore[union-attr]
    return items


class _OnePartition:
    """A moto table as its query sees it: every attribute its own, its items those of one partition."""

    def __init__(self, table: Table, items: list[Item]) -> None:
        self._table = table
        self._items = items

    def all_items(self) -> Iterator[Item]:
        return iter(self._items)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def _undone_on_failure(transact):
    """moto's transaction, with the items it touches saved first and put back if it fails."""

    @functools.wraps(transact)
    def run(self, transact_items, *args, **kwargs):
        saved = []
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            table = self.get_table(operation["TableName"])
            hash_key, range_key = _key(table, operation.get("Key") or operation["Item"])
            saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        try:
            return transact(self, transact_items, *args, **kwargs)
        except Exception:
            for table, hash_key, range_key, before in reversed(saved):
                put_back(table, hash_key, range_key, before)
            raise

    return run


def _copied_before_update(update):
    """moto's update_item, changing a copy of the stored item: moto would change it in place.

    So an item, once stored, never changes: a snapshot can list the items under the write lock and read
    them after letting go of it.
    """

    @functools.wraps(update)
    def run(self, table_name, key, *args, **kwargs):
        table = self.get_table(table_name)
        hash_key, range_key = _key(table, key)
        current = table.get_item(hash_key, range_key)
        if current is not None:
            put_back(table, hash_key, range_key, copy.deepcopy(current))
        return update(self, table_name, key, *args, **kwargs)

    return run


def _key(table: Table, key: dict) -> tuple[DynamoType, DynamoType | None]:
    hash_key = DynamoType(key[table.hash_key_attr])
    return hash_key, DynamoType(key[table.range_key_attr]) if table.range_key_attr else None


def put_back(table: Table, hash_key: DynamoType, range_key: DynamoType | None, before) -> None:
    if range_key is None:
        if before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before
        return
    ranged = table.items[hash_key]
    if before is None:
        ranged.pop(range_key, None)
        if not ranged:
            del table.items[hash_key]
    else:
        ranged[range_key] = before


def wrote() -> None:
    global _writes
    _writes += 1


def writes() -> int:
    """How many writes moto has applied in this process; any write, not only those that move the generation."""
    return _writes


def all_items(table: Table) -> Iterator[Item]:
    # list() first: moto's reads take no lock, and one that misses adds an empty partition to its defaultdict
    for stored in list(table.items.values()):
        if table.range_key_attr:
            yield from list(stored.values())
        else:
            yield stored  # type: ignore[misc]  # a table without a range key maps each key to its item
