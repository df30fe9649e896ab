"""kb backup / kb restore: every item of the table as JSON lines, and back into an empty table."""

import base64
import json
import os
from collections.abc import Iterable, Iterator
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
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as out:
        for item in table_items(table):
            out.write(json.dumps(_to_json(item), ensure_ascii=False, sort_keys=True) + "\n")
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


def restore(table: Any, path: Path) -> int:
    """Load a backup into an empty table; a table that holds anything is left alone."""
    items = read_backup(path)
    if _typed_client(table).scan(TableName=table.name, Limit=1, Select="COUNT")["Count"]:
        raise RestoreRefused(f"table {table.name} is not empty: restore only into a new, empty table")
    return write_items(table, items)


def _to_json(value: Any) -> Any:
    """Typed items as JSON: binary values become base64 text under their "B" type."""
    if isinstance(value, dict):
        return {k: base64.b64encode(v).decode("ascii") if k == "B" else _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: base64.b64decode(v, validate=True) if k == "B" else _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value
