"""The local run's data: in its file soon after any write, without holding writers up; TTL honoured."""

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from chalicelib.people.keys import KeyRing
from chalicelib.store.table import ensure_table
from chalicelib.wiring import Stores, stores_with_bucket
from tests.conftest import NOW, TABLE_NAME
from tools.kb import local, serve
from tools.kb.backup import backup, read_backup, restore
from tools.kb.serve import DataFile


def put(item: dict[str, Any]) -> None:
    """A plain PutItem in DynamoDB's typed JSON, from its own client: callable from any thread."""
    boto3.client("dynamodb", region_name="cn-north-1").put_item(TableName=TABLE_NAME, Item=item)


def saved(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(item["pk"]["S"], item["sk"]["S"]): item for item in read_backup(path)}


def test_a_write_goes_ahead_while_the_data_file_is_written(
    store: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    put({"pk": {"S": "BEFORE"}, "sk": {"S": "1"}})
    writer_finished = []
    real_write = serve.write_backup

    def write_with_a_writer_meanwhile(lines, path):
        writer = threading.Thread(target=put, args=({"pk": {"S": "MEANWHILE"}, "sk": {"S": "1"}},))
        writer.start()
        writer.join(timeout=30)  # a save that held the write lock would keep the writer waiting past this
        writer_finished.append(not writer.is_alive())
        return real_write(lines, path)

    monkeypatch.setattr(serve, "write_backup", write_with_a_writer_meanwhile)
    data = DataFile(store.table, tmp_path / "local.jsonl")
    data.save()
    assert writer_finished == [True]
    assert set(saved(data.path)) == {("BEFORE", "1")}  # the table as it was when the save began
    assert data.save_if_written() and set(saved(data.path)) == {("BEFORE", "1"), ("MEANWHILE", "1")}


def test_an_update_never_changes_an_item_a_save_has_listed(store: Stores, tmp_path: Path):
    """moto changes an updated item in place; the items a save has listed must not change under it."""
    put({"pk": {"S": "COUNT"}, "sk": {"S": "1"}, "hits": {"N": "1"}, "seen": {"M": {"by": {"L": [{"S": "甲"}]}}}})
    items, _ = local.snapshot(store.table)
    store.table.update_item(
        Key={"pk": "COUNT", "sk": "1"},
        UpdateExpression="ADD hits :one SET seen.#by = list_append(seen.#by, :who)",
        ExpressionAttributeNames={"#by": "by"},
        ExpressionAttributeValues={":one": 1, ":who": ["乙"]},
    )
    assert [local.item_json(item) for item in items] == [
        {"pk": {"S": "COUNT"}, "sk": {"S": "1"}, "hits": {"N": "1"}, "seen": {"M": {"by": {"L": [{"S": "甲"}]}}}}
    ]
    data = DataFile(store.table, tmp_path / "local.jsonl")
    data.save()
    assert saved(data.path)[("COUNT", "1")]["seen"] == {"M": {"by": {"L": [{"S": "甲"}, {"S": "乙"}]}}}


def test_feedback_and_a_new_key_are_saved_though_the_generation_stays(
    synced_store: Stores, client: Any, tmp_path: Path
):
    data = DataFile(synced_store.table, tmp_path / "local.jsonl")
    assert data.save_if_written() and not data.save_if_written()  # nothing written since
    generation = synced_store.generation()
    rated = client.http.post(
        "/api/feedback",
        headers={"Content-Type": "application/json"},
        body='{"article_id": "heating-radiator-not-warm", "helpful": false}',
    )
    assert rated.status_code == 201
    KeyRing(synced_store.keys, synced_store.directory.departments).create("agent", "坐席甲", ["hotline-12345"], NOW)
    assert synced_store.generation() == generation
    assert data.save_if_written()
    next_table = ensure_table(boto3.resource("dynamodb", region_name="cn-north-1"), "zhida-next-run")
    next_run = stores_with_bucket(next_table, boto3.client("s3", region_name="cn-north-1"))
    restore(next_run.table, data.path)
    assert [k.name for k in next_run.keys.all()] == ["坐席甲"]
    assert [record["helpful"] for record in next_run.records.all("FEEDBACK#heating-radiator-not-warm")] == [False]


def test_the_data_file_is_a_kb_backup_file_byte_for_byte(synced_store: Stores, tmp_path: Path):
    put(
        {
            "pk": {"S": "BINARY"},
            "sk": {"S": "1"},
            "b": {"B": b"\x00\xff"},
            "bs": {"BS": [b"\x01"]},
            "m": {"M": {"B": {"S": "a map's attribute named B"}, "n": {"NULL": True}}},
            "ss": {"SS": ["a"]},
        }
    )
    data = DataFile(synced_store.table, tmp_path / "local.jsonl")
    data.save()
    backup(synced_store.table, tmp_path / "backup.jsonl")
    lines = data.path.read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted((tmp_path / "backup.jsonl").read_text(encoding="utf-8").splitlines())
    assert saved(data.path)[("BINARY", "1")]["bs"] == {"BS": [b"\x01"]}


def test_items_whose_ttl_has_passed_are_deleted_and_the_rest_kept(store: Stores):
    now = time.time()
    put({"pk": {"S": "RATE#x"}, "sk": {"S": "old"}, "ttl": {"N": str(int(now) - 1)}})
    put({"pk": {"S": "RATE#x"}, "sk": {"S": "new"}, "ttl": {"N": str(int(now) + 60)}})
    put({"pk": {"S": "RATE#x"}, "sk": {"S": "text"}, "ttl": {"S": "1"}})  # DynamoDB expires numbers only
    put({"pk": {"S": "KEY#x"}, "sk": {"S": "none"}})
    writes = local.writes()
    assert local.expire(store.table, now) == 1
    assert local.writes() > writes  # so the data file loses it too
    left = {item["sk"] for item in store.table.scan()["Items"]}
    assert left == {"new", "text", "none"}
    assert local.expire(store.table, now) == 0


def test_a_restore_straight_into_moto_gives_the_table_a_restore_through_the_api_gives(
    synced_store: Stores, tmp_path: Path
):
    """kb serve restores a centre's million items through moto's own put_item: the same items, binary ones
    (the index snapshot) included, as BatchWriteItem would have written."""
    first, second = tmp_path / "through-the-api.jsonl", tmp_path / "straight.jsonl"
    backup(synced_store.table, tmp_path / "synced.jsonl")
    restored = []
    for target, write, path in [("api", None, first), ("straight", local.put_items, second)]:
        table = ensure_table(boto3.resource("dynamodb", region_name="cn-north-1"), target)
        restored.append(restore(table, tmp_path / "synced.jsonl", write=write))
        backup(table, path)
    assert restored[0] == restored[1] > 100
    assert saved(second) == saved(first)
    assert any("B" in value for item in saved(second).values() for value in item.values())


def test_the_stores_bulk_writes_straight_into_moto_read_back_as_through_the_api(store: Stores):
    from chalicelib.desk.store.log import LoggedSearch

    day = NOW.date()
    searches = [LoggedSearch(f"问题{n}", n % 2 == 0, None, 0, "agent", "c", NOW) for n in range(30)]
    with local.writing_directly(store.table):
        store.desk_log.log_searches(day, searches, 180)
        store.records.add_many("BLOBS", [(NOW, {"data": b"\x00\xffbinary"})], None)
    assert sorted(s.query for s in store.desk_log.searches(day)) == sorted(s.query for s in searches)
    assert [r.record["data"] for r in store.records.between("BLOBS", NOW, NOW + dt.timedelta(seconds=1))] == [
        b"\x00\xffbinary"
    ]
    assert not hasattr(store.table, "batch_writer") or "DirectBatch" not in repr(store.table.batch_writer())


@pytest.mark.parametrize("forward", [True, False])
def test_a_range_query_over_pages_of_one_partition_returns_what_dynamodb_would(store: Stores, forward: bool):
    """The embedded DynamoDB prunes a partition by the sort-key condition and the start key before moto looks at
    it (tools/kb/local.py): over several 1 MB pages, every item in the range once, in order, and no other."""
    filler = "字" * 400  # about 1.2 kB an item: 2,000 of them are three pages
    with store.table.batch_writer() as batch:
        for n in range(2000):
            batch.put_item(Item={"pk": "P", "sk": f"{n:05d}", "filler": filler})
        batch.put_item(Item={"pk": "Q", "sk": "00100", "filler": filler})
    condition = Key("pk").eq("P") & Key("sk").between("00100", "01899")
    keys, pages, options = [], 0, {"KeyConditionExpression": condition, "ScanIndexForward": forward}
    while True:
        page = store.table.query(**options)
        keys += [item["sk"] for item in page["Items"]]
        pages += 1
        if "LastEvaluatedKey" not in page:
            break
        options["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    expected = [f"{n:05d}" for n in range(100, 1900)]
    assert pages >= 2 and keys == (expected if forward else expected[::-1])
    prefix = store.table.query(KeyConditionExpression=Key("pk").eq("P") & Key("sk").begins_with("0019"))
    assert [item["sk"] for item in prefix["Items"]] == [f"{n:05d}" for n in range(190, 200)]
