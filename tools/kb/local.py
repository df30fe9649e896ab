"""The embedded DynamoDB for local runs: moto's server on 127.0.0.1, never a real AWS account."""

import base64
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import moto.dynamodb.models as moto_dynamodb
from boto3.dynamodb.types import TypeSerializer
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer

from tools.kb.moto_fixes import (
    WRITE_LOCK,
    all_items,
    make_moto_queries_read_one_partition,
    make_moto_writes_atomic,
    put_back,
    writes,
    wrote,
)
from tools.kb.stage import stage_environment

LOCAL_REGION = "cn-north-1"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# moto accepts any region and credentials; fixed ones keep a developer's real keys out of the local run.
LOCAL_ENVIRONMENT = {"AWS_DEFAULT_REGION": LOCAL_REGION, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def is_local(endpoint: str | None) -> bool:
    """Whether the endpoint is a DynamoDB on this machine (the embedded one)."""
    return bool(endpoint) and urlparse(endpoint).hostname in LOCAL_HOSTS


def snapshot(table: Any) -> tuple[list[Item], int]:
    """Every item of a moto table, listed between two writes, and `writes()` then; milliseconds at 20,000 items.

    Stored items are never changed in place (see _copied_before_update), so the list may be read, and the
    items serialised, after the lock is let go, while writers carry on.
    """
    items = _moto_table(table)
    with WRITE_LOCK:
        return list(all_items(items)), writes()


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
    with WRITE_LOCK:
        # an item written again since it was listed is a new one, with a TTL of its own
        expired = [item for item in expired if moto.get_item(item.hash_key, item.range_key) is item]
        for item in expired:
            put_back(moto, item.hash_key, item.range_key, None)  # deleted, and its partition once empty
        if expired:
            wrote()
    return len(expired)


def put_items(table: Any, items: Iterable[dict[str, Any]]) -> int:
    """Typed items (`{"S": …}`, binary values as bytes) straight into the moto table in this process, through
    moto's own put_item: no HTTP, botocore or request parsing in between. 0.06 ms an item where a
    BatchWriteItem through the local server took 0.6 ms: `kb serve` restoring a centre's million items, and
    `kb demo-traffic` at a centre's scale, in about a minute. Only ever for the embedded DynamoDB."""
    backend = _moto_backend(table)
    count = 0
    for item in items:
        backend.put_item(table.name, item)  # binary values as bytes, as moto keeps those a request brings
        count += 1
    return count


@contextmanager
def writing_directly(table: Any) -> Iterator[None]:
    """Within it, the boto3 table's batch writer (the stores' bulk writes) puts and deletes through put_items and
    moto's own delete_item; every other call goes as before."""
    backend = _moto_backend(table)
    serializer = TypeSerializer()

    class DirectBatch:
        def __enter__(self) -> "DirectBatch":
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803 - boto3's keyword
            put_items(table, [{name: serializer.serialize(value) for name, value in Item.items()}])

        def delete_item(self, Key: dict[str, Any]) -> None:  # noqa: N803 - boto3's keyword
            backend.delete_item(table.name, {name: serializer.serialize(value) for name, value in Key.items()})

    table.batch_writer = lambda **_: DirectBatch()
    try:
        yield
    finally:
        del table.batch_writer


def _moto_table(table: Any) -> Table:
    """moto's own table behind a boto3 one: moto runs in this process (mock_aws, or its threaded server)."""
    return _moto_backend(table).tables[table.name]


def _moto_backend(table: Any) -> DynamoDBBackend:
    region = table.meta.client.meta.region_name
    for account in moto_dynamodb.dynamodb_backends.values():
        backend = dict.get(account, region)  # dict's get: the backend dict's own would create a missing region
        if backend is not None and table.name in backend.tables:
            return backend
    raise LookupError(f"no moto table {table.name} in {region}")


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
