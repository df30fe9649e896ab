import marshal
import zlib

from chalicelib.access import Principal, Role
from chalicelib.articles import content_hash
from chalicelib.documents import decode_document, document_fields, is_current
from chalicelib.editorial import EditorialService
from chalicelib.models import ArticleStatus, EditorialState, MarkdownRequest
from chalicelib.store import KnowledgeStore
from tests.conftest import NOW
from tools.kb.knowledge import LoadedKnowledge
from tools.kb.sync import sync_knowledge


def test_first_sync_adds_everything(store: KnowledgeStore, knowledge: LoadedKnowledge):
    report = sync_knowledge(store, knowledge, NOW, publish=True)
    assert (report.added, report.updated, report.unchanged, report.archived) == (len(knowledge.articles), 0, 0, 0)
    assert report.lexicon_changed


def test_a_second_sync_writes_nothing(synced_store: KnowledgeStore, knowledge: LoadedKnowledge):
    generation = synced_store.generation()
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert (report.added, report.updated, report.unchanged) == (0, 0, len(knowledge.articles))
    assert not report.lexicon_changed
    assert synced_store.generation() == generation


def test_a_changed_file_is_updated_and_a_removed_one_archived(synced_store: KnowledgeStore, knowledge: LoadedKnowledge):
    first, second, *rest = knowledge.articles
    changed = first.model_copy(update={"markdown": first.markdown + "\n", "content_hash": "changed"})
    report = sync_knowledge(synced_store, LoadedKnowledge([changed, *rest], knowledge.lexicon), NOW, publish=True)
    assert (report.updated, report.archived, report.unchanged) == (1, 1, len(rest))
    archived = synced_store.get_article(second.id)
    assert archived is not None and archived.status is ArticleStatus.ARCHIVED
    assert archived.markdown == second.markdown


def test_progress_is_reported_to_the_end(store: KnowledgeStore, knowledge: LoadedKnowledge):
    seen: list[tuple[int, int]] = []
    sync_knowledge(store, knowledge, NOW, publish=True, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1]


def test_every_article_is_stored_with_its_search_document(synced_store: KnowledgeStore):
    assert all(a.search for a in synced_store.articles())


def test_a_lexicon_change_reindexes_every_article(synced_store: KnowledgeStore, knowledge: LoadedKnowledge):
    lexicon = knowledge.lexicon.model_copy(update={"synonyms": [*knowledge.lexicon.synonyms, ["燃气表", "气表"]]})
    report = sync_knowledge(synced_store, LoadedKnowledge(knowledge.articles, lexicon), NOW, publish=True)
    assert report.lexicon_changed and report.reindexed == len(knowledge.articles) and report.updated == 0
    snapshot = synced_store.snapshot()
    assert snapshot is not None and snapshot.lexicon_generation == synced_store.lexicon()[1]


def test_without_publish_a_changed_file_waits_for_review_then_publish_takes_it_live(
    synced_store: KnowledgeStore, knowledge: LoadedKnowledge
):
    first, *rest = knowledge.articles
    changed_text = first.markdown.replace("## 标准答复\n\n", "## 标准答复\n\n（已更新）", 1)
    changed = first.model_copy(update={"markdown": changed_text, "content_hash": content_hash(changed_text)})
    folder = LoadedKnowledge([changed, *rest], knowledge.lexicon, lexicon_files=knowledge.lexicon_files)
    report = sync_knowledge(synced_store, folder, NOW, publish=False)
    assert report.updated == 1
    head = synced_store.head(first.id)
    assert head is not None and head.state is EditorialState.IN_REVIEW and head.submitted_by == "kb-sync"
    assert synced_store.get_article(first.id).markdown == first.markdown  # the live text is unchanged
    report = sync_knowledge(synced_store, folder, NOW, publish=True)
    assert report.updated == 1 and synced_store.get_article(first.id).markdown == changed_text
    assert synced_store.head(first.id).state is EditorialState.PUBLISHED


def test_an_edit_made_in_the_app_survives_a_sync_of_an_unchanged_folder(
    synced_store: KnowledgeStore, knowledge: LoadedKnowledge
):
    article = knowledge.articles[0]
    editor = Principal(Role.ADMIN, "管理员", frozenset({"*"}))
    service = EditorialService(synced_store, now=lambda: NOW)
    head = service.draft(article.id, editor)
    edited = article.markdown.replace("## 标准答复\n\n", "## 标准答复\n\n（系统内修改）", 1)
    service.save(article.id, MarkdownRequest(markdown=edited), head.revision, editor)
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert report.unchanged == len(knowledge.articles)
    assert service.draft(article.id, editor).markdown == edited


def test_an_article_indexed_by_an_older_release_gets_its_meaning_vectors(
    synced_store: KnowledgeStore, knowledge: LoadedKnowledge
):
    live = synced_store.get_article(knowledge.articles[0].id)
    assert live is not None and is_current(live.search, with_vectors=True)
    older = decode_document(live.search)
    # what a release before meaning vectors stored: fields, terms and phrasings only, no format number
    old_bytes = zlib.compress(marshal.dumps((document_fields(older.document), older.field_terms, older.phrasings)))
    synced_store.save_article(
        live.id, live.markdown, live.content_hash, live.status, live.updated_by, NOW, old_bytes, live.version
    )
    assert decode_document(old_bytes).vectors == b"" and not is_current(old_bytes, with_vectors=True)
    report = sync_knowledge(synced_store, knowledge, NOW, publish=True)
    assert report.reindexed == 1 and report.updated == 0
    renewed = synced_store.get_article(live.id)
    assert renewed is not None and is_current(renewed.search, with_vectors=True)
