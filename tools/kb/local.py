"""The embedded DynamoDB for local runs: moto's server on 127.0.0.1, never a real AWS account."""

import copy
import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import moto.dynamodb.models as moto_dynamodb
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer

from tools.kb.stage import stage_environment

LOCAL_REGION = "cn-north-1"


_WRITE_LOCK = threading.RLock()


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

        @functools.wraps(method)
        def atomic(self, *args, __method=method, **kwargs):
            with _WRITE_LOCK:
                return __method(self, *args, **kwargs)

        atomic._zhida_atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, atomic)


class _TablesByReference:
    """Stands in for the copy module inside moto's DynamoDB backend: tables are kept, not copied."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _undone_on_failure(transact):
    """moto's transaction, with the items it touches saved first and put back if it fails."""

    @functools.wraps(transact)
    def run(self, transact_items, *args, **kwargs):
        saved = []
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            table = self.get_table(operation["TableName"])
            key = operation.get("Key") or operation["Item"]
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        try:
            return transact(self, transact_items, *args, **kwargs)
        except Exception:
            for table, hash_key, range_key, before in reversed(saved):
                _put_back(table, hash_key, range_key, before)
            raise

    return run


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


def moto_write_lock() -> threading.RLock:
    """Held while writing; hold it to read the embedded table between writes, never half-way through one."""
    return _WRITE_LOCK


@contextmanager
def embedded_dynamodb(stage: str = "dev") -> Iterator[str]:
    """Start moto's server on a free loopback port and point this process's environment at it."""
    # The embedded database's own request log would bury the service's.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_moto_writes_atomic()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = dict(os.environ)
    os.environ.update(
        {
            **stage_environment(stage),
            "DYNAMODB_ENDPOINT": endpoint,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            # moto accepts any credentials; fixed ones keep a developer's real keys out of the local run.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield endpoint
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
