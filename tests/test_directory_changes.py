"""The department directory changes with a person, an audit entry, and a second admin for what citizens see."""

import datetime as dt
import json
import time
from dataclasses import replace
from urllib.parse import quote

import pytest
from chalice.test import Client
from pydantic import ValidationError

from chalicelib.errors import Conflict, Forbidden, InvalidInput, PreconditionRequired
from chalicelib.people.access import Principal, Reader, Role
from chalicelib.people.changes import ChangeLog, ChangeParams
from chalicelib.people.departments import DirectoryDesk
from chalicelib.people.directory import Department, DepartmentFields, Directory, directory_yaml, parse_directory
from chalicelib.people.keys import KeyRing
from chalicelib.wiring import Stores
from tests.conftest import NOW, Clock, knowledge_service

ADMIN_A = Principal(Role.ADMIN, "管理员甲", frozenset({"*"}), principal_id="p_a")
ADMIN_B = Principal(Role.ADMIN, "管理员乙", frozenset({"*"}), principal_id="p_b")


class Ticking(Clock):
    """A clock a second later at each reading, so that audit entries made in a row sort in the order made."""

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> Ticking:
    return Ticking()


def desk_on(store: Stores, clock: Clock) -> DirectoryDesk:
    """The directory's use cases on a test's table, reading the directory straight from it."""
    return DirectoryDesk(
        store.directory, store.directory.departments, ChangeLog(store.changes, now=clock), store.keys, now=clock
    )


def fields_of(store: Stores, code: str, **changed: str | None) -> DepartmentFields:
    """A department's editable fields as stored, with some changed: what the directory form sends."""
    department = store.directory.departments().get(code)
    assert department is not None
    kept = department.model_dump(include=set(DepartmentFields.model_fields))
    return DepartmentFields(**{**kept, **changed})


def log_of(store: Stores) -> list[tuple[str, str, str]]:
    """(action, subject, who) of every audit entry, newest first."""
    entries = ChangeLog(store.changes).page(ChangeParams(limit=500), ADMIN_A).items
    return [(c.action, c.subject, c.actor_name) for c in entries]


def test_a_retired_department_is_kept_in_the_file_and_nothing_live_may_sit_under_it():
    directory = Directory(
        [Department(code="old-office", name="旧办公室", retired=True), Department(code="city", name="市政府")]
    )
    text = directory_yaml(directory)
    assert "retired: true" in text and text.count("retired") == 1  # no `retired: false` for the others
    assert parse_directory(text) == directory
    assert directory.dispatch("old-office") is None and directory.name_of("old-office") == "旧办公室"
    under = Directory([*directory, Department(code="old-office-desk", name="旧办公室前台", parent="old-office")])
    assert under.problems() == ["old-office-desk: parent 'old-office' is retired"]


@pytest.mark.parametrize("phone", ["12345 转 2", "12345转2", "022-12345678 转 8001", "022-12345678-8001"])
def test_a_phone_may_carry_an_extension_and_is_kept_as_typed(phone: str):
    assert DepartmentFields(name="市公交集团", phone=phone).phone == phone
    read = parse_directory(f"- code: bus-company\n  name: 市公交集团\n  phone: {phone}\n")  # unquoted, as people write
    assert read.get("bus-company").phone == phone
    assert parse_directory(directory_yaml(read)) == read  # exported and read back unchanged


@pytest.mark.parametrize("phone", ["转 2", "12345 转", "12345 ext 2", "12345 转 二", "12345 转 1234567", "电话12345"])
def test_a_phone_that_is_not_a_number_with_an_extension_is_refused(phone: str):
    with pytest.raises(ValidationError, match="phone"):
        DepartmentFields(name="市公交集团", phone=phone)


def test_an_approved_extension_is_what_agents_see_at_dispatch(synced_store: Stores, clock: Clock):
    desk = desk_on(synced_store, clock)
    pending = desk.save("water-company", fields_of(synced_store, "water-company", phone="12345 转 2"), ADMIN_A).pending
    assert pending is not None
    desk.approve("water-company", pending.revision, ADMIN_B)
    view = knowledge_service(synced_store).article("water-outage-repair", Reader.AGENT)
    assert view.dispatch is not None and view.dispatch.phone == "12345 转 2"


# ---- the rule, on the service


def test_a_new_department_and_what_one_handles_apply_at_once_each_with_an_audit_entry(
    synced_store: Stores, clock: Clock
):
    desk = desk_on(synced_store, clock)
    added = desk.save("heating-company-north", DepartmentFields(name="北区供热站", parent="heating-company"), ADMIN_A)
    assert added.pending is None and added.department.parent == "heating-company"
    handles = fields_of(synced_store, "water-company", handles="停水、水压、水质、水表")
    assert desk.save("water-company", handles, ADMIN_A).pending is None
    assert synced_store.directory.departments().get("water-company").handles == "停水、水压、水质、水表"
    assert log_of(synced_store)[:2] == [
        ("change", "department:water-company", "管理员甲"),
        ("add", "department:heating-company-north", "管理员甲"),
    ]
    latest = ChangeLog(synced_store.changes).page(ChangeParams(limit=1), ADMIN_A).items[0]
    assert (
        latest.actor == "p_a"
        and latest.summary.startswith("受理范围：")
        and latest.summary.endswith(" → 停水、水压、水质、水表")
    )


def test_a_phone_change_waits_for_another_admin_and_applies_when_they_approve_what_they_read(
    synced_store: Stores, clock: Clock
):
    desk = desk_on(synced_store, clock)
    before = synced_store.directory.departments().get("water-company")
    saved = desk.save("water-company", fields_of(synced_store, "water-company", phone="022-88886666"), ADMIN_A)
    assert saved.pending is not None and saved.department == before  # citizens still see the old number
    assert synced_store.directory.departments().get("water-company") == before
    assert [(c.field, c.before, c.after) for c in saved.pending.changes] == [("phone", before.phone, "022-88886666")]
    assert [p.code for p in desk.proposals(ADMIN_B)] == ["water-company"]

    with pytest.raises(Forbidden, match="需由另一位管理员确认"):
        desk.approve("water-company", saved.pending.revision, ADMIN_A)
    with pytest.raises(PreconditionRequired):
        desk.approve("water-company", None, ADMIN_B)
    approved = desk.approve("water-company", saved.pending.revision, ADMIN_B)
    assert approved.phone == "022-88886666" == synced_store.directory.departments().get("water-company").phone
    assert desk.proposals(ADMIN_B) == []
    assert log_of(synced_store)[:2] == [
        ("approve", "department:water-company", "管理员乙"),
        ("propose", "department:water-company", "管理员甲"),
    ]


def test_approving_a_proposal_that_changed_since_it_was_read_is_a_conflict(synced_store: Stores, clock: Clock):
    desk = desk_on(synced_store, clock)
    first = desk.save("gas-company", fields_of(synced_store, "gas-company", hours="24小时"), ADMIN_A).pending
    # The proposer changes their mind after B loaded the first proposal: B's approval names what B read.
    second = desk.save("gas-company", fields_of(synced_store, "gas-company", hours="8:00-20:00"), ADMIN_A).pending
    assert first and second and second.revision > first.revision
    with pytest.raises(Conflict) as stale:
        desk.approve("gas-company", first.revision, ADMIN_B)
    assert stale.value.details["revision"] == second.revision
    assert synced_store.directory.departments().get("gas-company").hours != "8:00-20:00"
    # A settled proposal's revision is never issued again: a new proposal is not approved by an old If-Match.
    desk.reject("gas-company", "不对", second.revision, ADMIN_B)
    third = desk.save("gas-company", fields_of(synced_store, "gas-company", hours="8:00-20:00"), ADMIN_A).pending
    assert third and third.revision not in (first.revision, second.revision)
    with pytest.raises(Conflict):
        desk.approve("gas-company", second.revision, ADMIN_B)
    assert desk.approve("gas-company", third.revision, ADMIN_B).hours == "8:00-20:00"


def test_re_parenting_changes_what_editors_cover_only_with_a_second_admin(synced_store: Stores, clock: Clock):
    desk = desk_on(synced_store, clock)
    moved = fields_of(synced_store, "bus-company", parent="city-management")
    pending = desk.save("bus-company", moved, ADMIN_A).pending
    assert pending and [c.field for c in pending.changes] == ["parent"]
    covered = synced_store.directory.departments().with_descendants(["city-management"])
    assert "bus-company" not in covered  # a city-management editor does not yet cover the bus company
    desk.approve("bus-company", pending.revision, ADMIN_B)
    assert "bus-company" in synced_store.directory.departments().with_descendants(["city-management"])
    with pytest.raises(InvalidInput):  # a cycle is refused when proposed, as before
        desk.save("city-management", fields_of(synced_store, "city-management", parent="bus-company"), ADMIN_A)


def test_one_change_waits_per_department_and_its_proposer_may_withdraw_it(synced_store: Stores, clock: Clock):
    desk = desk_on(synced_store, clock)
    pending = desk.save("tax", fields_of(synced_store, "tax", name="国家税务总局本市税务局"), ADMIN_A).pending
    assert pending is not None
    with pytest.raises(Conflict, match="管理员甲"):
        desk.save("tax", fields_of(synced_store, "tax", hours="24小时"), ADMIN_B)
    # What a department handles still changes at once beside the pending change.
    assert desk.save("tax", fields_of(synced_store, "tax", handles="税费"), ADMIN_B).pending == pending
    assert desk.reject("tax", None, None, ADMIN_A).name == synced_store.directory.departments().name_of("tax")
    assert desk.proposals(ADMIN_A) == [] and log_of(synced_store)[0][0] == "withdraw"


def test_an_approval_refused_when_the_field_moved_since_it_was_proposed(synced_store: Stores, clock: Clock):
    desk = desk_on(synced_store, clock)
    pending = desk.save("bus-company", fields_of(synced_store, "bus-company", phone="022-12345678"), ADMIN_A).pending
    stored = synced_store.directory.current()
    bus = stored.directory.get("bus-company").model_copy(update={"phone": "022-87654321"})  # a sync, say
    synced_store.directory.save(replace(stored, directory=Directory([*stored.directory, bus])))
    with pytest.raises(Conflict, match="电话已被改过"):
        desk.approve("bus-company", pending.revision, ADMIN_B)


def test_the_audit_log_is_for_admins_only(synced_store: Stores):
    log = ChangeLog(synced_store.changes)
    for role in (Role.AGENT, Role.EDITOR, Role.REVIEWER):
        with pytest.raises(Forbidden):
            log.page(ChangeParams(), Principal(role, departments=frozenset({"heating-company"})))
    entry = log.record(ADMIN_A, "key:3f2a9c1d", "revoke", "持有人 张三（编辑）", "张三")
    assert log.page(ChangeParams(limit=1), ADMIN_B).items == [entry]


# ---- the routes


@pytest.fixture
def admins(synced_store: Stores) -> dict[str, dict[str, str]]:
    """Authorization headers: two admins, an editor of heating-company, a reviewer, an agent."""
    ring = KeyRing(synced_store.keys, synced_store.directory.departments)
    people = {
        "admin": ("admin", "管理员甲", ["*"]),
        "admin2": ("admin", "管理员乙", ["*"]),
        "editor": ("editor", "王编辑", ["heating-company"]),
        "reviewer": ("reviewer", "李审核", ["heating-company"]),
        "agent": ("agent", "孙坐席", ["hotline-12345"]),
    }
    return {
        who: {"Authorization": f"Bearer {ring.create(role, name, codes, NOW)[1]}"}
        for who, (role, name, codes) in people.items()
    }


def send(client: Client, method: str, path: str, headers: dict[str, str], body: object | None = None):
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
    return getattr(client.http, method.lower())(
        path, headers={"Content-Type": "application/json", **headers}, body=data
    )


def department_fields(client: Client, code: str, **changed: str | None) -> dict[str, str | None]:
    listed = send(client, "GET", "/api/departments", {}).json_body["departments"]
    found = next(d for d in listed if d["code"] == code)
    return {**{k: v for k, v in found.items() if k in DepartmentFields.model_fields}, **changed}


def test_a_renamed_department_reaches_articles_only_after_a_second_admin_approves(client: Client, admins):
    change = department_fields(client, "water-company", name="市自来水集团客户服务中心", hours="全天 24 小时")
    saved = send(client, "PUT", "/api/departments/water-company", admins["admin"], change)
    assert saved.status_code == 200 and saved.json_body["department"]["name"] != "市自来水集团客户服务中心"
    pending = saved.json_body["pending"]
    assert pending["proposed_by_name"] == "管理员甲" and {c["field"] for c in pending["changes"]} == {"name", "hours"}
    listed = send(client, "GET", "/api/department-proposals", admins["admin2"]).json_body["proposals"]
    assert [p["code"] for p in listed] == ["water-company"]

    approve = "/api/department-proposals/water-company/approve"
    read = {"If-Match": f'"{pending["revision"]}"'}
    assert send(client, "POST", approve, admins["admin2"]).status_code == 428
    own = send(client, "POST", approve, {**admins["admin"], **read})
    assert own.status_code == 403 and "另一位管理员" in own.json_body["error"]["message"]
    stale = send(client, "POST", approve, {**admins["admin2"], "If-Match": f'"{pending["revision"] - 1}"'})
    assert stale.status_code == 409 and stale.json_body["error"]["revision"] == pending["revision"]
    for who, status in [("reviewer", 403), ("editor", 403), ("agent", 403)]:
        assert send(client, "POST", approve, {**admins[who], **read}).status_code == status, who
    approved = send(client, "POST", approve, {**admins["admin2"], **read})
    assert approved.status_code == 200 and approved.json_body["name"] == "市自来水集团客户服务中心"
    for _ in range(50):  # a warm container notices the change at its next freshness check (about a second)
        after = send(client, "GET", "/api/articles/water-outage-repair", admins["agent"]).json_body
        if after["department_name"] == "市自来水集团客户服务中心":
            break
        time.sleep(0.1)
    assert after["department_name"] == "市自来水集团客户服务中心" and after["dispatch"]["hours"] == "全天 24 小时"
    assert send(client, "POST", approve, {**admins["admin2"], **read}).status_code == 404  # settled
    article = "/api/articles/water-outage-repair"
    draft = send(client, "GET", f"{article}/draft", admins["admin"]).json_body["markdown"]
    assert draft == send(client, "GET", f"{article}/versions/1", admins["admin"]).json_body["markdown"]  # no text


def test_retiring_is_refused_while_anything_names_the_department_and_allowed_after(client: Client, admins):
    busy = send(client, "DELETE", "/api/departments/heating-company", admins["admin"])
    assert busy.status_code == 409
    message = busy.json_body["error"]["message"]
    assert "下级单位 heating-company-office" in message and "文章 heating-temperature-complaint" in message
    assert "API 密钥 王编辑" in message  # the editor's key names it
    assert "转介" in send(client, "DELETE", "/api/departments/tax", admins["admin"]).json_body["error"]["message"]
    assert send(client, "DELETE", "/api/departments/nowhere", admins["admin"]).status_code == 404
    assert send(client, "DELETE", "/api/departments/tax", admins["editor"]).status_code == 403

    east = "/api/departments/heating-company-east"
    assert send(client, "PUT", east, admins["admin"], {"name": "东区供热站"}).status_code == 200
    rule = {"claim": "groups", "value": "east-staff", "role": "editor", "departments": ["heating-company-east"]}
    mapped = send(client, "PUT", "/api/sign-in/mapping", {**admins["admin"], "If-Match": '"0"'}, {"rules": [rule]})
    assert mapped.status_code == 200
    named = send(client, "DELETE", east, admins["admin"])
    assert named.status_code == 409 and "登录映射 groups=east-staff" in named.json_body["error"]["message"]

    path = "/api/departments/heating-company-west"
    added = send(client, "PUT", path, admins["admin"], {"name": "西区供热站", "parent": "heating-company"})
    assert added.status_code == 200 and added.json_body["pending"] is None
    retired = send(client, "DELETE", path, admins["admin"])
    assert retired.status_code == 200 and retired.json_body["retired"] is True
    assert send(client, "PUT", path, admins["admin"], {"name": "西区供热站"}).status_code == 409  # kept, not revived
    for _ in range(50):  # the reading copy follows within about a second
        listed = {d["code"]: d for d in send(client, "GET", "/api/departments", {}).json_body["departments"]}
        if listed.get("heating-company-west", {}).get("retired"):
            break
        time.sleep(0.1)
    assert listed["heating-company-west"]["name"] == "西区供热站" and listed["heating-company-west"]["retired"]
    under = send(
        client,
        "PUT",
        "/api/departments/heating-company-west-1",
        admins["admin"],
        {
            "name": "西区一站",
            "parent": "heating-company-west",
        },
    )
    assert under.status_code == 400 and "retired" in under.json_body["error"]["message"]
    actions = [
        (c["action"], c["subject"]) for c in send(client, "GET", "/api/changes", admins["admin"]).json_body["changes"]
    ]
    assert actions[:2] == [("retire", "department:heating-company-west"), ("add", "department:heating-company-west")]


def test_the_audit_log_is_paged_newest_first_for_admins_only(client: Client, admins):
    for n in range(5):
        body = {"name": f"测试单位{n}", "handles": "测试"}
        assert send(client, "PUT", f"/api/departments/test-unit-{n}", admins["admin"], body).status_code == 200
    first = send(client, "GET", "/api/changes?limit=3", admins["admin2"]).json_body
    rest = send(client, "GET", "/api/changes?limit=3&after=" + quote(first["next"]), admins["admin2"]).json_body
    subjects = [c["subject"] for c in first["changes"] + rest["changes"]]
    assert subjects[:5] == [f"department:test-unit-{n}" for n in range(4, -1, -1)]
    assert first["changes"][0]["actor_name"] == "管理员甲" and first["changes"][0]["action"] == "add"
    renamed = send(client, "PUT", "/api/departments/test-unit-0", admins["admin"], {"name": "测试单位甲"})
    reject = "/api/department-proposals/test-unit-0/reject"
    assert send(client, "POST", reject, {**admins["admin2"], "If-Match": '"1"'}, {}).status_code == 409
    rejected = send(client, "POST", reject, admins["admin2"], {"note": "名称不对"})
    assert rejected.status_code == 200 and rejected.json_body["name"] == "测试单位0" and renamed.json_body["pending"]
    latest = send(client, "GET", "/api/changes?limit=1", admins["admin"]).json_body["changes"][0]
    assert (latest["action"], latest["actor_name"]) == ("reject", "管理员乙")
    assert latest["summary"] == "名称：测试单位0 → 测试单位甲；受理范围：测试 → 无（管理员甲 提出）；理由：名称不对"
    for who, status in [("agent", 403), ("editor", 403), ("reviewer", 403)]:
        assert send(client, "GET", "/api/changes", admins[who]).status_code == status
        assert send(client, "GET", "/api/department-proposals", admins[who]).status_code == status
    assert send(client, "GET", "/api/changes", {}).status_code == 401
    assert send(client, "GET", "/api/changes?limit=0", admins["admin"]).status_code == 400


def test_a_new_unit_for_a_district_waits_for_a_second_admin_before_work_goes_there(client: Client, admins):
    path = "/api/departments/hexi-amr-test-window"
    fields = {"name": "河西区测试窗口", "parent": "district-amr-registration", "district": "hexi"}
    saved = send(client, "PUT", path, admins["admin"], fields).json_body
    assert saved["department"]["district"] is None  # added, but no district's work goes to it yet
    assert [(c["field"], c["after"]) for c in saved["pending"]["changes"]] == [("district", "hexi")]
    approve = "/api/department-proposals/hexi-amr-test-window/approve"
    read = {"If-Match": f'"{saved["pending"]["revision"]}"'}
    assert send(client, "POST", approve, {**admins["admin"], **read}).status_code == 403  # not the proposer
    assert send(client, "POST", approve, {**admins["admin2"], **read}).json_body["district"] == "hexi"
