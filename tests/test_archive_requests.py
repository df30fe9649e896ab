"""Archiving takes two people: one asks with a reason, another reviewer confirms the revision they read."""

import datetime as dt

import pytest

from chalicelib.errors import Conflict, Forbidden, PreconditionRequired
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.models.editing import EditorialState, MarkdownRequest, PublishRequest, WorklistParams
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.people.access import Reader
from chalicelib.wiring import Stores
from tests.conftest import NOW
from tests.test_editorial import ADMIN, ARTICLE, EDITOR, OTHER_REVIEWER, REVIEWER, editorial, reader, revised

__all__ = ["editorial"]  # the fixture, shared with test_editorial.py


def found(store: Stores) -> bool:
    hits = reader(store).search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits
    return any(hit.id == ARTICLE for hit in hits)


def test_an_archive_request_leaves_the_article_searchable_until_another_reviewer_confirms_it(
    synced_store: Stores, editorial: EditorialService
):
    asked = editorial.request_archive(ARTICLE, "该政策已停止执行", None, EDITOR)
    assert asked.state is EditorialState.IN_REVIEW and asked.published_version is not None
    assert asked.archive_request is not None and asked.archive_request.name == "王编辑"
    assert found(synced_store) and reader(synced_store).article(ARTICLE, Reader.CITIZEN).id == ARTICLE
    waiting = editorial.reads.worklist(WorklistParams(state=EditorialState.IN_REVIEW), REVIEWER).items
    assert [d.id for d in waiting] == [ARTICLE]  # in the reviewers' worklist, as a change is
    with pytest.raises(Conflict, match="已申请下线"):
        editorial.request_archive(ARTICLE, "重复申请", None, REVIEWER)

    archived = editorial.approve(ARTICLE, "确认下线", asked.revision, REVIEWER)
    assert archived.state is EditorialState.ARCHIVED and archived.archive_request is None
    assert archived.published_version is None and not found(synced_store)
    audit = editorial.reads.audit(EDITOR, ARTICLE)[:2]
    assert [(e.action, e.actor, e.comment) for e in audit] == [
        ("archive", "李审核", "确认下线"),
        ("request_archive", "王编辑", "该政策已停止执行"),
    ]


def test_nobody_confirms_or_rejects_their_own_archive_request(editorial: EditorialService):
    asked = editorial.request_archive(ARTICLE, "已合并到另一篇", None, REVIEWER)
    with pytest.raises(Forbidden, match="下线申请是你提出的"):
        editorial.approve(ARTICLE, None, asked.revision, REVIEWER)
    with pytest.raises(Forbidden, match="下线申请是你提出的"):
        editorial.reject(ARTICLE, "不下线了", None, REVIEWER)
    assert editorial.reads.draft(ARTICLE, EDITOR).state is EditorialState.IN_REVIEW
    admin_asked = editorial.withdraw_archive(ARTICLE, None, None, REVIEWER)
    admin_asked = editorial.request_archive(ARTICLE, "已合并到另一篇", admin_asked.revision, ADMIN)
    with pytest.raises(Forbidden):  # admins too
        editorial.approve(ARTICLE, None, admin_asked.revision, ADMIN)
    assert editorial.approve(ARTICLE, None, admin_asked.revision, OTHER_REVIEWER).state is EditorialState.ARCHIVED


def test_a_confirmation_names_the_revision_the_reviewer_read(editorial: EditorialService):
    asked = editorial.request_archive(ARTICLE, "已停办", None, EDITOR)
    with pytest.raises(PreconditionRequired):
        editorial.approve(ARTICLE, None, None, REVIEWER)
    with pytest.raises(Conflict) as stale:
        editorial.approve(ARTICLE, None, asked.revision - 1, REVIEWER)
    assert stale.value.details["revision"] == asked.revision
    assert editorial.reads.draft(ARTICLE, EDITOR).model_dump() == asked.model_dump()


def test_a_request_can_be_withdrawn_or_rejected_and_the_article_is_as_it_was(
    synced_store: Stores, editorial: EditorialService
):
    asked = editorial.request_archive(ARTICLE, "过时", None, EDITOR)
    with pytest.raises(Forbidden, match="只有提出下线申请的人"):
        editorial.withdraw_archive(ARTICLE, None, None, REVIEWER)
    withdrawn = editorial.withdraw_archive(ARTICLE, "搞错了", asked.revision, EDITOR)
    assert withdrawn.state is EditorialState.PUBLISHED and withdrawn.archive_request is None
    editorial.request_archive(ARTICLE, "过时", None, EDITOR)
    rejected = editorial.reject(ARTICLE, "仍在执行，不能下线", None, REVIEWER)
    assert rejected.state is EditorialState.PUBLISHED and rejected.comment == "仍在执行，不能下线"
    assert found(synced_store)
    actions = [e.action for e in editorial.reads.audit(EDITOR, ARTICLE)[:4]]
    assert actions == ["reject_archive", "request_archive", "withdraw_archive", "request_archive"]
    with pytest.raises(Conflict):
        editorial.withdraw_archive(ARTICLE, None, None, EDITOR)  # nothing left to withdraw


def test_a_request_on_a_scheduled_change_withdraws_the_schedule(editorial: EditorialService):
    head = editorial.reads.draft(ARTICLE, EDITOR)
    editorial.save(ARTICLE, MarkdownRequest(markdown=revised(editorial, "下月起执行。")), head.revision, EDITOR)
    editorial.submit(ARTICLE, None, None, EDITOR)
    editorial.approve(ARTICLE, None, None, REVIEWER)
    editorial.publish(ARTICLE, PublishRequest(at=NOW + dt.timedelta(hours=1)), None, REVIEWER)
    editorial.request_archive(ARTICLE, "整篇作废", None, OTHER_REVIEWER)
    back = editorial.reject(ARTICLE, "不作废", None, REVIEWER)
    assert back.state is EditorialState.APPROVED and back.scheduled_at is None  # to be scheduled again
