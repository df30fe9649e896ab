import marshal
import zlib
from dataclasses import replace

import pytest

from chalicelib.errors import Forbidden
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.models.content import Article, ArticleStatus
from chalicelib.knowledge.models.editing import EditorialState, MarkdownRequest, PublishRequest, RollbackRequest
from chalicelib.knowledge.parsing import content_hash
from chalicelib.knowledge.store.articles import LiveChange
from chalicelib.people.access import Principal, Role
from chalicelib.people.directory import Directory
from chalicelib.search.documents import decode_document, document_fields, is_current
from chalicelib.search.embeddings import E5Embedder
from chalicelib.wiring import Stores
from tests.conftest import NOW, editorial_service
from tools.kb.knowledge import LoadedKnowledge
from tools.kb.sync import sync_knowledge
from tools.kb.vectors import VectorFiles, embed_articles

ADMIN = Principal(Role.ADMIN, "管理员", frozenset({"*"}), principal_id="p_admin")
REVIEWER = Principal(Role.REVIEWER, "李审核", frozenset({"*"}), principal_id="p_li")


@pytest.mark.slow
def test_first_sync_adds_everything(store: Stores, knowledge: LoadedKnowledge):
    report = sync_knowledge(store, knowledge, NOW, publish=True)
    assert (report.added, report.updated, report.unchanged, report.archived) == (len(knowledge.articles), 0, 0, 0)
    assert report.lexicon_changed


def test_a_second_sync_writes_nothing(synced_store: Stores, knowledge: LoadedKnowledge):
    generation = synced_store.generation()
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert (report.added, report.updated, report.unchanged) == (0, 0, len(knowledge.articles))
    assert not report.lexicon_changed
    assert synced_store.generation() == generation


def test_a_changed_file_is_updated_and_a_removed_one_archived(synced_store: Stores, knowledge: LoadedKnowledge):
    first, second, *rest = knowledge.articles
    changed = first.model_copy(update={"markdown": first.markdown + "\n", "content_hash": "changed"})
    report = sync_knowledge(synced_store, LoadedKnowledge([changed, *rest], knowledge.lexicon), NOW, publish=True)
    assert (report.updated, report.archived, report.unchanged) == (1, 1, len(rest))
    archived = synced_store.articles.live(second.id)
    assert archived is not None and archived.status is ArticleStatus.ARCHIVED
    assert archived.markdown == second.markdown
    # What the history says of each, in the editors' words.
    assert [v.message for v in synced_store.articles.versions(first.id)][:2] == ["文件夹中已修改", "从知识库文件夹新增"]
    assert synced_store.articles.audit(second.id, limit=1)[0].comment == "文件已从文件夹删除"


@pytest.mark.slow
def test_progress_is_reported_to_the_end(store: Stores, knowledge: LoadedKnowledge):
    seen: list[tuple[int, int]] = []
    sync_knowledge(store, knowledge, NOW, publish=True, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1]


def test_every_article_is_stored_with_its_search_document(synced_store: Stores):
    assert all(a.search for a in synced_store.articles.live_articles())


@pytest.mark.slow
def test_a_lexicon_change_reindexes_every_article(synced_store: Stores, knowledge: LoadedKnowledge):
    lexicon = knowledge.lexicon.model_copy(update={"synonyms": [*knowledge.lexicon.synonyms, ["燃气表", "气表"]]})
    report = sync_knowledge(synced_store, LoadedKnowledge(knowledge.articles, lexicon), NOW, publish=True)
    assert report.lexicon_changed and report.reindexed == len(knowledge.articles) and report.updated == 0
    snapshot = synced_store.snapshots.latest()
    assert snapshot is not None and snapshot.lexicon_generation == synced_store.lexicon.current()[1]


def _changed(article: Article, note: str = "（已更新）") -> Article:
    text = article.markdown.replace("## 标准答复\n\n", f"## 标准答复\n\n{note}", 1)
    return article.model_copy(update={"markdown": text, "content_hash": content_hash(text)})


def _folder(knowledge: LoadedKnowledge, articles: list[Article]) -> LoadedKnowledge:
    return replace(knowledge, articles=articles)


def test_without_publish_a_changed_file_waits_for_a_reviewer_and_a_later_publish_sync_leaves_it_there(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    first, *rest = knowledge.articles
    folder = _folder(knowledge, [_changed(first), *rest])
    report = sync_knowledge(synced_store, folder, NOW, publish=False)
    assert report.updated == 1
    head = synced_store.articles.head(first.id)
    assert head is not None and head.state is EditorialState.IN_REVIEW and head.submitted_by == "kb-sync"
    assert synced_store.articles.live(first.id).markdown == first.markdown  # the live text is unchanged
    report = sync_knowledge(synced_store, folder, NOW, publish=True)
    assert report.updated == 0 and synced_store.articles.live(first.id).markdown == first.markdown
    assert synced_store.articles.head(first.id).state is EditorialState.IN_REVIEW  # a reviewer decides, in the app


def test_the_operator_who_ran_a_sync_is_its_author_and_cannot_approve_it(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    first, *rest = knowledge.articles
    operator = Principal(Role.ADMIN, "oidc:ops-wang (kb sync)", frozenset({"*"}), principal_id="oidc:ops-wang")
    sync_knowledge(synced_store, _folder(knowledge, [_changed(first), *rest]), NOW, publish=False, operator=operator)
    head = synced_store.articles.head(first.id)
    assert head.updated_by_id == "oidc:ops-wang" and "oidc:ops-wang" in [c.principal for c in head.contributors]
    same_person = Principal(Role.REVIEWER, "王运维", frozenset({"*"}), principal_id="oidc:ops-wang")
    with pytest.raises(Forbidden):  # signed in to the console, they are still the one who made the change
        editorial_service(synced_store, now=lambda: NOW).approve(first.id, None, head.revision, same_person)
    editorial_service(synced_store, now=lambda: NOW).approve(first.id, None, head.revision, REVIEWER)
    assert [c.subject for c in synced_store.changes.page(10, None).items if c.actor == "oidc:ops-wang"] == ["knowledge"]


def test_with_publish_a_changed_file_goes_live_as_the_folders_own_change(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    first, *rest = knowledge.articles
    changed = _changed(first)
    report = sync_knowledge(synced_store, _folder(knowledge, [changed, *rest]), NOW, publish=True)
    assert report.updated == 1 and synced_store.articles.live(first.id).markdown == changed.markdown
    head = synced_store.articles.head(first.id)
    assert head.state is EditorialState.PUBLISHED and head.contributors == []


def test_an_article_archived_in_the_app_stays_archived(synced_store: Stores, knowledge: LoadedKnowledge):
    first, *rest = knowledge.articles
    service = editorial_service(synced_store, now=lambda: NOW)
    asked = service.request_archive(first.id, "已停办", None, ADMIN)
    service.approve(first.id, None, asked.revision, REVIEWER)  # a second person confirms it
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert report.unchanged == len(knowledge.articles) and report.added == 0
    assert synced_store.articles.head(first.id).state is EditorialState.ARCHIVED
    assert synced_store.articles.live(first.id).status is ArticleStatus.ARCHIVED
    # Even a truly changed file does not bring it back: the change waits for a reviewer.
    report = sync_knowledge(synced_store, _folder(knowledge, [_changed(first), *rest]), NOW, publish=True)
    assert report.updated == 1 and synced_store.articles.head(first.id).state is EditorialState.IN_REVIEW
    assert synced_store.articles.live(first.id).status is ArticleStatus.ARCHIVED


def test_an_unreviewed_rollback_draft_is_never_published_by_a_sync(synced_store: Stores, knowledge: LoadedKnowledge):
    """v2 is an edit published in the app; an editor rolls back to v1 (the file's text): that draft stays a draft."""
    first = knowledge.articles[0]
    service = editorial_service(synced_store, now=lambda: NOW)
    head = service.reads.draft(first.id, ADMIN)
    edited = _changed(first, "（系统内修改）").markdown
    service.save(first.id, MarkdownRequest(markdown=edited), head.revision, ADMIN)
    service.submit(first.id, None, None, ADMIN)
    service.approve(first.id, None, None, REVIEWER)
    service.publish(first.id, PublishRequest(), None, REVIEWER)
    head = service.reads.draft(first.id, ADMIN)
    service.rollback(first.id, RollbackRequest(version=1), head.revision, ADMIN)
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert report.updated == 0
    head = synced_store.articles.head(first.id)
    assert head.state is EditorialState.DRAFT and synced_store.articles.live(first.id).markdown == edited


def test_an_edit_made_in_the_app_survives_a_sync_of_an_unchanged_folder(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    article = knowledge.articles[0]
    editor = Principal(Role.ADMIN, "管理员", frozenset({"*"}))
    service = editorial_service(synced_store, now=lambda: NOW)
    head = service.reads.draft(article.id, editor)
    edited = article.markdown.replace("## 标准答复\n\n", "## 标准答复\n\n（系统内修改）", 1)
    service.save(article.id, MarkdownRequest(markdown=edited), head.revision, editor)
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert report.unchanged == len(knowledge.articles)
    after = service.reads.draft(article.id, editor)
    assert after.markdown == edited and after.state is EditorialState.DRAFT


def test_the_directory_is_seeded_from_the_folder_and_app_edits_survive(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    stored = synced_store.directory.current()
    assert len(stored.directory) == len(knowledge.directory) and stored.file_text == knowledge.directory_text
    renamed = stored.directory.get("water-company").model_copy(update={"name": "市自来水集团客服中心"})
    synced_store.directory.save(
        replace(stored, directory=Directory([*(d for d in stored.directory if d.code != "water-company"), renamed]))
    )
    assert sync_knowledge(synced_store, knowledge, NOW, publish=True).departments == 0
    assert synced_store.directory.current().directory.name_of("water-company") == "市自来水集团客服中心"
    # A department the file truly changed is the file's own change.
    gas = knowledge.directory.get("gas-company").model_copy(update={"hours": "24小时"})
    folder = replace(
        knowledge, directory=Directory([*(d for d in knowledge.directory if d.code != "gas-company"), gas])
    )
    assert sync_knowledge(synced_store, folder, NOW, publish=True).departments == 1
    assert synced_store.directory.current().directory.get("gas-company").hours == "24小时"
    # The operator's file is no proposal, but what it changed is in the admin audit log.
    recorded = {(c.actor, c.subject, c.action, c.summary) for c in synced_store.changes.page(100, None).items}
    assert ("tool:kb-sync", "directory", "sync", "从 departments.yaml 写入 1 个单位：gas-company") in recorded
    assert any(subject == "knowledge" and "写入 1 个单位" in said for _, subject, _, said in recorded)


def test_a_department_retired_in_the_app_stays_retired_through_a_sync_of_the_same_file(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    stored = synced_store.directory.current()
    bus = stored.directory.get("bus-company").model_copy(update={"retired": True})
    synced_store.directory.save(replace(stored, directory=Directory([*stored.directory, bus])))
    assert sync_knowledge(synced_store, knowledge, NOW, publish=True).departments == 0
    assert synced_store.directory.current().directory.get("bus-company").retired


def test_an_article_indexed_by_an_older_release_gets_its_meaning_vectors(
    synced_store: Stores, knowledge: LoadedKnowledge
):
    live = synced_store.articles.live(knowledge.articles[0].id)
    assert live is not None and is_current(live.search, with_vectors=True)
    older = decode_document(live.search)
    # what a release before meaning vectors stored: fields, terms and phrasings only, no format number
    old_bytes = zlib.compress(marshal.dumps((document_fields(older.document), older.field_terms, older.phrasings)))
    older_live = LiveChange(live.status, live.version, live.markdown, live.content_hash, old_bytes)
    synced_store.articles.save_live(live.id, older_live, live.updated_by, NOW)
    assert decode_document(old_bytes).vectors == b"" and not is_current(old_bytes, with_vectors=True)
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert report.reindexed == 1 and report.updated == 0
    renewed = synced_store.articles.live(live.id)
    assert renewed is not None and is_current(renewed.search, with_vectors=True)


def test_only_new_and_changed_files_are_handed_to_be_embedded_first(synced_store: Stores, knowledge: LoadedKnowledge):
    first = knowledge.articles[0]
    changed = first.model_copy(update={"markdown": first.markdown + "\n", "content_hash": "changed"})
    handed: list[list[str]] = []
    folder = replace(knowledge, articles=[changed, *knowledge.articles[1:]])
    sync_knowledge(synced_store, folder, NOW, publish=True, prepare=lambda new: handed.append([a.id for a in new]))
    assert handed == [[changed.id]]


@pytest.mark.slow
def test_every_core_embeds_the_articles_and_the_writer_then_embeds_nothing(tmp_path, knowledge: LoadedKnowledge):
    """kb sync and kb import embed new and changed articles on every core into the disk cache first; a second
    run (or the writer) finds every vector there: a stopped import resumes without embedding anything twice."""
    articles = knowledge.articles[:5]
    seen: list[tuple[int, int]] = []
    note = lambda done, total: seen.append((done, total))  # noqa: E731
    assert embed_articles(knowledge.lexicon, articles, 2, note, tmp_path, fewest=2) == 5
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert embed_articles(knowledge.lexicon, articles, 2, note, tmp_path, fewest=2) == 0  # all on disk: no process
    writer = E5Embedder()
    writer.keep_in(VectorFiles(tmp_path))
    engine = SearchEngine(knowledge.lexicon, embedder=writer)
    for article in articles:
        assert engine.index_article(article).vectors
    assert writer.computed == 0
