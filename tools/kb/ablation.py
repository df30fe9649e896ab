"""kb ablation: each search step switched off in turn, measured on the knowledge base and external FAQ sets.

The knowledge base is indexed straight through the engine (as the service's index is built), without
the store round trip that `kb eval` takes, so the whole table takes minutes, not tens of minutes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.knowledge.indexing import SearchEngine, search_document
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import Article
from chalicelib.search.documents import SearchDocument
from chalicelib.search.embeddings import Embedder, NoEmbedder, shared_embedder
from chalicelib.search.ranking import RankSettings, is_answered
from chalicelib.search.terms import TermRules
from tools.kb.evaluate import Outcome, Query, corpus_lexicon, evaluate, faq_documents, read_queries


@dataclass(frozen=True)
class Variant:
    name: str
    rules: TermRules = TermRules()
    settings: RankSettings = RankSettings()
    embedder: Embedder | None = None  # None: the bundled model


VARIANTS = [
    Variant("full pipeline"),
    Variant("- width/script folding", rules=TermRules(fold=False)),
    Variant("- filler phrases", rules=TermRules(fillers=False)),
    Variant("- domain dictionary", rules=TermRules(dictionary=False)),
    Variant("- synonyms", rules=TermRules(synonyms=False)),
    Variant("- character bigrams", rules=TermRules(bigrams=False)),
    Variant("- pinyin", rules=TermRules(pinyin=False)),
    Variant("- single characters", rules=TermRules(unigrams=False)),
    Variant("+ field weights", settings=RankSettings(field_weights=True)),
    Variant("- confidence re-ranking", settings=RankSettings(rerank_weight=0.0)),
    Variant("lexical only (no meaning vectors)", embedder=NoEmbedder()),
    Variant("dense first order (lexical share 0)", settings=RankSettings(lexical_share=0.0)),
    Variant("lexical first order (lexical share 1)", settings=RankSettings(lexical_share=1.0)),
]


@dataclass(frozen=True)
class TestSet:
    name: str
    documents: list[SearchDocument]
    queries: list[Query]
    external: bool = False  # another corpus: indexed without our not-covered list


def test_sets(articles: list[Article], eval_dir: Path, own_queries: Path) -> list[TestSet]:
    """The dev and own query sets on the knowledge base, and each external FAQ set that is present."""
    knowledge_documents = [search_document(a) for a in articles]
    sets = []
    if (eval_dir / "queries-dev.jsonl").is_file():
        sets.append(TestSet("dev", knowledge_documents, read_queries(eval_dir / "queries-dev.jsonl")))
    sets.append(TestSet("own", knowledge_documents, read_queries(own_queries)))
    for name in ("ncp", "bq", "lcqmc"):
        folder = eval_dir / "external" / name
        if (folder / "faq.jsonl").is_file():
            queries = read_queries(folder / "queries-dev.jsonl")
            sets.append(TestSet(name, faq_documents(folder / "faq.jsonl"), queries, external=True))
    return sets


def run(lexicon: Lexicon, sets: list[TestSet], progress: Callable[[str], None] = print) -> list[dict[str, Any]]:
    rows = []
    for variant in VARIANTS:
        embedder = variant.embedder or shared_embedder()
        engines = {
            scope: SearchEngine(scope_lexicon, rules=variant.rules, settings=variant.settings, embedder=embedder)
            for scope, scope_lexicon in ((False, lexicon), (True, corpus_lexicon(lexicon)))
        }
        row: dict[str, Any] = {"variant": variant.name}
        for test in sets:
            engine = engines[test.external]
            index = engine.build(engine.index_document(d) for d in test.documents)

            def search(text: str, index=index, settings=engine.settings) -> Outcome:
                hits = index.search(text)
                return Outcome([h.document.id for h in hits], is_answered(hits, settings))

            report = evaluate(test.queries, search)
            row[test.name] = {k: report[k] for k in ("recall_at_1", "mrr", "abstain_accuracy", "false_abstain_rate")}
        progress(f"{variant.name}: done")
        rows.append(row)
    return rows


def format_markdown(rows: list[dict[str, Any]], sets: list[TestSet]) -> str:
    """R@1 / MRR for every set, then abstention / false abstention for the sets with out-of-scope questions."""
    with_abstention = [t for t in sets if any(not q.expected for q in t.queries)]
    header = [f"{t.name} R@1 / MRR" for t in sets] + [f"{t.name} abstain / false abstain" for t in with_abstention]
    lines = ["| variant | " + " | ".join(header) + " |", "|---" * (len(header) + 1) + "|"]
    for row in rows:
        cells = [f"{row[t.name]['recall_at_1']:.3f} / {row[t.name]['mrr']:.3f}" for t in sets]
        cells += [
            f"{row[t.name]['abstain_accuracy']:.3f} / {row[t.name]['false_abstain_rate']:.3f}" for t in with_abstention
        ]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
