"""kb backup / kb restore: every item of the table as JSON lines, and back into an empty table."""

import base64
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import boto3


class RestoreRefused(Exception):
    """The backup file is not usable, or the table is not empty; nothing was written."""


def _typed_client(table: Any) -> Any:
    """A plain client beside the table's: the resource's own client turns typed values into Python ones."""
    meta = table.meta.client.meta
    return boto3.client("dynamodb", region_name=meta.region_name, endpoint_url=meta.endpoint_url)


def table_items(table: Any) -> Iterator[dict[str, Any]]:
    """Every item, in DynamoDB's own typed JSON ({"S": …}, {"N": …}, {"B": bytes}), page after page."""
    client = _typed_client(table)
    for page in client.get_paginator("scan").paginate(TableName=table.name, ConsistentRead=True):
        yield from page["Items"]


def write_items(table: Any, items: Iterable[dict[str, Any]]) -> int:
    """Put typed items in batches of 25 (DynamoDB's limit), resending whatever it leaves unprocessed."""
    client = _typed_client(table)
    batch: list[dict[str, Any]] = []
    written = 0

    def flush() -> None:
        requests = {table.name: [{"PutRequest": {"Item": item}} for item in batch]}
        while requests:
            requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        batch.clear()

    for item in items:
        batch.append(item)
        written += 1
        if len(batch) == 25:
            flush()
    if batch:
        flush()
    return written


def backup(table: Any, path: Path) -> int:
    """Write every item to a JSON-lines file; the file is replaced only once it is complete."""
    return write_backup((backup_line(item_to_json(item)) for item in table_items(table)), path)


def backup_line(item: dict[str, Any]) -> str:
    """One line of a backup file, from an item in typed JSON whose binary values are already base64 text."""
    return json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"


def write_backup(lines: Iterable[str], path: Path) -> int:
    """Write a backup file's lines to `path`, replacing it only once the new one is complete; how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line)
            count += 1
    os.replace(partial, path)
    return count


def read_backup(path: Path) -> list[dict[str, Any]]:
    """Every item of a backup file, checked first; RestoreRefused names the line of the first bad one."""
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise RestoreRefused(f"{path}: cannot read it ({error})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = _from_json(json.loads(line))
        except (ValueError, TypeError, AttributeError) as error:
            raise RestoreRefused(f"{path}:{number}: not a backed-up item ({error})") from None
        if not isinstance(item.get("pk"), dict) or not isinstance(item.get("sk"), dict):
            raise RestoreRefused(f"{path}:{number}: an item needs the keys pk and sk")
        items.append(item)
    return items


def restore(table: Any, path: Path, write: Callable[[Any, Iterable[dict[str, Any]]], int] | None = None) -> int:
    """Load a backup into an empty table; a table that holds anything is left alone. `write` puts the items
    (BatchWriteItem by default; the embedded DynamoDB has a faster way, tools/kb/local.put_items).

    Items whose TTL has passed are left out: DynamoDB would delete them anyway, and moto (kb serve) never would.
    """
    items = read_backup(path)
    client = _typed_client(table)
    if client.scan(TableName=table.name, Limit=1, Select="COUNT")["Count"]:
        raise RestoreRefused(f"table {table.name} is not empty: restore only into a new, empty table")
    ttl = client.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        now = time.time()
        items = [item for item in items if not _expired(item.get(ttl["AttributeName"]), now)]
    return (write or write_items)(table, items)


def _expired(ttl: Any, now: float) -> bool:
    """DynamoDB's rule: a number of epoch seconds in the past; any other value never expires."""
    try:
        return float(ttl["N"]) < now
    except (TypeError, KeyError, ValueError):
        return False


def item_to_json(item: dict[str, Any]) -> dict[str, Any]:
    """A typed item as JSON: binary values (B, BS) become base64 text; a map's attribute may be named "B" too."""
    return {name: _value_to_json(value) for name, value in item.items()}


def _value_to_json(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {kind: base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {kind: [base64.b64encode(v).decode("ascii") for v in inner]}
    if kind == "M":
        return {kind: item_to_json(inner)}
    if kind == "L":
        return {kind: [_value_to_json(v) for v in inner]}
    return {kind: inner}


def _from_json(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _value_from_json(value) for name, value in item.items()}


def _value_from_json(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {kind: base64.b64decode(inner, validate=True)}
    if kind == "BS":
        return {kind: [base64.b64decode(v, validate=True) for v in inner]}
    if kind == "M":
        return {kind: _from_json(inner)}
    if kind == "L":
        return {kind: [_value_from_json(v) for v in inner]}
    return {kind: inner}
