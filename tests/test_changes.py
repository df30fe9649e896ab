"""The admin audit log (people/changes.py): every change said in Chinese, in the pages' words; newest first, a page
at a time; of one kind or one person's, each page one query of one partition; for admins only."""

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.errors import Forbidden
from chalicelib.people.access import Principal, Role
from chalicelib.people.changes import Change, ChangeKind, ChangeLog, ChangeParams
from chalicelib.people.directory import DepartmentFields, Directory
from chalicelib.people.identities import Identities
from chalicelib.people.keys import KeyRing
from chalicelib.people.mappings import ClaimMapping, ClaimRule
from chalicelib.people.store.changes import ChangeStore
from chalicelib.wiring import Stores
from tests.conftest import NOW
from tests.test_backup import faq_line
from tests.test_directory_changes import ADMIN_A, ADMIN_B, Ticking, desk_on, fields_of
from tools.kb.importer import import_rows, read_rows
from tools.kb.knowledge import LoadedKnowledge
from tools.kb.sync import sync_knowledge

# An ASCII word: left in a Chinese summary it must be a code, a file or a value the change itself named.
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
CJK = re.compile(r"[\u4e00-\u9fff]")
RULES = [
    ClaimRule(claim="groups", value="heating-editors", role="editor", departments=["heating-company"]),
    ClaimRule(claim="groups", value="ops", role="admin", departments=["*"]),
]


def english_in(summary: str, named: set[str]) -> list[str]:
    """The words of a summary that are English rather than a name the change carried."""
    return [word for word in ASCII_WORD.findall(summary) if word not in named]


def entries(store: Stores, **filters: Any) -> list[Change]:
    return ChangeLog(store.changes).page(ChangeParams(limit=500, **filters), ADMIN_A).items


def test_every_change_is_said_in_chinese_in_the_words_of_the_pages(
    synced_store: Stores, knowledge: LoadedKnowledge, tmp_path: Path
):
    clock = Ticking(NOW)
    desk = desk_on(synced_store, clock)
    log = ChangeLog(synced_store.changes, now=clock)
    name_of = synced_store.directory.departments().name_of
    # The directory: each step an admin takes, with its wording.
    desk.save("heating-north", DepartmentFields(name="北区供热站", parent="heating-company"), ADMIN_A)
    desk.save("water-company", fields_of(synced_store, "water-company", handles="停水、水压"), ADMIN_A)
    phone = desk.save("water-company", fields_of(synced_store, "water-company", phone="12345 转 2"), ADMIN_A)
    assert phone.pending is not None
    desk.approve("water-company", phone.pending.revision, ADMIN_B)
    desk.save("tax", fields_of(synced_store, "tax", name="市税务局"), ADMIN_A)
    desk.reject("tax", "名称不对", None, ADMIN_B)
    desk.save("gas-company", fields_of(synced_store, "gas-company", hours="24小时", parent="heating-company"), ADMIN_A)
    desk.reject("gas-company", None, None, ADMIN_A)
    desk.retire("heating-north", ADMIN_A)
    # The sign-in mapping, a key (as `kb keys` records it), a sync of the folder, an import.
    ring = KeyRing(synced_store.keys, synced_store.directory.departments)
    Identities(ring, synced_store.mappings, synced_store.directory.departments, changes=log).change_mapping(
        ClaimMapping(rules=RULES), 0, ADMIN_A
    )
    key, _ = ring.create("editor", "张三", ["heating-company", "water-company"], NOW)
    log.record(ADMIN_A, f"key:{key.key_id}", "create", ring.described(key), key.name)
    gas = knowledge.directory.get("gas-company").model_copy(update={"phone": "022-23456789"})
    folder = replace(
        knowledge,
        directory=Directory([*(d for d in knowledge.directory if d.code != "gas-company"), gas]),
        lexicon_files={**knowledge.lexicon_files, "extra.yaml": "# 备用\n"},
    )
    sync_knowledge(synced_store, folder, clock(), publish=True, operator=ADMIN_B)
    (tmp_path / "faq.jsonl").write_text(faq_line("ev-charger") + "\n", encoding="utf-8")
    import_rows(synced_store, read_rows(tmp_path / "faq.jsonl")[0], False, clock(), "faq.jsonl", operator=ADMIN_B)

    written = entries(synced_store)
    said = {(c.action, c.subject, c.subject_name): c.summary for c in reversed(written)}  # the newest of each
    heating = f"{name_of('heating-company')}（heating-company）"
    assert said["add", "department:heating-north", "北区供热站"] == f"名称：北区供热站；上级单位：{heating}"
    assert said["change", "department:water-company", name_of("water-company")].endswith(" → 停水、水压")
    water = said["approve", "department:water-company", name_of("water-company")]
    assert re.fullmatch(r"电话：.+? → 12345 转 2（管理员甲 提出）", water), water
    assert said["reject", "department:tax", name_of("tax")].endswith(
        f"名称：{name_of('tax')} → 市税务局（管理员甲 提出）；理由：名称不对"
    )
    withdrawn = said["withdraw", "department:gas-company", name_of("gas-company")]
    assert re.fullmatch(rf"办公时间：.+? → 24小时；上级单位：无 → {heating}（管理员甲 提出）", withdrawn), withdrawn
    assert said["retire", "department:heating-north", "北区供热站"] == "状态：在用 → 已撤销"
    assert said["change", "mapping:claims", None] == (
        "规则：0 条 → 2 条；新增：groups=heating-editors → 编辑（单位 heating-company）；"
        "新增：groups=ops → 管理员（全部单位）"
    )
    assert said["create", f"key:{key.key_id}", "张三"] == (
        f"持有人 张三（编辑，{name_of('heating-company')}、{name_of('water-company')}）；有效期至 2027-01-10"
    )
    assert said["sync", "directory", None] == "从 departments.yaml 写入 1 个单位：gas-company"
    assert (
        said["sync", "lexicon", None].startswith("从文件夹同步词库：") and "extra.yaml" in said["sync", "lexicon", None]
    )
    assert said["sync", "knowledge", None].startswith("文章：新增 0 篇，更新 0 篇（已发布），未变 ")
    assert said["import", "knowledge", None] == "从 faq.jsonl 导入：新增 1 篇，更新 0 篇（已提交审核），未变 0 篇"

    # Every summary written, the first sync's included: Chinese, no English word but the names it carries.
    named = {d.code for d in synced_store.directory.departments()} | set(folder.lexicon_files) | {
        "departments.yaml", "faq.jsonl", "groups", "heating-editors", "ops", "heating-north",
    }  # fmt: skip
    assert len(written) >= 14
    for change in written:
        assert CJK.search(change.summary) and not english_in(change.summary, named), change


def test_the_log_comes_newest_first_of_one_kind_or_one_persons_each_page_one_query(store: Stores):
    clock = Ticking(NOW)
    log = ChangeLog(store.changes, now=clock)
    for n in range(30):  # the many entries a filter must not walk through
        log.record(ADMIN_B, f"department:unit-{n}", "change", f"受理范围：无 → 第 {n} 项", f"单位{n}")
    log.record(ADMIN_A, "key:3f2a9c1d", "create", "持有人 张三（编辑）", "张三")
    log.record(ADMIN_A, "department:water-company", "change", "电话：无 → 12345", "市自来水集团")
    log.record(ADMIN_A, "mapping:claims", "change", "规则：0 条 → 1 条")
    log.record(ADMIN_B, "directory", "sync", "从 departments.yaml 写入 1 个单位：water-company")
    log.record(ADMIN_A, "key:3f2a9c1d", "revoke", "持有人 张三（编辑）", "张三")

    assert [c.subject for c in entries(store)][:3] == ["key:3f2a9c1d", "directory", "mapping:claims"]
    assert [c.action for c in entries(store, kind=ChangeKind.KEY)] == ["revoke", "create"]
    assert [c.subject for c in entries(store, kind=ChangeKind.SYNC)] == ["directory"]
    assert [c.subject for c in entries(store, kind=ChangeKind.DIRECTORY)][:3] == [
        "directory", "department:water-company", "department:unit-29",
    ]  # fmt: skip
    mine = entries(store, actor=ADMIN_A.identity)
    assert [c.subject for c in mine] == ["key:3f2a9c1d", "mapping:claims", "department:water-company", "key:3f2a9c1d"]
    assert [c.subject for c in entries(store, kind="directory", actor="p_a")] == ["department:water-company"]
    assert entries(store, actor="oidc:nobody") == []

    # A page of a filter is one query of its own partition: it reads what it shows and one more, never the rest.
    scanned = queries_of(store)
    log = ChangeLog(store.changes)
    first = log.page(ChangeParams(limit=1, kind=ChangeKind.KEY), ADMIN_B)
    rest = log.page(ChangeParams(limit=1, kind=ChangeKind.KEY, after=first.next), ADMIN_B)
    assert [c.action for c in first.items + rest.items] == ["revoke", "create"] and rest.next is None
    assert scanned == [2, 1]
    with pytest.raises(Forbidden):
        log.page(ChangeParams(kind=ChangeKind.KEY), Principal(Role.REVIEWER, departments=frozenset({"*"})))


def test_entries_written_before_the_filters_are_found_by_them_and_shown_as_they_were_written(store: Stores):
    old = {"at": "2025-12-01T08:00:00+00:00", "actor": "p_a", "actor_name": "管理员甲", "action": "revoke"}
    store.table.put_item(
        Item={"pk": "CHANGES", "sk": "2025-12-01T08:00:00.000000+00:00#0a0b0c0d", "subject": "key:3f2a9c1d", **old}
        | {"summary": "holder 张三 (editor)"}
    )
    ChangeLog(store.changes, now=Ticking(NOW)).record(ADMIN_B, "mapping:claims", "change", "规则：1 条 → 2 条")
    found = entries(store, kind=ChangeKind.KEY)
    assert [(c.summary, c.subject_name) for c in found] == [("holder 张三 (editor)", None)]
    assert [c.subject for c in entries(store, actor="p_a")] == ["key:3f2a9c1d"]
    assert [c.subject for c in entries(store)] == ["mapping:claims", "key:3f2a9c1d"]
    # Filed once per table: another container's first filtered page is one query, as any other.
    scanned = queries_of(store)
    assert ChangeStore(store.table).page(10, None, ChangeKind.MAPPING).items[0].summary == "规则：1 条 → 2 条"
    assert scanned == [1]


def queries_of(store: Stores) -> list[int]:
    """From now on, how many items each query of the table reads."""
    scanned: list[int] = []
    query = store.table.query

    def counted(**options: Any) -> dict[str, Any]:
        reply = query(**options)
        scanned.append(reply["ScannedCount"])
        return reply

    store.table.query = counted
    return scanned


def test_the_routes_filter_and_name_the_field_they_refuse(client: Client, synced_store: Stores):
    ring = KeyRing(synced_store.keys, synced_store.directory.departments)
    admin = {"Authorization": f"Bearer {ring.create('admin', '管理员甲', ['*'], NOW)[1]}"}
    editor = {"Authorization": f"Bearer {ring.create('editor', '王编辑', ['heating-company'], NOW)[1]}"}
    body = json.dumps({"name": "测试单位", "handles": "测试"}, ensure_ascii=False).encode("utf-8")
    headers = {**admin, "Content-Type": "application/json"}
    assert client.http.put("/api/departments/test-unit", headers=headers, body=body).status_code == 200
    me = client.http.get("/api/me", headers=admin).json_body["principal"]
    listed = client.http.get(f"/api/changes?kind=directory&actor={me}", headers=admin).json_body["changes"]
    assert [(c["subject"], c["subject_name"], c["summary"]) for c in listed] == [
        ("department:test-unit", "测试单位", "名称：测试单位；受理范围：测试")
    ]
    assert client.http.get("/api/changes?kind=key", headers=admin).json_body == {"changes": [], "next": None}
    for query, field in [("kind=people", "kind"), ("actor=a%20b", "actor"), ("limit=501", "limit")]:
        refused = client.http.get(f"/api/changes?{query}", headers=admin)
        assert refused.status_code == 400 and refused.json_body["error"]["field"] == field, query
    assert client.http.get("/api/changes?kind=directory", headers=editor).status_code == 403
