"""kb backup, restore, export and import: nothing lost on the way out and back in."""

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from chalicelib.knowledge.models.editing import EditorialState
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.people.access import Reader
from chalicelib.store.table import ensure_table
from chalicelib.wiring import Stores, stores_with_bucket
from tests.conftest import KNOWLEDGE_DIR, NOW, knowledge_service
from tools.kb.backup import RestoreRefused, backup, restore
from tools.kb.export import export_folder, export_xlsx
from tools.kb.importer import MAX_ROWS, import_rows, read_rows
from tools.kb.knowledge import article_files


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def empty_store(name: str) -> Stores:
    table = ensure_table(boto3.resource("dynamodb", region_name="cn-north-1"), name)
    return stores_with_bucket(table, boto3.client("s3", region_name="cn-north-1"))


def test_backup_restore_into_an_empty_table_then_export_equals_the_source(synced_store: Stores, tmp_path: Path):
    saved = tmp_path / "backup.jsonl"
    count = backup(synced_store.table, saved)
    assert count == len(saved.read_text(encoding="utf-8").splitlines()) > 50
    restored = empty_store("zhida-restored")
    assert restore(restored.table, saved) == count
    exported = tmp_path / "exported"
    assert export_folder(restored, exported) == len(article_files(KNOWLEDGE_DIR))
    assert tree(exported) == tree(KNOWLEDGE_DIR)


def test_a_restore_keeps_versions_audit_and_keys(synced_store: Stores, tmp_path: Path):
    from chalicelib.people.keys import KeyRing

    KeyRing(synced_store.keys, synced_store.directory.departments).create("agent", "坐席甲", ["hotline-12345"], NOW)
    backup(synced_store.table, tmp_path / "b.jsonl")
    restored = empty_store("zhida-restored")
    restore(restored.table, tmp_path / "b.jsonl")
    assert [k.name for k in restored.keys.all()] == ["坐席甲"]
    assert restored.articles.versions("heating-radiator-not-warm") == synced_store.articles.versions(
        "heating-radiator-not-warm"
    )
    assert restored.articles.audit("heating-radiator-not-warm") == synced_store.articles.audit(
        "heating-radiator-not-warm"
    )
    hits = knowledge_service(restored).search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits
    assert hits[0].id == "heating-radiator-not-warm"


def test_restore_refuses_a_table_with_data_and_a_damaged_file(synced_store: Stores, tmp_path: Path):
    saved = tmp_path / "b.jsonl"
    backup(synced_store.table, saved)
    generation = synced_store.generation()
    with pytest.raises(RestoreRefused, match="not empty"):
        restore(synced_store.table, saved)
    assert synced_store.generation() == generation
    lines = saved.read_text(encoding="utf-8").splitlines()
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join([*lines[:3], '{"pk": {"S": "x"}', *lines[3:]]), encoding="utf-8")
    empty = empty_store("zhida-restored")
    with pytest.raises(RestoreRefused, match=r"damaged\.jsonl:4:"):
        restore(empty.table, damaged)
    assert empty.table.scan()["Count"] == 0


def faq_line(row_id: str, answer: str | None = None, **extra: object) -> str:
    row = {
        "id": row_id,
        "question1": "电动车充电桩怎么申请",
        "question2": "小区里能装充电桩吗",
        "answer": answer
        or "您好，在自有或长期租用的固定车位安装充电桩，需要先取得物业出具的同意安装证明，再带上身份证、车位产权或租赁"
        "证明向供电企业申请报装；供电企业会上门勘察，符合条件的一般在规定时限内完成接电。没有固定车位的，可以使用小区或"
        "附近的公共充电设施。",
        "category": "utilities",
        "department": "city-management",
        **extra,
    }
    return json.dumps(row, ensure_ascii=False)


def test_import_checks_every_row_first_and_writes_nothing_when_one_is_bad(synced_store: Stores, tmp_path: Path):
    source = tmp_path / "faq.jsonl"
    source.write_text(
        "\n".join([faq_line("ev-charger"), faq_line("ev-short", answer="太短"), "not json", faq_line("Bad Id")]),
        encoding="utf-8",
    )
    rows, problems = read_rows(source)
    assert problems == [f"{source}:3: not valid JSON (Expecting value: line 1 column 1 (char 0))"]
    generation = synced_store.generation()
    report = import_rows(synced_store, rows, publish=False, now=NOW, source="faq.jsonl")
    assert any(p.startswith(f"{source}:2: answer 列：标准答复有") for p in report.problems), report.problems
    assert any(p.startswith(f"{source}:4: id 'Bad Id'") for p in report.problems)
    assert synced_store.generation() == generation and synced_store.articles.head("ev-charger") is None


def test_imported_rows_await_review_unless_published(synced_store: Stores, tmp_path: Path):
    source = tmp_path / "faq.jsonl"
    source.write_text(faq_line("ev-charger") + "\n", encoding="utf-8")
    rows, _ = read_rows(source)
    report = import_rows(synced_store, rows, publish=False, now=NOW, source="faq.jsonl")
    assert (report.added, report.problems) == (1, [])
    head = synced_store.articles.head("ev-charger")
    assert head is not None and head.state is EditorialState.IN_REVIEW and head.submitted_by == "kb-import"
    assert import_rows(synced_store, rows, publish=True, now=NOW, source="faq.jsonl").unchanged == 1
    changed = tmp_path / "faq2.jsonl"
    changed.write_text(faq_line("ev-charger", question3="充电桩报装找谁") + "\n", encoding="utf-8")
    assert import_rows(synced_store, read_rows(changed)[0], publish=True, now=NOW, source="faq2.jsonl").updated == 1
    hits = knowledge_service(synced_store).search(SearchParams(q="充电桩报装"), Reader.CITIZEN).hits
    assert hits[0].id == "ev-charger"


def test_an_import_batch_has_at_most_a_thousand_rows(synced_store: Stores, tmp_path: Path):
    source = tmp_path / "big.jsonl"
    source.write_text("\n".join(faq_line(f"row-{n}") for n in range(MAX_ROWS + 1)), encoding="utf-8")
    report = import_rows(synced_store, read_rows(source)[0], publish=False, now=NOW, source="big.jsonl")
    assert report.problems == [f"{source}:{MAX_ROWS + 1}: at most {MAX_ROWS} rows a batch; split the file"]


@pytest.mark.slow
def test_an_excel_export_imports_back_as_the_same_questions_and_answers(synced_store: Stores, tmp_path: Path):
    sheet = tmp_path / "faq.xlsx"
    assert export_xlsx(synced_store, sheet) == len(article_files(KNOWLEDGE_DIR))
    rows, problems = read_rows(sheet)
    assert problems == [] and len(rows) == len(article_files(KNOWLEDGE_DIR))
    heating = next(r for r in rows if r.text("id") == "heating-radiator-not-warm")
    assert heating.questions()[0] == "暖气不热怎么办" and heating.where.endswith(":row " + str(rows.index(heating) + 2))
    fresh = empty_store("zhida-imported")
    fresh.lexicon.save(synced_store.lexicon.current()[0])
    fresh.directory.save(replace(synced_store.directory.current(), generation=0))
    report = import_rows(fresh, rows, publish=True, now=dt.datetime.now(dt.UTC), source="faq.xlsx")
    assert report.problems == [] and report.added == len(rows)
    hits = knowledge_service(fresh).search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits
    assert hits[0].id == "heating-radiator-not-warm"


def test_a_restore_leaves_out_items_whose_ttl_has_passed(store: Stores, tmp_path: Path):
    now = dt.datetime.now(dt.UTC)
    store.records.add("QUERYLOG#old", {"query": "暖气"}, now - dt.timedelta(days=2), ttl_days=1)
    store.records.add("QUERYLOG#new", {"query": "暖气"}, now, ttl_days=1)
    store.records.add("FEEDBACK#kept", {"helpful": True}, now)
    backup(store.table, tmp_path / "b.jsonl")
    restored = empty_store("zhida-restored")
    assert restore(restored.table, tmp_path / "b.jsonl") == 2
    assert sorted(item["pk"] for item in restored.table.scan()["Items"]) == ["FEEDBACK#kept", "QUERYLOG#new"]
