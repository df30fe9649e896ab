"""kb bench: index build time, search latency, cold start and memory at N articles; quality beside peers.

Speed and memory are measured here, never in unit tests. The synthetic knowledge base varies the real
articles (titles, phrasings and bodies recombined, district names and numbers added) so that its
vocabulary grows with N the way a real one does.
"""

import datetime as dt
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import numpy as np

from chalicelib import wiring
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.indexing import SearchEngine, search_document
from chalicelib.knowledge.lint import ANSWER_MAX_CHARS
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.editing import MarkdownRequest, PublishRequest
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.knowledge.parsing import ANSWER
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.knowledge.store.snapshots import Snapshot
from chalicelib.people.access import ALL_DEPARTMENTS, Principal, Reader, Role
from chalicelib.search.documents import SearchDocument, meaning_units, meaning_vectors
from chalicelib.search.embeddings import E5Embedder, NoEmbedder, pack, unpack
from chalicelib.search.index import SearchIndex
from chalicelib.search.terms import TermRules
from chalicelib.wiring import Stores
from tools.kb.evaluate import Outcome, Query, corpus_lexicon, evaluate, faq_documents, percentile
from tools.kb.knowledge import LoadedKnowledge
from tools.kb.local import embedded_dynamodb
from tools.kb.stage import PROJECT_DIR
from tools.kb.sync import sync_knowledge

DISTRICTS = "和平 河西 南开 河东 河北 红桥 东丽 西青 津南 北辰 武清 宝坻 滨海 宁河 静海 蓟州".split()
SEARCHES = 2000
SHORT_QUESTION = 20  # characters: what an agent types mid-call, as most of the own set's questions are

# A fresh interpreter, as a Lambda container starts: import the app, answer one query, then the mix.
_COLD_START = """
import json, sys
from app import app
from chalicelib import wiring
from chalicelib.people.access import Reader
from chalicelib.knowledge.models.reading import SearchParams
wiring.knowledge().search(SearchParams(q="暖气不热"), Reader.CITIZEN)
print("answered", wiring.live_index().current().index.size, flush=True)
for text in json.loads(sys.stdin.read()):
    wiring.knowledge().search(SearchParams(q=text[:200]), Reader.AGENT)
# VmHWM is this process's own peak; ru_maxrss would report the parent's size at fork.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"rss_mb": peak_kb / 1024}), flush=True)
"""


def synthetic_documents(base: list[SearchDocument], count: int) -> list[SearchDocument]:
    """count documents varied from the base ones; the first len(base) are the base documents themselves."""
    documents = list(base[:count])
    for number in range(len(documents), count):
        doc, other = base[number % len(base)], base[(number * 7 + 3) % len(base)]
        district = DISTRICTS[number % len(DISTRICTS)]
        documents.append(
            SearchDocument(
                id=f"{doc.id}-{number}",
                title=f"{doc.title}（{district}区）"[:40],
                category=doc.category,
                department=f"{district}区{doc.department}",
                questions=(*doc.questions[number % 3 :], f"{district}区{other.title}"),
                keywords=(*doc.keywords, district),
                answer=f"{doc.answer}（{district}区第{number}号通知）",
                body=f"{doc.body}\n{other.answer}",
                audience=doc.audience,
                effective_from=doc.effective_from,
                expires=doc.expires,
            )
        )
    return documents


def documents_for(knowledge: LoadedKnowledge, corpus: str | None) -> list[SearchDocument]:
    """The quality corpus: an external FAQ file, or the knowledge base's articles."""
    return faq_documents(Path(corpus)) if corpus else [search_document(a) for a in knowledge.articles]


def varied_vectors(base: bytes, units: int, number: int) -> bytes:
    """Vectors for a synthetic document's units that the model never embedded: its base document's units in turn,
    each nudged by a little seeded noise and made unit length again. A varied article means nearly what its base
    means, so this keeps the index's shape and search's arithmetic at scale without hours of embedding; the
    quality figures come from real corpora, embedded for real."""
    vectors = unpack(base)
    if not len(vectors) or not units:
        return b""
    chosen = vectors[np.arange(units) % len(vectors)]
    noise = np.random.default_rng(number).normal(0.0, 0.02, chosen.shape).astype(np.float32)
    varied = chosen + noise
    return pack(varied / np.linalg.norm(varied, axis=1, keepdims=True))


def synthetic_index(engine: SearchEngine, base: list[SearchDocument], count: int) -> SearchIndex:
    """count documents varied from the base ones, indexed with their terms worked out and their vectors varied
    from the base documents' (varied_vectors); the base documents are embedded for real."""
    indexed_base = [engine.index_document(d) for d in base[:count]]
    words_only = SearchEngine(engine.lexicon, engine.rules, engine.settings, NoEmbedder())
    documents = list(indexed_base)
    for number, document in enumerate(synthetic_documents(base, count)[len(base) :], start=len(base)):
        indexed = words_only.index_document(document)
        units = len(meaning_units(document, engine.rules)[0]) + 1
        vectors = varied_vectors(indexed_base[number % len(base)].vectors, units, number)
        documents.append(replace(indexed, vectors=vectors))
    return engine.build(documents)


def bench_speed(
    knowledge: LoadedKnowledge, count: int, queries: list[Query], searches: int = SEARCHES
) -> dict[str, Any]:
    engine = SearchEngine(knowledge.lexicon)
    base = [search_document(a) for a in knowledge.articles]
    engine.index_document(base[0])  # load the segmenter and the model before timing the build
    started = time.perf_counter()
    index = synthetic_index(engine, base, count)
    build_s = time.perf_counter() - started
    texts = [q.text for q in queries] or ["暖气不热"]
    first, first_short = [], []  # each distinct question once: the query embedding is part of every one of these
    for text in dict.fromkeys(texts):
        started = time.perf_counter()
        index.search(text)
        first.append((time.perf_counter() - started) * 1000)
        if len(text) <= SHORT_QUESTION:
            first_short.append(first[-1])
    samples = []  # then the mix again and again, as repeated and popular questions arrive (vectors cached)
    for number in range(searches):
        started = time.perf_counter()
        index.search(texts[number % len(texts)])
        samples.append((time.perf_counter() - started) * 1000)
    p50, p99 = round(percentile(samples, 50), 3), round(percentile(samples, 99), 3)
    embedding_s = _embedding_seconds(base)
    snapshot = index.snapshot()
    cold_start_ms, rss_mb = _cold_start(knowledge, snapshot, index.size, texts)
    return {
        "articles": count,
        "build_s": round(build_s, 2),  # terms of every article; vectors varied (varied_vectors) or from the cache
        "embedding_s_per_article": round(embedding_s, 3),  # what an uncached article costs on top, one core
        "snapshot_mb": round(len(snapshot) / 1e6, 2),
        "first_search_p50_ms": round(percentile(first, 50), 3),
        "first_search_p99_ms": round(percentile(first, 99), 3),
        "first_short_search_p99_ms": round(percentile(first_short or first, 99), 3),
        "search_p50_ms": p50,
        "search_p99_ms": p99,
        "cold_start_ms": cold_start_ms,
        "rss_mb": rss_mb,
    }


def _embedding_seconds(documents: list[SearchDocument]) -> float:
    """Seconds one core spends embedding one real article (title, phrasings, answer), with no cache at all,
    on a sample spread over the articles (each costs about 0.4 s): one in 20, from 4 to 20 of them."""
    sample = min(20, max(4, len(documents) // 20))
    documents = documents[:: max(1, len(documents) // sample)][:sample]
    fresh = E5Embedder()
    started = time.perf_counter()
    for document in documents:
        meaning_vectors(document, TermRules(), fresh)
    return (time.perf_counter() - started) / max(1, len(documents))


def _cold_start(
    knowledge: LoadedKnowledge, snapshot: bytes, documents: int, texts: list[str], runs: int = 3
) -> tuple[float, float]:
    """Median time from starting a fresh interpreter to its first answer, with the index in a local moto table;
    and the largest peak RSS of those interpreters."""
    timings, peaks = [], []
    with embedded_dynamodb("dev"):
        wiring.reset()  # the embedded server's table and bucket
        store = wiring.store()
        lexicon_generation = store.lexicon.save(knowledge.lexicon)
        store.snapshots.save(Snapshot(store.generation(), lexicon_generation, snapshot))
        for _ in range(runs):
            started = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-c", _COLD_START],
                cwd=PROJECT_DIR,
                env=dict(os.environ),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdin is not None and child.stdout is not None  # both are pipes
            first = child.stdout.readline()
            timings.append((time.perf_counter() - started) * 1000)
            child.stdin.write(json.dumps(texts * 3))  # the mix, once it has answered (a pipe holds only 64 kB)
            child.stdin.close()
            last = child.stdout.readline()
            child.wait(timeout=600)
            if first.split()[:1] != ["answered"] or child.returncode != 0:
                raise SystemExit(f"the cold-start process failed (exit {child.returncode}): {first} {last}")
            if int(first.split()[1]) != documents:  # a cold start that missed the snapshot measures nothing
                raise SystemExit(f"the cold-start process found {first.split()[1]} articles, not {documents}")
            peaks.append(json.loads(last)["rss_mb"])
    return round(statistics.median(timings)), round(max(peaks), 1)


def bench_publish(knowledge: LoadedKnowledge, rounds: int) -> dict[str, Any]:
    """How long a reviewer's publish takes, and until another warm instance (refreshing each second, as
    deployed) has applied it; on the embedded DynamoDB, so over HTTP but without AWS's own latency."""
    article = next(a for a in knowledge.articles if len("".join(a.sections[ANSWER].split())) <= ANSWER_MAX_CHARS - 12)
    editor = Principal(Role.EDITOR, "bench editor", frozenset({ALL_DEPARTMENTS}))
    reviewer = Principal(Role.REVIEWER, "bench reviewer", frozenset({ALL_DEPARTMENTS}))
    publish_ms, visible_ms = [], []
    with embedded_dynamodb("dev"):
        region, endpoint = os.environ["AWS_DEFAULT_REGION"], os.environ["DYNAMODB_ENDPOINT"]
        wiring.reset()
        store = wiring.store()
        sync_knowledge(store, knowledge, dt.datetime.now(dt.UTC), publish=True)
        editorial = EditorialService(store.articles, store.lexicon, store.directory.departments)
        other_table = boto3.resource("dynamodb", region_name=region, endpoint_url=endpoint).Table(store.table.name)
        other = Stores(other_table, store.bucket)
        live = LiveIndex(other.articles, other.snapshots, other.lexicon, other.directory, refresh_seconds=1.0)
        KnowledgeService(live, other.articles).search(SearchParams(q=article.title), Reader.AGENT)  # warm container
        for number in range(rounds):
            head = editorial.reads.draft(article.id, editor)
            text = article.markdown.replace("## 标准答复\n\n", f"## 标准答复\n\n（第{number}次修订）", 1)
            editorial.save(article.id, MarkdownRequest(markdown=text), head.revision, editor)
            editorial.submit(article.id, None, None, editor)
            editorial.approve(article.id, None, None, reviewer)
            started = time.perf_counter()
            editorial.publish(article.id, PublishRequest(), None, reviewer)
            published = time.perf_counter()
            generation = store.generation()
            while live.generation() < generation:
                time.sleep(0.01)
            publish_ms.append((published - started) * 1000)
            visible_ms.append((time.perf_counter() - started) * 1000)
    return {
        "publishes": rounds,
        "publish_p50_ms": round(percentile(publish_ms, 50)),
        "visible_p50_ms": round(percentile(visible_ms, 50)),
        "visible_max_ms": round(max(visible_ms)),
    }


def bench_quality(
    knowledge: LoadedKnowledge,
    documents: list[SearchDocument],
    queries: list[Query],
    with_peers: bool,
    external: bool = False,
) -> list[dict[str, Any]]:
    """Recall@1, MRR and latency of our engine and, with peers, of each peer on the same corpus and queries."""
    engine = SearchEngine(corpus_lexicon(knowledge.lexicon) if external else knowledge.lexicon)
    started = time.perf_counter()
    index = engine.build(engine.index_document(d) for d in documents)
    systems = [("zhida", lambda text: [h.document.id for h in index.search(text)], time.perf_counter() - started)]
    words_only = engine.restore(index.snapshot())
    words_only.embedder = NoEmbedder()
    systems.append(("zhida, words only", lambda text: [h.document.id for h in words_only.search(text)], 0.0))
    if with_peers:
        from tools.kb.peers import PEERS

        for peer in PEERS:
            started = time.perf_counter()
            search = peer.build(documents)
            systems.append((peer.name, search, time.perf_counter() - started))
    rows = []
    for name, search, build_s in systems:
        report = evaluate(queries, functools.partial(_always_answered, search))
        rows.append(
            {
                "system": name,
                "recall_at_1": report["recall_at_1"],
                "recall_at_10": report["recall_at_10"],
                "mrr": report["mrr"],
                "p50_ms": report["p50_ms"],
                "p99_ms": report["p99_ms"],
                "build_s": round(build_s, 2),
            }
        )
    return rows


def format_table(report: dict[str, Any]) -> str:
    lines = []
    if "articles" in report:
        lines.append(
            f"{report['articles']} articles: build {report['build_s']} s (+ {report['embedding_s_per_article']} s "
            f"an article to embed uncached), snapshot {report['snapshot_mb']} MB, "
            f"first search of a question (embedding it) p50 {report['first_search_p50_ms']} ms "
            f"p99 {report['first_search_p99_ms']} ms (<= {SHORT_QUESTION} characters: p99 "
            f"{report['first_short_search_p99_ms']} ms), repeated p50 {report['search_p50_ms']} ms "
            f"p99 {report['search_p99_ms']} ms, "
            f"cold start {report['cold_start_ms']} ms, RSS {report['rss_mb']} MB"
        )
    if "publishes" in report:
        lines.append(
            f"{report['publishes']} publishes: publish p50 {report['publish_p50_ms']} ms; applied by another warm "
            f"instance after p50 {report['visible_p50_ms']} ms, at most {report['visible_max_ms']} ms"
        )
    if report.get("peers"):
        lines.append(f"quality on {report['quality_corpus']} ({report['quality_queries']} queries):")
        lines.append(f"  {'system':<24}{'R@1':>7}{'R@10':>7}{'MRR':>7}{'p50 ms':>9}{'p99 ms':>9}{'build s':>9}")
        for row in report["peers"]:
            lines.append(
                f"  {row['system']:<24}{row['recall_at_1']:>7.3f}{row['recall_at_10']:>7.3f}{row['mrr']:>7.3f}"
                f"{row['p50_ms']:>9}{row['p99_ms']:>9}{row['build_s']:>9}"
            )
    return "\n".join(lines)


def _always_answered(search, text: str) -> Outcome:
    """A peer has no notion of "no good answer": it always answers with its ranking."""
    return Outcome(search(text), True)
