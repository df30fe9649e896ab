import datetime as dt

from boto3.dynamodb.conditions import Key

from chalicelib.lexicon import Lexicon
from chalicelib.models import ArticleStatus
from chalicelib.store import KnowledgeStore, Snapshot

NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def save(store: KnowledgeStore, article_id: str, text: str = "正文", status=ArticleStatus.PUBLISHED):
    return store.save_article(article_id, text, f"hash-{text}", status, "tester", NOW)


def test_an_empty_table_is_at_generation_zero(store: KnowledgeStore):
    assert store.generation() == 0
    assert store.get_article("nothing") is None
    assert list(store.articles()) == []


def test_every_write_advances_the_generation(store: KnowledgeStore):
    first = save(store, "a")
    second = save(store, "b")
    assert (first.generation, second.generation, store.generation()) == (1, 2, 2)


def test_a_saved_article_reads_back_unchanged(store: KnowledgeStore):
    saved = save(store, "a", "暖气不热")
    assert store.get_article("a") == saved
    assert saved.updated_at == NOW and saved.updated_by == "tester"


def test_articles_since_a_generation_lists_only_later_changes(store: KnowledgeStore):
    save(store, "a")
    save(store, "b")
    save(store, "a", "新正文")
    assert [a.id for a in store.articles(since_generation=2)] == ["a"]
    assert sorted(a.id for a in store.articles()) == ["a", "b"]


def test_the_lexicon_round_trips_with_its_generation(store: KnowledgeStore):
    assert store.lexicon() == (Lexicon(), 0)
    lexicon = Lexicon(
        terms=["截门"], synonyms=[["暖气", "供暖"]], banned_phrases=["不知道"], categories={"heating": "供暖"}
    )
    generation = store.save_lexicon(lexicon)
    assert store.lexicon() == (lexicon, generation)


def test_listing_pages_through_many_articles(store: KnowledgeStore):
    for number in range(120):
        save(store, f"a{number}", "长" * 9000)
    assert len(list(store.articles())) == 120


def test_a_snapshot_round_trips_across_many_parts(store: KnowledgeStore):
    assert store.snapshot() is None
    data = bytes(range(256)) * 3000  # 768 kB: three parts
    store.save_snapshot(Snapshot(7, 3, data))
    assert store.snapshot() == Snapshot(7, 3, data)


def test_a_new_snapshot_replaces_the_old_one_and_its_parts(store: KnowledgeStore):
    store.save_snapshot(Snapshot(1, 1, b"old" * 200_000))
    store.save_snapshot(Snapshot(2, 1, b"new"))
    assert store.snapshot() == Snapshot(2, 1, b"new")
    leftover = store._table.query(KeyConditionExpression=Key("pk").eq("SNAPSHOT#000000000001"))["Items"]
    assert leftover == []


def test_an_article_keeps_its_search_document_bytes(store: KnowledgeStore):
    saved = store.save_article("a", "正文", "h", ArticleStatus.PUBLISHED, "tester", NOW, search=b"\x00\x01binary")
    assert store.get_article("a").search == b"\x00\x01binary" == saved.search
