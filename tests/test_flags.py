"""Agents' flags: one open task per article and problem, closed by the publish of the fix, and the flagging
agent sees it."""

import datetime as dt
import json

import pytest
from chalice.test import Client

from chalicelib.desk.feedback import FeedbackDesk
from chalicelib.desk.models.feedback import FlagRequest
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.models.editing import MarkdownRequest, PublishRequest
from chalicelib.paging import PageParams
from chalicelib.people.access import Principal, Role
from chalicelib.wiring import Stores
from tests.conftest import NOW, Clock, editorial_service, knowledge_service
from tests.test_app import get, keys, post
from tests.test_editorial import ADMIN, ARTICLE, EDITOR, REVIEWER

__all__ = ["keys"]  # the fixture, shared with test_app.py

OTHER = "heating-fee-payment"
AGENT = Principal(Role.AGENT, "孙坐席", frozenset({"hotline-12345"}), principal_id="p_sun")
OTHER_AGENT = Principal(Role.AGENT, "钱坐席", frozenset({"hotline-12345"}), principal_id="p_qian_agent")


@pytest.fixture
def desk(synced_store: Stores, clock: Clock) -> FeedbackDesk:
    return FeedbackDesk(synced_store.desk_log, knowledge_service(synced_store), now=clock)


@pytest.fixture
def editorial(synced_store: Stores, clock: Clock, desk: FeedbackDesk) -> EditorialService:
    """The editorial service with the desk listening to its publishes, as wiring makes it."""
    return editorial_service(synced_store, now=clock, today=lambda: clock.now.date(), on_published=[desk.close_fixed])


def flag(desk: FeedbackDesk, comment: str, who: Principal = AGENT, article: str = ARTICLE) -> str:
    return desk.flag(article, FlagRequest(comment=comment), who).id


def later(clock: Clock, minutes: int = 1) -> dt.datetime:
    clock.now += dt.timedelta(minutes=minutes)
    return clock.now


def test_publishing_a_fix_closes_that_articles_tasks_raised_before_it_and_no_others(
    editorial: EditorialService, desk: FeedbackDesk, clock: Clock
):
    phone = flag(desk, "报修电话错了")
    assert flag(desk, " 报修电话错了！", OTHER_AGENT) == phone  # the same problem: counted on its task
    later(clock)
    fee = flag(desk, "今年热价调整了")
    later(clock)
    elsewhere = flag(desk, "缴费网点搬家了", article=OTHER)
    later(clock)
    head = editorial.reads.draft(ARTICLE, EDITOR)
    fixed = head.markdown.replace("## 标准答复\n\n", "## 标准答复\n\n报修电话已更正。", 1)
    saved = editorial.save(ARTICLE, MarkdownRequest(markdown=fixed), head.revision, EDITOR)
    later(clock)
    late = flag(desk, "截门的位置写错了")  # after the fix was written: it cannot have fixed this
    editorial.submit(ARTICLE, None, None, EDITOR)
    editorial.approve(ARTICLE, None, None, REVIEWER)
    published_at = later(clock)
    editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)

    tasks = {t.id: t for t in desk.tasks(ADMIN, PageParams()).items}
    for closed in (phone, fee):
        task = tasks[closed]
        assert (task.status, task.fixed_version, task.closed_by, task.closed_at) == (
            "done",
            saved.version,
            "李审核",
            published_at,
        )
    assert tasks[phone].repeats == 1
    assert tasks[late].status == tasks[elsewhere].status == "open"

    mine = desk.my_flags(AGENT, 10)  # newest first, one line per task
    assert [(f.task_id, f.status, f.fixed_version) for f in mine] == [
        (late, "open", None),
        (elsewhere, "open", None),
        (fee, "done", saved.version),
        (phone, "done", saved.version),
    ]
    assert [(f.task_id, f.comment) for f in desk.my_flags(OTHER_AGENT, 10)] == [(phone, "报修电话错了！")]  # as typed
    again = flag(desk, "报修电话错了")  # after the fix: a new task, not the closed one
    assert again not in tasks and desk.my_flags(AGENT, 1)[0].status == "open"


def test_a_repeat_is_found_by_its_articles_key_and_tasks_from_before_the_keys_are_keyed_once(
    synced_store: Stores, desk: FeedbackDesk
):
    # A task as an older release wrote it: no key under its article.
    fields = {"article_id": ARTICLE, "article_title": "暖气不热怎么办", "department": "heating-company-stations"}
    record = {**fields, "comment": "报修电话错了", "flagged_by": "老坐席", "created_at": NOW.isoformat()}
    legacy = synced_store.records.add("TASKS", {**record, "status": "open", "repeats": 0}, NOW)
    assert flag(desk, "报修电话错了。") == legacy
    assert [(t.id, t.repeats) for t in synced_store.desk_log.tasks.all()] == [(legacy, 1)]
    assert flag(desk, "截门的位置写错了") != legacy
    assert [t.id for t in synced_store.desk_log.tasks.open_tasks(ARTICLE)] != []


def test_a_flag_is_kept_as_it_was_typed_and_the_same_words_otherwise_punctuated_count_on_its_task(
    synced_store: Stores, desk: FeedbackDesk
):
    task = flag(desk, "今年热价调整了，请核实：电话13912345678")
    assert flag(desk, "今年热价调整了,请核实:电话 13800001111", OTHER_AGENT) == task  # ASCII, another number
    [kept] = [t for t in synced_store.desk_log.tasks.all() if t.id == task]
    assert kept.comment == "今年热价调整了，请核实：电话[手机号]" and kept.repeats == 1


def test_an_agent_sees_their_flags_and_the_version_that_fixed_them_through_the_api(
    client: Client, keys: dict[str, dict[str, str]]
):
    path = f"/api/articles/{OTHER}"
    flagged = post(client, f"{path}/flags", {"comment": "今年热价调整了"}, keys["agent"]).json_body["id"]
    assert get(client, "/api/flags/mine").status_code == 401
    [mine] = get(client, "/api/flags/mine", keys["agent"]).json_body["flags"]
    assert (mine["task_id"], mine["status"], mine["fixed_version"]) == (flagged, "open", None)
    assert get(client, "/api/flags/mine", keys["editor"]).json_body["flags"] == []  # one's own only

    draft = get(client, f"{path}/draft", keys["editor"])
    text = draft.json_body["markdown"].replace("## 标准答复\n\n", "## 标准答复\n\n今年热价已调整。", 1)
    editing = {**keys["editor"], "If-Match": draft.headers["ETag"]}
    assert (
        client.http.put(
            f"{path}/draft",
            headers={"Content-Type": "application/json", **editing},
            body=json.dumps({"markdown": text}).encode(),
        ).status_code
        == 200
    )
    post(client, f"{path}/submit", {}, keys["editor"])
    for step in ("approve", "publish"):
        etag = get(client, f"{path}/draft", keys["reviewer"]).headers["ETag"]
        moved = post(client, f"{path}/{step}", {}, {**keys["reviewer"], "If-Match": etag})
        assert moved.status_code == 200, moved.json_body
    [mine] = get(client, "/api/flags/mine", keys["agent"]).json_body["flags"]
    assert (mine["status"], mine["fixed_version"]) == ("done", moved.json_body["published_version"])
    [task] = get(client, "/api/tasks", keys["editor"]).json_body["tasks"]
    assert (task["status"], task["closed_by"], task["fixed_version"]) == ("done", "测试reviewer", mine["fixed_version"])
