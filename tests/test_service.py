import datetime as dt

import pytest

from chalicelib.errors import NotFound
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.content import ArticleStatus
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.knowledge.parsing import parse_article
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.knowledge.store.articles import LiveChange
from chalicelib.knowledge.store.snapshots import Snapshot
from chalicelib.people.access import Reader
from chalicelib.search.documents import encode_document
from chalicelib.search.embeddings import E5Embedder
from chalicelib.wiring import Stores
from tests.conftest import NOW, Clock, article_text, knowledge_service

TODAY = dt.date(2026, 1, 10)


def service(store: Stores, clock: Clock | None = None) -> KnowledgeService:
    return knowledge_service(store, refresh_seconds=1.0, today=lambda: TODAY, monotonic=clock or Clock(0.0))


def publish(store: Stores, text: str, status=ArticleStatus.PUBLISHED) -> None:
    """Save an article as kb sync would: with its search document."""
    article = parse_article(text)
    search = encode_document(SearchEngine(store.lexicon.current()[0]).index_article(article))
    store.articles.save_live(
        article.id, LiveChange(status, None, article.markdown, article.content_hash, search), "tester", NOW
    )


def test_citizens_never_see_internal_articles(synced_store: Stores):
    knowledge = service(synced_store)
    hits = knowledge.search(SearchParams(q="会议室预订"), Reader.CITIZEN).hits
    assert all(not hit.id.startswith("center-") for hit in hits)
    with pytest.raises(NotFound):
        knowledge.article("center-meeting-room-booking", Reader.CITIZEN)
    assert knowledge.article("center-meeting-room-booking", Reader.AGENT).id == "center-meeting-room-booking"


def test_citizens_never_see_internal_notes(synced_store: Stores):
    knowledge = service(synced_store)
    citizen = knowledge.article("heating-radiator-not-warm", Reader.CITIZEN)
    agent = knowledge.article("heating-radiator-not-warm", Reader.AGENT)
    assert "内部提示" not in citizen.sections and "内部提示" not in citizen.html
    assert "内部提示" in agent.sections and "内部提示" in agent.html


def test_expired_and_future_articles_are_hidden(store: Stores):
    publish(store, article_text("old-notice", expires="2026-01-01"))
    publish(store, article_text("future-notice", effective_from="2026-02-01"))
    knowledge = service(store)
    for article_id in ("old-notice", "future-notice"):
        with pytest.raises(NotFound):
            knowledge.article(article_id, Reader.CITIZEN)


def test_a_publish_reaches_a_second_instance_after_its_refresh_interval(store: Stores):
    clock = Clock(0.0)
    reader_side = service(store, clock)
    assert reader_side.search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits == []
    publish(store, article_text("new-heating"))
    clock.now = 0.5
    assert reader_side.search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits == []
    clock.now = 1.5
    assert reader_side.search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits[0].id == "new-heating"


def test_an_archived_article_drops_out_on_refresh(store: Stores):
    clock = Clock(0.0)
    publish(store, article_text("gone-soon"))
    knowledge = service(store, clock)
    assert knowledge.article("gone-soon", Reader.CITIZEN)
    publish(store, article_text("gone-soon"), status=ArticleStatus.ARCHIVED)
    clock.now = 2
    with pytest.raises(NotFound):
        knowledge.article("gone-soon", Reader.CITIZEN)


def test_categories_count_only_what_the_reader_may_see(synced_store: Stores):
    knowledge = service(synced_store)
    citizen = {c.id: c.articles for c in knowledge.categories(Reader.CITIZEN)}
    agent = {c.id: c.articles for c in knowledge.categories(Reader.AGENT)}
    assert "admin-center" not in citizen and agent["admin-center"] == 4
    assert citizen["heating"] == agent["heating"] == 12
    assert next(iter(citizen)) == "heating"


def test_a_cold_start_reads_the_snapshot_and_the_articles_written_since(synced_store: Stores):
    snapshot = synced_store.snapshots.latest()
    assert snapshot is not None and snapshot.generation == synced_store.generation()
    publish(synced_store, article_text("after-snapshot", title="燃气表停走了怎么办"))
    knowledge = service(synced_store)
    assert knowledge.search(SearchParams(q="燃气表停走"), Reader.CITIZEN).hits[0].id == "after-snapshot"
    assert knowledge.search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits[0].id == "heating-radiator-not-warm"


def test_a_restored_containers_first_look_back_embeds_only_the_query(synced_store: Stores):
    # A new container has an empty memo: the snapshot must supply the referral list's vectors, or the first
    # as_of search would embed every listed question (about 700, over Lambda's timeout) inside the request.
    fresh = E5Embedder()
    knowledge = knowledge_service(synced_store, engine_for=lambda lexicon: SearchEngine(lexicon, embedder=fresh))
    knowledge.search(SearchParams(q="暖气不热"), Reader.AGENT)
    assert fresh.computed == 1
    found = knowledge.search(SearchParams(q="停水了什么时候来水", as_of=NOW), Reader.AGENT)
    assert found.hits and fresh.computed == 2
    # the look-back index compares with the referral list as the live one does
    assert knowledge.search(SearchParams(q="护照过期了在哪里换", as_of=NOW), Reader.AGENT).referral is not None
    assert fresh.computed == 3


def test_a_publish_is_searchable_from_a_second_instance_within_five_seconds(store: Stores):
    import time

    writer_side, reader_side = knowledge_service(store), knowledge_service(store, refresh_seconds=1.0)
    assert reader_side.search(SearchParams(q="燃气表停走"), Reader.CITIZEN).hits == []
    publish(store, article_text("live-publish", title="燃气表停走了怎么办"))
    published_at = time.monotonic()
    while time.monotonic() - published_at < 5:
        hits = reader_side.search(SearchParams(q="燃气表停走"), Reader.CITIZEN).hits
        if hits and hits[0].id == "live-publish":
            break
        time.sleep(0.1)
    assert hits and hits[0].id == "live-publish", "not visible to the second instance within 5 s"
    assert writer_side.search(SearchParams(q="燃气表停走"), Reader.AGENT).hits[0].id == "live-publish"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("暖氣不熱", "heating-radiator-not-warm"),  # traditional characters
        ("社报卡丢了", "si-card-loss-report"),  # 报 typed for 保: a homophone slip of the input method
        ("燃汽泄露", "gas-leak-emergency"),  # two slips at once
        ("shebaoka guashi", "si-card-loss-report"),  # pinyin
        ("nuanqi bu re", "heating-radiator-not-warm"),
        ("我手机13812345678 家里暖气漏水了", "heating-pipe-leak-emergency"),  # a phone number in the words
    ],
)
def test_callers_words_find_their_article(synced_store: Stores, query: str, expected: str):
    result = service(synced_store).search(SearchParams(q=query), Reader.AGENT)
    assert result.hits[0].id == expected and result.answered


def test_a_snapshot_from_an_older_release_is_ignored_not_fatal(synced_store: Stores):
    saved = synced_store.snapshots.latest()
    assert saved is not None
    synced_store.snapshots.save(Snapshot(saved.generation, saved.lexicon_generation, b"not a snapshot"))
    hits = service(synced_store).search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits
    assert hits[0].id == "heating-radiator-not-warm"


def test_a_snapshot_whose_object_is_gone_is_rebuilt_from_the_articles_and_saved_again(synced_store: Stores):
    """A table restored from a backup has the pointer and not the bucket's object: search still answers, and
    the job's next run saves a snapshot at once rather than after 50 changes."""
    bucket = synced_store.bucket
    listed = bucket.client.list_objects_v2(Bucket=bucket.name)["Contents"]
    bucket.delete([o["Key"] for o in listed])
    live = LiveIndex(synced_store.articles, synced_store.snapshots, synced_store.lexicon, synced_store.directory)
    hits = KnowledgeService(live, synced_store.articles).search(SearchParams(q="暖气不热"), Reader.CITIZEN).hits
    assert hits[0].id == "heating-radiator-not-warm"
    saved = live.refresh_snapshot()
    assert saved is not None and synced_store.snapshots.latest() == saved
