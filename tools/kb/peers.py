"""Other ways to search the same corpus, for `kb bench --peers`: each builds from SearchDocuments and
returns ranked ids. Their packages are in requirements-bench.txt, imported only here."""

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.search.documents import SearchDocument
from chalicelib.search.textnorm import normalize

_PUNCTUATION = re.compile(r"[^\w]+")


def _text(doc: SearchDocument) -> str:
    return " ".join([doc.title, *doc.questions, *doc.keywords, doc.answer, doc.body])


def _jieba() -> Callable[[str], list[str]]:
    import jieba

    tokenizer = jieba.Tokenizer()

    def cut(text: str) -> list[str]:
        return [w for w in tokenizer.lcut_for_search(normalize(text)) if w.strip() and not _PUNCTUATION.fullmatch(w)]

    return cut


@dataclass
class Peer:
    name: str
    build: Callable[[list[SearchDocument]], Callable[[str], list[str]]]


def sqlite_fts5(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """SQLite FTS5 over jieba-segmented text (the trigram tokenizer finds nothing for 2-character queries)."""
    cut = _jieba()
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body)")
    db.executemany("INSERT INTO docs VALUES (?, ?)", [(d.id, " ".join(cut(_text(d)))) for d in documents])

    def search(query: str) -> list[str]:
        words = list(dict.fromkeys(cut(query)))
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10", (match,))
        return [row[0] for row in rows]

    return search


def rank_bm25(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """rank_bm25's BM25Okapi over jieba tokens."""
    import numpy
    from rank_bm25 import BM25Okapi

    cut = _jieba()
    model = BM25Okapi([cut(_text(d)) or ["_"] for d in documents])
    ids = [d.id for d in documents]

    def search(query: str) -> list[str]:
        scores = model.get_scores(cut(query))
        return [ids[i] for i in numpy.argsort(-scores)[:10] if scores[i] > 0]

    return search


def whoosh_jieba(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """Whoosh with jieba's ChineseAnalyzer, BM25F, any query word may match."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.query import Or, Term

    analyzer = ChineseAnalyzer()
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=analyzer))
    index = RamStorage().create_index(schema)
    writer = index.writer()
    for d in documents:
        writer.add_document(id=d.id, body=normalize(_text(d)))
    writer.commit()
    searcher = index.searcher()

    def search(query: str) -> list[str]:
        words = list(dict.fromkeys(t.text for t in analyzer(normalize(query))))
        if not words:
            return []
        # optimize=False: whoosh 2.7.4's block-quality skipping can loop without end on some queries (lcqmc).
        return [hit["id"] for hit in searcher.search(Or([Term("body", w) for w in words]), limit=10, optimize=False)]

    return search


def tantivy_jieba_bigrams(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """tantivy with a jieba-token field and a character-bigram field, any term may match."""
    import tantivy

    cut = _jieba()

    def bigrams(text: str) -> list[str]:
        runs = re.findall(r"[\u4e00-\u9fff]+", normalize(text))
        return [run[i : i + 2] for run in runs for i in range(len(run) - 1)]

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("words", tokenizer_name="whitespace")
    builder.add_text_field("bigrams", tokenizer_name="whitespace")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer()
    for d in documents:
        text = _text(d)
        writer.add_document(tantivy.Document(id=d.id, words=" ".join(cut(text)), bigrams=" ".join(bigrams(text))))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def search(query: str) -> list[str]:
        terms = [("words", w) for w in dict.fromkeys(cut(query))]
        terms += [("bigrams", b) for b in dict.fromkeys(bigrams(query))]
        if not terms:
            return []
        should = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, value)) for field, value in terms]
        result = searcher.search(tantivy.Query.boolean_query(should), 10)
        return [searcher.doc(address)["id"][0] for _, address in result.hits]

    return search


def rapidfuzz_wratio(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """rapidfuzz WRatio alone, against each document's title and phrasings (or its answer when it has none)."""
    from rapidfuzz import fuzz, process

    choices = [normalize(" ".join([d.title, *d.questions]).strip() or d.answer) for d in documents]
    ids = [d.id for d in documents]

    def search(query: str) -> list[str]:
        return [ids[i] for _, _, i in process.extract(normalize(query), choices, scorer=fuzz.WRatio, limit=10)]

    return search


def _e5_passages(documents: list[SearchDocument]):
    """One e5 passage vector per document, the way the model is usually used: its whole text, truncated by e5;
    and an embedder of its own for the queries, with no cache, so that every query pays for its embedding."""
    from chalicelib.search.embeddings import E5Embedder, shared_embedder

    texts = [normalize(" ".join([d.title, *d.questions, d.answer])) for d in documents]
    return E5Embedder(memo_size=0), shared_embedder().passages(texts)


def e5_dense(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """The same bundled multilingual-e5-small alone: cosine to each document's single passage vector."""
    import numpy

    embedder, vectors = _e5_passages(documents)
    ids = [d.id for d in documents]

    def search(query: str) -> list[str]:
        scores = vectors @ embedder.query(normalize(query))
        return [ids[i] for i in numpy.argsort(-scores)[:10]]

    return search


def bm25_e5(documents: list[SearchDocument]) -> Callable[[str], list[str]]:
    """rank_bm25 (jieba) and e5 fused naively: 0.25 x z(BM25) + 0.75 x z(cosine) over the union of both top 50s."""
    import numpy
    from rank_bm25 import BM25Okapi

    cut = _jieba()
    model = BM25Okapi([cut(_text(d)) or ["_"] for d in documents])
    embedder, vectors = _e5_passages(documents)
    ids = [d.id for d in documents]

    def search(query: str) -> list[str]:
        lexical = model.get_scores(cut(query))
        dense = vectors @ embedder.query(normalize(query))
        pool = numpy.union1d(numpy.argsort(-lexical)[:50], numpy.argsort(-dense)[:50])

        def z(values):
            return (values - values.mean()) / (values.std() or 1.0)

        fused = 0.25 * z(lexical[pool]) + 0.75 * z(dense[pool])
        return [ids[pool[i]] for i in numpy.argsort(-fused)[:10]]

    return search


PEERS = [
    Peer("sqlite-fts5+jieba", sqlite_fts5),
    Peer("rank_bm25+jieba", rank_bm25),
    Peer("whoosh+jieba", whoosh_jieba),
    Peer("tantivy+jieba+bigrams", tantivy_jieba_bigrams),
    Peer("rapidfuzz-wratio", rapidfuzz_wratio),
    Peer("e5 dense", e5_dense),
    Peer("rank_bm25 + e5", bm25_e5),
]
