"""The embedded DynamoDB for local runs: moto's server on 127.0.0.1, never a real AWS account."""

import base64
import copy
import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import moto.dynamodb.models as moto_dynamodb
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer

from tools.kb.stage import stage_environment

LOCAL_REGION = "cn-north-1"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# moto accepts any region and credentials; fixed ones keep a developer's real keys out of the local run.
LOCAL_ENVIRONMENT = {"AWS_DEFAULT_REGION": LOCAL_REGION, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


_WRITE_LOCK = threading.RLock()
_writes = 0  # writes applied in this process, counted under _WRITE_LOCK: a change means unsaved data


def is_local(endpoint: str | None) -> bool:
    """Whether the endpoint is a DynamoDB on this machine (the embedded one)."""
    return bool(endpoint) and urlparse(endpoint).hostname in LOCAL_HOSTS


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
            with _WRITE_LOCK:
                result = __method(self, *args, **kwargs)
                _wrote()  # after the call: a refused write changed nothing
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
    there): at 100,000 items of demo traffic a report's queries took 0.5 s each. Index queries are left as
    they are. Idempotent.
    """
    if getattr(Table.query, "_zhida_partitioned", False):
        return
    query = Table.query

    @functools.wraps(query)
    def partitioned(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or not self.range_key_attr or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)  # .get: a miss must not add an empty partition to the defaultdict
        return query(_OnePartition(self, list(partition.values()) if partition else []), hash_key, *args, **kwargs)

    partitioned._zhida_partitioned = True  # type: ignore[attr-defined]
    Table.query = partitioned  # type: ignore[method-assign]


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
                _put_back(table, hash_key, range_key, before)
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
            _put_back(table, hash_key, range_key, copy.deepcopy(current))
        return update(self, table_name, key, *args, **kwargs)

    return run


def _key(table: Table, key: dict) -> tuple[DynamoType, DynamoType | None]:
    hash_key = DynamoType(key[table.hash_key_attr])
    return hash_key, DynamoType(key[table.range_key_attr]) if table.range_key_attr else None


def _put_back(table: Table, hash_key: DynamoType, range_key: DynamoType | None, before) -> None:
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


def _wrote() -> None:
    global _writes
    _writes += 1


def writes() -> int:
    """How many writes moto has applied in this process; any write, not only those that move the generation."""
    return _writes


def snapshot(table: Any) -> tuple[list[Item], int]:
    """Every item of a moto table, listed between two writes, and `writes()` then; milliseconds at 20,000 items.

    Stored items are never changed in place (see _copied_before_update), so the list may be read, and the
    items serialised, after the lock is let go, while writers carry on.
    """
    items = _moto_table(table)
    with _WRITE_LOCK:
        return list(_items(items)), _writes


def item_json(item: Item) -> dict[str, Any]:
    """One moto item in DynamoDB's typed JSON, binary values as base64 text: a line of a backup file."""
    return {name: _plain(value) for name, value in item.attrs.items()}


def expire(table: Any, now: float) -> int:
    """Delete the items whose TTL has passed, as DynamoDB does within days and moto never does; how many."""
    moto = _moto_table(table)
    attribute = moto.ttl.get("AttributeName") if moto.ttl.get("TimeToLiveStatus") == "ENABLED" else None
    if attribute is None:
        return 0
    listed, _ = snapshot(table)
    expired = [item for item in listed if _passed(item.attrs.get(attribute), now)]
    with _WRITE_LOCK:
        # an item written again since it was listed is a new one, with a TTL of its own
        expired = [item for item in expired if moto.get_item(item.hash_key, item.range_key) is item]
        for item in expired:
            _put_back(moto, item.hash_key, item.range_key, None)  # deleted, and its partition once empty
        if expired:
            _wrote()
    return len(expired)


def _moto_table(table: Any) -> Table:
    """moto's own table behind a boto3 one: moto runs in this process (mock_aws, or its threaded server)."""
    region = table.meta.client.meta.region_name
    for account in moto_dynamodb.dynamodb_backends.values():
        backend = dict.get(account, region)  # dict's get: the backend dict's own would create a missing region
        if backend is not None and table.name in backend.tables:
            return backend.tables[table.name]
    raise LookupError(f"no moto table {table.name} in {region}")


def _items(table: Table) -> Iterator[Item]:
    # list() first: moto's reads take no lock, and one that misses adds an empty partition to its defaultdict
    for stored in list(table.items.values()):
        if table.range_key_attr:
            yield from list(stored.values())
        else:
            yield stored  # type: ignore[misc]  # a table without a range key maps each key to its item


def _plain(value: DynamoType) -> dict[str, Any]:
    kind, inner = value.type, value.value
    if kind == "M":
        return {kind: {name: _plain(v) for name, v in inner.items()}}
    if kind == "L":
        return {kind: [_plain(v) for v in inner]}
    if kind == "B":
        return {kind: _base64(inner)}
    if kind == "BS":
        return {kind: [_base64(v) for v in inner]}
    return {kind: inner}


def _base64(value: str | bytes) -> str:
    # moto keeps binary values as the base64 text they arrived in; bytes only if made in process
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value


def _passed(ttl: DynamoType | None, now: float) -> bool:
    return ttl is not None and ttl.type == "N" and float(ttl.value) < now


@contextmanager
def embedded_dynamodb(stage: str = "dev") -> Iterator[str]:
    """Start moto's server on a free loopback port and point this process's environment at it."""
    # The embedded database's own request log would bury the service's.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_moto_writes_atomic()
    make_moto_queries_read_one_partition()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = dict(os.environ)
    os.environ.update(
        {
            **stage_environment(stage),
            "DYNAMODB_ENDPOINT": endpoint,
            **LOCAL_ENVIRONMENT,
            # The terminal shows the access log; the per-request JSON lines and metrics are for CloudWatch.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield endpoint
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
