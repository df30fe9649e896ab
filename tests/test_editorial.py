import datetime as dt
import functools
import time

import boto3
import pytest

from chalicelib.errors import Conflict, Forbidden, InvalidInput, NotFound, NotReady, PreconditionRequired
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.models.editing import (
    Draft,
    EditorialState,
    MarkdownRequest,
    PublishRequest,
    RollbackRequest,
    WorklistParams,
)
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.people.access import Principal, Reader, Role
from chalicelib.store.objects import Bucket
from chalicelib.wiring import Stores
from tests.conftest import NOW, TABLE_NAME, Clock, all_at_once, article_text, editorial_service, knowledge_service

# What a key for heating-company covers (KeyRing adds the units below it from the directory).
HEATING = frozenset(
    {"heating-company", "heating-company-office", "heating-company-stations", "heating-company-emergency"}
)
EDITOR = Principal(Role.EDITOR, "王编辑", HEATING, principal_id="p_wang")
OTHER_EDITOR = Principal(Role.EDITOR, "赵编辑", HEATING, principal_id="p_zhao")
REVIEWER = Principal(Role.REVIEWER, "李审核", HEATING, principal_id="p_li")
OTHER_REVIEWER = Principal(Role.REVIEWER, "周审核", HEATING, principal_id="p_zhou")
ADMIN = Principal(Role.ADMIN, "系统管理员", frozenset({"*"}), principal_id="p_admin")
GAS_REVIEWER = Principal(Role.REVIEWER, "钱审核", frozenset({"gas-company"}), principal_id="p_qian")
ARTICLE = "heating-radiator-not-warm"


@pytest.fixture
def editorial(synced_store: Stores, clock: Clock) -> EditorialService:
    return editorial_service(synced_store, now=clock, today=lambda: clock.now.date())


def reader(store: Stores, today: dt.date | None = None) -> KnowledgeService:
    return knowledge_service(store, refresh_seconds=0, today=lambda: today or NOW.date())


def revised(editorial: EditorialService, answer_tail: str, who: Principal = EDITOR) -> str:
    """The working copy's Markdown with one more sentence in the standard answer."""
    markdown = editorial.reads.draft(ARTICLE, who).markdown
    assert markdown is not None
    return markdown.replace("## 标准答复\n\n", f"## 标准答复\n\n{answer_tail}", 1)


def publish_change(editorial: EditorialService, markdown: str) -> None:
    head = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=markdown, message="新口径"), head.revision, EDITOR)
    editorial.submit(ARTICLE, None, None, EDITOR)
    editorial.approve(ARTICLE, None, None, REVIEWER)
    editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)


def test_a_change_goes_live_only_after_review_and_publish(synced_store: Stores, editorial: EditorialService):
    knowledge = reader(synced_store)
    before = knowledge.article(ARTICLE, Reader.CITIZEN).sections["标准答复"]
    head = editorial.reads.draft(ARTICLE, EDITOR)
    saved = editorial.save(
        ARTICLE, MarkdownRequest(markdown=revised(editorial, "今冬起报修改为24小时受理。")), head.revision, EDITOR
    )
    assert (saved.state, saved.version, saved.published_version) == ("draft", head.version + 1, head.version)
    for step in ("submit", "approve"):
        assert knowledge.article(ARTICLE, Reader.CITIZEN).sections["标准答复"] == before
        who = EDITOR if step == "submit" else REVIEWER
        getattr(editorial, step)(ARTICLE, None, None, who)
    published = editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)
    assert published.state is EditorialState.PUBLISHED and published.published_version == saved.version
    assert knowledge.article(ARTICLE, Reader.CITIZEN).sections["标准答复"].startswith("今冬起报修改为24小时受理")
    actions = [(e.action, e.actor) for e in editorial.reads.audit(EDITOR, ARTICLE)][:4]
    assert actions == [("publish", "李审核"), ("approve", "李审核"), ("submit", "王编辑"), ("save", "王编辑")]


def test_nobody_approves_their_own_change(editorial: EditorialService):
    head = editorial.reads.draft(ARTICLE, REVIEWER)
    editorial.save(
        ARTICLE, MarkdownRequest(markdown=revised(editorial, "补充一句。", REVIEWER)), head.revision, REVIEWER
    )
    editorial.submit(ARTICLE, None, None, REVIEWER)
    with pytest.raises(Forbidden, match="需由另一位审核员审核"):
        editorial.approve(ARTICLE, None, None, REVIEWER)
    assert editorial.reads.draft(ARTICLE, REVIEWER).state is EditorialState.IN_REVIEW


def test_editors_may_not_review_and_nobody_acts_for_another_department(editorial: EditorialService):
    with pytest.raises(Forbidden, match="editor may not review"):
        editorial.approve(ARTICLE, None, None, OTHER_EDITOR)
    with pytest.raises(Forbidden, match="heating-company-stations"):
        editorial.reads.draft(ARTICLE, GAS_REVIEWER)
    with pytest.raises(Forbidden, match="heating-company"):
        editorial.create(MarkdownRequest(markdown=article_text("gas-new-rule")), GAS_REVIEWER)
    moved = revised(editorial, "").replace("department: heating-company-stations", "department: gas-company")
    with pytest.raises(Forbidden):
        editorial.save(
            ARTICLE, MarkdownRequest(markdown=moved), editorial.reads.draft(ARTICLE, EDITOR).revision, EDITOR
        )


def test_a_stale_edit_is_refused_with_the_current_revision(editorial: EditorialService):
    head = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "甲。")), head.revision, EDITOR)
    with pytest.raises(Conflict) as refused:
        editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "乙。")), head.revision, OTHER_EDITOR)
    assert refused.value.details["revision"] == head.revision + 1
    assert "甲。" in (editorial.reads.draft(ARTICLE, EDITOR).markdown or "")
    with pytest.raises(PreconditionRequired):
        editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "丙。")), None, EDITOR)


@pytest.mark.slow
def test_two_editors_racing_never_lose_an_update(synced_store: Stores, clock: Clock):
    """Each trial: two editors load the same revision and save at the same moment. One wins; the other is told."""
    for trial in range(12):
        editors = [editorial_service(_own_store(), now=clock) for _ in range(2)]
        base = editors[0].reads.draft(ARTICLE, EDITOR)
        tails = [f"第{trial}轮甲。", f"第{trial}轮乙。"]
        outcomes = _race(base, [(editors[0], EDITOR, tails[0]), (editors[1], OTHER_EDITOR, tails[1])])
        winners = [o for o in outcomes if o != "409"]
        assert len(winners) == 1 and outcomes.count("409") == 1, outcomes
        head = editors[0].reads.draft(ARTICLE, EDITOR)
        assert head.version == base.version + 1 and winners[0] in (head.markdown or "")
        assert [v.version for v in synced_store.articles.versions(ARTICLE)][0] == head.version


def _race(base: Draft, savers: list[tuple[EditorialService, Principal, str]]) -> list[str]:
    """Start every save at once from the same revision; the added sentence of each winner, '409' per loser."""

    def save(service: EditorialService, who: Principal, tail: str) -> str:
        markdown = (base.markdown or "").replace("## 标准答复\n\n", f"## 标准答复\n\n{tail}", 1)
        service.save(ARTICLE, MarkdownRequest(markdown=markdown), base.revision, who)
        return tail

    outcomes = all_at_once([functools.partial(save, *saver) for saver in savers])
    return ["409" if isinstance(o, Conflict) else str(o) for o in outcomes]


def _own_store() -> Stores:
    """A store with its own boto3 resource: boto3 resources are not shared between threads."""
    session = boto3.session.Session()
    table = session.resource("dynamodb", region_name="cn-north-1").Table(TABLE_NAME)
    return Stores(table, Bucket(session.client("s3", region_name="cn-north-1"), f"{TABLE_NAME}-snapshots"))


def test_rollback_is_a_new_version_with_the_old_text(editorial: EditorialService):
    first = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "错误的口径。")), first.revision, EDITOR)
    head = editorial.reads.draft(ARTICLE, EDITOR)
    rolled = editorial.rollback(ARTICLE, RollbackRequest(version=first.version), head.revision, EDITOR)
    assert rolled.version == first.version + 2 and rolled.state is EditorialState.DRAFT
    assert rolled.markdown == editorial.reads.version(ARTICLE, first.version, EDITOR).markdown
    versions = editorial.reads.versions(ARTICLE, EDITOR)
    assert [v.version for v in versions] == [first.version + 2, first.version + 1, first.version]
    assert versions[0].message == f"回滚到版本 {first.version}"
    with pytest.raises(NotFound):
        editorial.rollback(ARTICLE, RollbackRequest(version=99), rolled.revision, EDITOR)


def test_diff_marks_added_and_removed_lines(editorial: EditorialService):
    first = editorial.reads.draft(ARTICLE, EDITOR)
    markdown = (first.markdown or "").replace("title: 暖气不热怎么办", "title: 家里暖气不热怎么办")
    editorial.save(ARTICLE, MarkdownRequest(markdown=markdown), first.revision, EDITOR)
    diff = editorial.reads.diff(ARTICLE, first.version, first.version + 1, EDITOR)
    changed = [(line.op, line.text) for line in diff.lines if line.op != " "]
    assert changed == [("-", "title: 暖气不热怎么办"), ("+", "title: 家里暖气不热怎么办")]
    assert "-title: 暖气不热怎么办" in diff.unified and "+title: 家里暖气不热怎么办" in diff.unified


def test_as_of_answers_with_what_was_published_then(synced_store: Stores, editorial: EditorialService, clock: Clock):
    knowledge = reader(synced_store)
    before = knowledge.article(ARTICLE, Reader.AGENT).sections["标准答复"]
    clock.now = NOW + dt.timedelta(days=1)
    publish_change(editorial, revised(editorial, "新规定：报修后两小时内上门。"))
    assert knowledge.article(ARTICLE, Reader.AGENT).sections["标准答复"].startswith("新规定")
    then = NOW + dt.timedelta(hours=2)
    assert knowledge.article(ARTICLE, Reader.AGENT, as_of=then).sections["标准答复"] == before
    old_hit = knowledge.search(SearchParams(q="暖气不热，报修后两小时内上门吗", as_of=then), Reader.AGENT).hits[0]
    new_hit = knowledge.search(SearchParams(q="暖气不热，报修后两小时内上门吗"), Reader.AGENT).hits[0]
    assert old_hit.id == new_hit.id == ARTICLE
    assert "两小时内上门" not in old_hit.snippet and "两小时内上门" in new_hit.snippet
    with pytest.raises(NotFound):
        knowledge.article(ARTICLE, Reader.AGENT, as_of=NOW - dt.timedelta(days=1))


def test_an_article_leaves_citizen_search_when_it_expires(synced_store: Stores, editorial: EditorialService):
    notice = article_text("heating-season-notice", title="本季供暖延长通知", expires="2026-03-20")
    draft = editorial.create(MarkdownRequest(markdown=notice), EDITOR)
    editorial.submit(draft.id, None, None, EDITOR)
    editorial.approve(draft.id, None, None, REVIEWER)
    editorial.publish(draft.id, PublishRequest(), None, REVIEWER)
    params = SearchParams(q="供暖延长通知")
    assert reader(synced_store, dt.date(2026, 3, 19)).search(params, Reader.CITIZEN).hits[0].id == draft.id
    after = reader(synced_store, dt.date(2026, 3, 20)).search(params, Reader.CITIZEN).hits
    assert draft.id not in [hit.id for hit in after]


def test_stale_articles_show_in_their_departments_worklist(editorial: EditorialService, clock: Clock):
    clock.now = dt.datetime(2026, 10, 2, tzinfo=dt.UTC)  # after the review_by of several heating articles
    stale = editorial.reads.worklist(WorklistParams(stale=True), EDITOR).items
    assert stale and all(
        d.stale and d.review_by < clock.now.date() and d.department.startswith("heating-company") for d in stale
    )
    assert all(d.markdown is None for d in stale)
    gas = editorial.reads.worklist(WorklistParams(), GAS_REVIEWER).items
    assert gas and all(d.department.startswith("gas-company") for d in gas)


def test_the_worklist_comes_in_pages_that_follow_on(editorial: EditorialService):
    every = editorial.reads.worklist(WorklistParams(limit=500), EDITOR)
    assert every.next is None and len(every.items) > 7
    seen, after = [], None
    while True:
        page = editorial.reads.worklist(WorklistParams(limit=3, after=after), EDITOR)
        assert len(page.items) <= 3
        seen += [d.id for d in page.items]
        if page.next is None:
            break
        after = page.next
    assert seen == [d.id for d in every.items]  # every one once, in the same order


def test_a_scheduled_publish_goes_live_when_its_time_comes(
    synced_store: Stores, editorial: EditorialService, clock: Clock
):
    head = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "明日起执行新口径。")), head.revision, EDITOR)
    editorial.submit(ARTICLE, None, None, EDITOR)
    editorial.approve(ARTICLE, None, None, REVIEWER)
    at = NOW + dt.timedelta(hours=1)
    scheduled = editorial.publish(ARTICLE, PublishRequest(at=at), None, REVIEWER)
    assert scheduled.state is EditorialState.SCHEDULED and scheduled.scheduled_at == at
    assert editorial.promote_due(REVIEWER) == 0
    assert not reader(synced_store).article(ARTICLE, Reader.CITIZEN).sections["标准答复"].startswith("明日起")
    clock.now = at + dt.timedelta(seconds=30)
    assert editorial.promote_due(REVIEWER) == 1
    assert reader(synced_store).article(ARTICLE, Reader.CITIZEN).sections["标准答复"].startswith("明日起")
    assert editorial.reads.draft(ARTICLE, EDITOR).state is EditorialState.PUBLISHED
    assert editorial.promote_due(REVIEWER) == 0


@pytest.mark.parametrize("ago", [dt.timedelta(days=2200), dt.timedelta(seconds=1), dt.timedelta(0)])
def test_a_schedule_not_in_the_future_is_refused_and_nothing_changes(editorial: EditorialService, ago: dt.timedelta):
    head = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "过期的定时。")), head.revision, EDITOR)
    editorial.submit(ARTICLE, None, None, EDITOR)
    approved = editorial.approve(ARTICLE, None, None, REVIEWER)
    with pytest.raises(InvalidInput) as refused:
        editorial.publish(ARTICLE, PublishRequest(at=NOW - ago), None, REVIEWER)
    assert refused.value.field == "at" and "已经过去" in refused.value.message and "立即发布" in refused.value.message
    assert editorial.reads.draft(ARTICLE, EDITOR).model_dump() == approved.model_dump()
    assert editorial.reads.audit(EDITOR, ARTICLE)[0].action == "approve"
    assert editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER).state is EditorialState.PUBLISHED


def test_a_publish_that_fails_half_way_leaves_the_previous_version_live(
    synced_store: Stores, editorial: EditorialService, monkeypatch: pytest.MonkeyPatch
):
    knowledge = reader(synced_store)
    before = knowledge.article(ARTICLE, Reader.CITIZEN)
    head = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "半途失败的口径。")), head.revision, EDITOR)
    editorial.submit(ARTICLE, None, None, EDITOR)
    approved = editorial.approve(ARTICLE, None, None, REVIEWER)
    # The fault: the publication record, written in the middle of the publish, is too large for DynamoDB.
    import chalicelib.knowledge.changes as module

    real = module.encode_document
    monkeypatch.setattr(module, "encode_document", lambda document: real(document) + b"\0" * 500_000)
    with pytest.raises(Exception):  # noqa: B017 - whatever DynamoDB raises, nothing may have been written
        editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)
    assert knowledge.article(ARTICLE, Reader.CITIZEN) == before
    assert editorial.reads.draft(ARTICLE, EDITOR).model_dump() == approved.model_dump()
    assert editorial.reads.audit(EDITOR, ARTICLE)[0].action == "approve"
    monkeypatch.setattr(module, "encode_document", real)
    editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)
    assert knowledge.article(ARTICLE, Reader.CITIZEN).sections["标准答复"].startswith("半途失败的口径")


def test_a_second_instance_sees_a_publish_within_five_seconds(synced_store: Stores, editorial: EditorialService):
    other = knowledge_service(_own_store(), refresh_seconds=1.0, today=lambda: NOW.date())
    assert other.search(SearchParams(q="暖气不热"), Reader.AGENT).hits[0].id == ARTICLE  # warm
    publish_change(editorial, revised(editorial, "即时生效的新口径。"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if "即时生效" in other.search(SearchParams(q="暖气即时生效的新口径"), Reader.AGENT).hits[0].snippet:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the second instance did not see the publish within 5 s")


def test_a_draft_with_problems_is_saved_and_listed_but_cannot_be_submitted(
    synced_store: Stores, editorial: EditorialService
):
    short = article_text("too-short", answer="太短了，稍后补全。")
    saved = editorial.create(MarkdownRequest(markdown=short, message="先存一下，稍后补全"), EDITOR)
    assert saved.state is EditorialState.DRAFT and synced_store.articles.version("too-short", 1).markdown == short
    assert saved.problems and all(p.line >= 1 for p in saved.problems)
    assert any("标准答复" in p.message for p in saved.problems)
    with pytest.raises(NotReady) as refused:
        editorial.submit("too-short", None, None, EDITOR)
    assert (
        refused.value.details["problems"] and editorial.reads.draft("too-short", EDITOR).state is EditorialState.DRAFT
    )
    fixed = article_text("too-short")
    head = editorial.save("too-short", MarkdownRequest(markdown=fixed), saved.revision, EDITOR)
    assert head.problems == [] and editorial.submit("too-short", None, None, EDITOR).state is EditorialState.IN_REVIEW


def test_an_impossible_date_is_a_problem_at_its_line_never_an_error(editorial: EditorialService):
    text = article_text("bad-date", effective_from="2025-13-01")
    preview = editorial.reads.preview(text, EDITOR)
    line = text.split("\n").index("effective_from: 2025-13-01") + 1
    assert not preview.ok and [p.line for p in preview.problems] == [line]
    saved = editorial.create(MarkdownRequest(markdown=text), EDITOR)
    assert [p.line for p in saved.problems] == [line]


def test_a_new_article_needs_an_id_and_a_department_from_the_directory(editorial: EditorialService):
    with pytest.raises(InvalidInput, match="编号"):
        editorial.create(MarkdownRequest(markdown=article_text("Not A Slug")), EDITOR)
    with pytest.raises(InvalidInput, match="heating-company"):
        editorial.create(MarkdownRequest(markdown=article_text("x-new", department="heating-compnay")), EDITOR)
    # An editor of the heating company cannot label an article as another department's.
    labelled = article_text("x-new", department="hrss")
    with pytest.raises(Forbidden):
        editorial.create(MarkdownRequest(markdown=labelled), EDITOR)


def _in_review_written_by(editorial: EditorialService, writers: list[Principal], submitter: Principal) -> Draft:
    for number, writer in enumerate(writers):
        head = editorial.reads.draft(ARTICLE, writer)
        markdown = revised(editorial, f"第{number}处修改。", writer)
        if number == len(writers) - 1:
            markdown = markdown.replace("title: 暖气不热怎么办", "title: 暖气不热了怎么办")
        editorial.save(ARTICLE, MarkdownRequest(markdown=markdown), head.revision, writer)
    return editorial.submit(ARTICLE, None, None, submitter)


def test_the_bypass_through_a_second_small_edit_is_closed(editorial: EditorialService):
    """A reviewer writes v2, an editor retitles it (v3) and submits: the reviewer still may not approve or publish."""
    head = _in_review_written_by(editorial, [REVIEWER, EDITOR], EDITOR)
    assert {c.principal for c in head.contributors} == {"p_li", "p_wang"}
    with pytest.raises(Forbidden, match="需由另一位审核员审核"):
        editorial.approve(ARTICLE, None, None, REVIEWER)
    editorial.approve(ARTICLE, None, None, OTHER_REVIEWER)
    with pytest.raises(Forbidden, match="需由另一位审核员审核"):
        editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)
    with pytest.raises(Forbidden, match="需由另一位审核员审核"):
        editorial.publish(ARTICLE, PublishRequest(at=NOW + dt.timedelta(days=1)), None, REVIEWER)
    with pytest.raises(Forbidden, match="需由另一位审核员审核"):
        editorial.reject(ARTICLE, "不妥", None, REVIEWER)
    published = editorial.publish(ARTICLE, PublishRequest(), None, OTHER_REVIEWER)
    assert published.state is EditorialState.PUBLISHED and published.contributors == []
    # The round is over: the next change starts afresh, and the earlier writer may review it.
    asked = editorial.request_archive(ARTICLE, "停用", None, EDITOR)
    assert editorial.approve(ARTICLE, None, asked.revision, REVIEWER).state is EditorialState.ARCHIVED


def test_admins_are_bound_by_the_same_rule(editorial: EditorialService):
    _in_review_written_by(editorial, [ADMIN], EDITOR)
    with pytest.raises(Forbidden):
        editorial.approve(ARTICLE, None, None, ADMIN)
    with pytest.raises(Forbidden):
        editorial.reject(ARTICLE, "不妥", None, ADMIN)
    editorial.approve(ARTICLE, None, None, REVIEWER)
    with pytest.raises(Forbidden):
        editorial.publish(ARTICLE, PublishRequest(), None, ADMIN)


def test_the_submitter_may_not_review_what_they_submitted(editorial: EditorialService):
    _in_review_written_by(editorial, [EDITOR], Principal(Role.REVIEWER, "李审核", HEATING, principal_id="p_li"))
    with pytest.raises(Forbidden):
        editorial.approve(ARTICLE, None, None, REVIEWER)
    # A namesake with another principal id is another person.
    namesake = Principal(Role.REVIEWER, "李审核", HEATING, principal_id="p_li_2")
    assert editorial.approve(ARTICLE, None, None, namesake).state is EditorialState.APPROVED


def test_a_transition_from_the_wrong_state_is_a_conflict(editorial: EditorialService):
    with pytest.raises(Conflict, match="approve"):
        editorial.approve(ARTICLE, None, None, REVIEWER)
    with pytest.raises(Conflict):
        editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)
