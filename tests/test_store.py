import datetime as dt

import pytest
from botocore.exceptions import IncompleteReadError

from chalicelib.errors import Conflict
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import ArticleStatus
from chalicelib.knowledge.models.editing import AuditEntry, EditorialState, Version, WorkingCopy
from chalicelib.knowledge.store.articles import ArticleChange, LiveChange
from chalicelib.knowledge.store.snapshots import Snapshot
from chalicelib.store import objects
from chalicelib.wiring import Stores

NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def save(store: Stores, article_id: str, text: str = "正文", status=ArticleStatus.PUBLISHED, search=None):
    return store.articles.save_live(article_id, LiveChange(status, None, text, f"hash-{text}", search), "tester", NOW)


def first_version(article_id: str, revision: int = 1) -> ArticleChange:
    """A new article's first version, as the editorial service builds the change."""
    head = WorkingCopy(
        id=article_id,
        state=EditorialState.DRAFT,
        revision=revision,
        version=1,
        title="暖气不热怎么办",
        category="heating",
        department="heating-company",
        review_by=dt.date(2026, 10, 1),
        updated_at=NOW,
        updated_by="王编辑",
    )
    audit = AuditEntry(
        at=NOW, actor="王编辑", role="editor", action="create", article_id=article_id, department="heating-company"
    )
    version = Version(
        version=1,
        author="王编辑",
        created_at=NOW,
        message="create",
        content_hash="h",
        title=head.title,
        markdown="正文",
    )
    return ArticleChange(head, None if revision == 1 else revision - 1, audit, version=version)


def test_an_empty_table_is_at_generation_zero(store: Stores):
    assert store.generation() == 0
    assert store.articles.live("nothing") is None
    assert list(store.articles.live_articles()) == []


def test_every_write_advances_the_generation(store: Stores):
    first = save(store, "a")
    second = save(store, "b")
    assert (first.generation, second.generation, store.generation()) == (1, 2, 2)


def test_a_saved_article_reads_back_unchanged(store: Stores):
    saved = save(store, "a", "暖气不热")
    assert store.articles.live("a") == saved
    assert saved.updated_at == NOW and saved.updated_by == "tester"


def test_articles_since_a_generation_lists_only_later_changes(store: Stores):
    save(store, "a")
    save(store, "b")
    save(store, "a", "新正文")
    assert [a.id for a in store.articles.live_articles(since_generation=2)] == ["a"]
    assert sorted(a.id for a in store.articles.live_articles()) == ["a", "b"]
    assert store.articles.count_live_since(1) == 2


def test_the_lexicon_round_trips_with_its_generation(store: Stores):
    assert store.lexicon.current() == (Lexicon(), 0)
    lexicon = Lexicon(
        terms=["截门"], synonyms=[["暖气", "供暖"]], banned_phrases=["不知道"], categories={"heating": "供暖"}
    )
    generation = store.lexicon.save(lexicon)
    assert store.lexicon.current() == (lexicon, generation)


def test_listing_pages_through_many_articles(store: Stores):
    for number in range(120):
        save(store, f"a{number}", "长" * 9000)
    assert len(list(store.articles.live_articles())) == 120


def test_a_snapshot_round_trips_through_the_bucket_in_parallel_ranges(store: Stores, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(store.bucket, "range_bytes", 100_000)  # 768 kB: eight ranges, fetched at once
    monkeypatch.setattr(objects, "_STEP", 30_000)  # each read in steps
    assert store.snapshots.latest() is None and store.snapshots.latest_generation() is None
    data = bytes(range(256)) * 3000
    store.snapshots.save(Snapshot(7, 3, data))
    assert store.snapshots.latest() == Snapshot(7, 3, data)
    assert store.snapshots.latest_generation() == 7


def snapshot_objects(store: Stores) -> dict[str, bytes]:
    client, name = store.bucket.client, store.bucket.name
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]
    return {key: client.get_object(Bucket=name, Key=key)["Body"].read() for key in keys}


def test_a_new_snapshot_keeps_the_one_before_for_readers_of_the_old_pointer_and_drops_older_ones(store: Stores):
    store.snapshots.save(Snapshot(1, 1, b"old"))
    store.snapshots.save(Snapshot(2, 1, b"mid"))
    assert sorted(snapshot_objects(store).values()) == [b"mid", b"old"]
    store.snapshots.save(Snapshot(3, 1, b"new"))
    assert store.snapshots.latest() == Snapshot(3, 1, b"new")
    assert sorted(snapshot_objects(store).values()) == [b"mid", b"new"]
    store.snapshots.save(Snapshot(3, 1, b"new again"))  # a tool's re-save at the same generation: a new object
    assert sorted(snapshot_objects(store).values()) == [b"new", b"new again"]
    assert store.snapshots.latest() == Snapshot(3, 1, b"new again")
    assert all(key.startswith("index/000000000003-") for key in snapshot_objects(store))


def test_a_snapshot_whose_object_is_gone_is_ignored_and_saved_again(store: Stores):
    """A table restored from a backup (kb restore, point-in-time recovery) has the pointer, not the object."""
    store.snapshots.save(Snapshot(4, 2, b"abcd"))
    store.bucket.delete(list(snapshot_objects(store)))
    assert store.snapshots.latest() is None
    assert store.snapshots.latest_generation() is None  # so the job saves one again


def test_two_saves_at_once_leave_one_pointer_and_no_stray_object(store: Stores, monkeypatch: pytest.MonkeyPatch):
    store.snapshots.save(Snapshot(1, 1, b"first"))
    put = store.bucket.put

    def meanwhile_another_save(key: str, data: bytes) -> None:
        monkeypatch.setattr(store.bucket, "put", put)
        store.snapshots.save(Snapshot(2, 1, b"theirs"))  # lands between our upload's start and our switch
        put(key, data)

    monkeypatch.setattr(store.bucket, "put", meanwhile_another_save)
    store.snapshots.save(Snapshot(2, 1, b"ours"))
    assert store.snapshots.latest() == Snapshot(2, 1, b"theirs")
    assert sorted(snapshot_objects(store).values()) == [b"first", b"theirs"]


def test_the_snapshots_an_older_release_kept_in_the_table_are_deleted_at_the_first_save(store: Stores):
    for number, chunk in enumerate([b"ab", b"cd"]):
        store.table.put_item(Item={"pk": f"SNAPSHOT#000000000004#{number:05d}", "sk": "PART", "data": chunk})
    store.table.put_item(Item={"pk": "SNAPSHOT#000000000003", "sk": "PART#00000", "data": b"older"})
    store.table.put_item(
        Item={
            **{"pk": "SNAPSHOT", "sk": "CURRENT", "generation": 4, "lexicon_generation": 2, "parts": 2},
            **{"spread": True, "size": 4, "kept_generation": 3, "kept_parts": 1, "kept_spread": False},
        }
    )
    assert store.snapshots.latest() is None and store.snapshots.latest_generation() is None  # rebuilt, re-saved
    store.snapshots.save(Snapshot(5, 2, b"e"))
    assert store.snapshots.latest() == Snapshot(5, 2, b"e")
    # that release's pointer goes too: rolled back to, it finds no snapshot rather than one it cannot read
    assert [i["sk"] for i in store.table.scan()["Items"] if i["pk"].startswith("SNAPSHOT")] == ["OBJECT"]


def test_an_article_keeps_its_search_document_bytes(store: Stores):
    saved = save(store, "a", search=b"\x00\x01binary")
    assert store.articles.live("a").search == b"\x00\x01binary" == saved.search


def test_a_change_writes_its_working_copy_audit_entry_and_version_under_one_generation(store: Stores):
    change = first_version("a")
    assert store.articles.write(change) == change.head
    assert store.generation() == 1
    assert store.articles.head("a") == change.head  # its Markdown is in the version: a WorkingCopy has none
    assert store.articles.version("a", 1) == change.version
    assert store.articles.audit("a") == [change.audit]


def test_a_change_on_a_stale_revision_writes_nothing_and_names_the_current_one(store: Stores):
    store.articles.write(first_version("a"))
    with pytest.raises(Conflict) as refused:
        store.articles.write(first_version("a"))  # a second "new article" with the same id
    assert refused.value.details["revision"] == 1
    with pytest.raises(Conflict):
        store.articles.write(first_version("a", revision=3))  # based on revision 2, which never was
    assert store.generation() == 1 and len(store.articles.audit("a")) == 1


def test_a_snapshot_read_cut_short_fails_like_a_timeout_never_as_half_an_index(
    store: Stores, monkeypatch: pytest.MonkeyPatch
):
    store.snapshots.save(Snapshot(1, 1, b"x" * 1000))
    get_object = store.bucket.client.get_object

    def cut_short(**request):
        answer = get_object(**request)
        answer["Body"] = type("CutOff", (), {"readinto": lambda self, view: 0})()  # the connection ends at once
        return answer

    monkeypatch.setattr(store.bucket.client, "get_object", cut_short)
    with pytest.raises(IncompleteReadError):  # a BotoCoreError: the live index answers 503 and tries again
        store.snapshots.latest()
