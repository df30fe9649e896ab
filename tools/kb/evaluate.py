"""kb eval: search quality and latency over a query set, on the knowledge base or an external FAQ corpus; for a set
whose questions name their dispatch unit (tools/eval/queries-district.jsonl), the right unit for the right district."""

import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3
from moto import mock_aws

from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.people.access import Reader
from chalicelib.search.documents import SearchDocument
from chalicelib.search.ranking import is_answered
from chalicelib.store.table import ensure_table
from chalicelib.wiring import stores_with_bucket
from tools.kb.knowledge import load_knowledge, load_lexicon
from tools.kb.sync import sync_knowledge

RANK_DEPTH = 10
# An out-of-scope question answered at this confidence or more is a confident wrong answer (target: none).
CONFIDENT = 0.8


@dataclass(frozen=True)
class Outcome:
    """What a search function returns: the ranked ids (best first), whether it would answer, and how sure."""

    ranked: list[str]
    answered: bool
    confidence: float = 0.0  # the first hit's
    referral: str | None = None  # the phone of the referral the reply names
    referral_kind: str | None = None
    unit: str | None = None  # the first hit's dispatch unit (for the reply's district)
    district: str | None = None  # the district the reply was given for (the parameter, or named in the question)


SearchFn = Callable[[str], Outcome]


class DistrictSearchFn(Protocol):
    """A search that also takes the caller's district, as GET /api/search's `district`."""

    def __call__(self, text: str, district: str | None = None) -> Outcome: ...


@dataclass(frozen=True)
class Query:
    text: str
    expected: frozenset[str]
    kind: str | None
    refer_to: frozenset[str] = frozenset()  # for referral sets: the lines any of which is right
    district: str | None = None  # sent as the `district` parameter (a code, name or alias)
    caller: str | None = None  # for dispatch sets: the district (code) the answer is for; None: the city's
    unit: str | None = None  # for dispatch sets: the unit the work order goes to


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{number}: not valid JSON ({error.msg})") from None
    return rows


def read_queries(path: Path) -> list[Query]:
    queries = []
    for number, row in enumerate(read_jsonl(path), start=1):
        if not isinstance(row.get("query"), str) or not isinstance(row.get("expected", []), list):
            raise SystemExit(f'{path}:{number}: each line needs "query" (text) and "expected" (list of ids)')
        if not isinstance(row.get("refer_to", ""), str):
            raise SystemExit(f'{path}:{number}: "refer_to" is text: lines separated by |')
        refer_to = frozenset(line for line in row.get("refer_to", "").split("|") if line)
        if any(not isinstance(row.get(k) or "", str) for k in ("district", "caller", "unit")):
            raise SystemExit(f'{path}:{number}: "district", "caller" and "unit" are codes (text) or null')
        dispatch = {k: row.get(k) or None for k in ("district", "caller", "unit")}
        queries.append(Query(row["query"], frozenset(row.get("expected", [])), row.get("kind"), refer_to, **dispatch))
    return queries


EngineFactory = Callable[[Lexicon], SearchEngine]


def knowledge_search(
    knowledge_dir: Path, reader: Reader, stack: ExitStack, engine_for: EngineFactory = SearchEngine
) -> DistrictSearchFn:
    """The real path: parse -> store (moto, in process) -> service index."""
    loaded = load_knowledge(knowledge_dir)
    if loaded.problems:
        raise SystemExit("\n".join(loaded.problems))
    stack.enter_context(mock_aws())
    os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")
    table = ensure_table(boto3.resource("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"]), "zhida-eval")
    store = stores_with_bucket(table, boto3.client("s3", region_name=os.environ["AWS_DEFAULT_REGION"]))
    sync_knowledge(store, loaded, dt.datetime.now(dt.UTC), publish=True)
    live = LiveIndex(
        store.articles,
        store.snapshots,
        store.lexicon,
        store.directory,
        refresh_seconds=float("inf"),
        engine_for=engine_for,
    )
    service = KnowledgeService(live, store.articles)

    def search(text: str, district: str | None = None) -> Outcome:
        result = service.search(SearchParams(q=text[:200], limit=RANK_DEPTH, district=district), reader)
        referral = result.referral
        return Outcome(
            [hit.id for hit in result.hits],
            result.answered,
            result.hits[0].score if result.hits else 0.0,
            referral.phone if referral else None,
            referral.kind if referral else None,
            result.hits[0].department if result.hits else None,
            result.district.code if result.district else None,
        )

    return search


def faq_documents(corpus: Path) -> list[SearchDocument]:
    """External FAQ rows (id, question, answer; either may be empty) as search documents."""
    return [
        SearchDocument(
            id=row["id"], title=row.get("question") or "", category="faq", department="", answer=row.get("answer") or ""
        )
        for row in read_jsonl(corpus)
    ]


def corpus_lexicon(lexicon: Lexicon) -> Lexicon:
    """The lexicon for another FAQ corpus: the not-covered list describes our knowledge base's scope, not its."""
    return lexicon.model_copy(update={"referrals": []})


def corpus_search(corpus: Path, knowledge_dir: Path, engine_for: EngineFactory = SearchEngine) -> SearchFn:
    """An external FAQ indexed by the same engine as the knowledge base."""
    lexicon, _ = load_lexicon(knowledge_dir)
    engine = engine_for(corpus_lexicon(lexicon))
    index = engine.build(engine.index_document(d) for d in faq_documents(corpus))

    def search(text: str) -> Outcome:
        hits = index.search(text, limit=RANK_DEPTH)
        return Outcome(
            [hit.document.id for hit in hits], is_answered(hits, engine.settings), hits[0].score if hits else 0
        )

    return search


def evaluate(queries: list[Query], search: SearchFn, in_district: DistrictSearchFn | None = None) -> dict[str, Any]:
    """The metrics of a query set; `in_district` searches the questions that carry a `district` parameter."""
    if in_district is None and any(q.district for q in queries):
        raise SystemExit("questions with a district need the knowledge base (not --corpus)")
    search(queries[0].text if queries else "预热")  # load lazily built parts before timing
    outcomes: list[tuple[Query, int | None, bool]] = []
    latencies: list[float] = []
    confident_wrong = 0
    referred: list[tuple[Query, Outcome]] = []
    for query in queries:
        start = time.perf_counter()
        outcome = in_district(query.text, query.district) if in_district and query.district else search(query.text)
        latencies.append((time.perf_counter() - start) * 1000)
        rank = next((i for i, doc_id in enumerate(outcome.ranked, start=1) if doc_id in query.expected), None)
        outcomes.append((query, rank, outcome.answered))
        if not query.expected and outcome.answered and outcome.confidence >= CONFIDENT:
            confident_wrong += 1
        referred.append((query, outcome))
    report = _metrics(outcomes)
    report["confident_wrong"] = confident_wrong  # out-of-scope questions answered at confidence >= CONFIDENT
    report["referrals"] = _referral_metrics(referred)
    report["dispatch"] = _dispatch_metrics(referred)
    report["p50_ms"] = round(percentile(latencies, 50), 2)
    report["p99_ms"] = round(percentile(latencies, 99), 2)
    # Per kind of in-scope question; out-of-scope questions have no recall, their figure is abstain_accuracy.
    kinds = sorted({q.kind for q, _, _ in outcomes if q.kind and q.expected})
    report["by_kind"] = {kind: _metrics([o for o in outcomes if o[0].kind == kind and o[0].expected]) for kind in kinds}
    return report


def _referral_metrics(referred: list[tuple[Query, Outcome]]) -> dict[str, Any]:
    """For questions that name their lines (refer_to): how many replies name a right one, a wrong one, none;
    and for every question, how many replies name an emergency line where none was expected."""
    labelled = [(q, o) for q, o in referred if q.refer_to]
    right = sum(1 for q, o in labelled if o.referral in q.refer_to and not o.answered)
    wrong = sum(1 for q, o in labelled if o.referral is not None and o.referral not in q.refer_to)
    emergencies = [(q, o) for q, o in labelled if q.kind == "emergency"]
    return {
        "labelled": len(labelled),
        "right": right,
        "wrong": wrong,
        "none": sum(1 for _, o in labelled if o.referral is None),
        "emergency_right": sum(1 for q, o in emergencies if o.referral in q.refer_to and not o.answered),
        "emergencies": len(emergencies),
        # a referral on a question an article answers: an in-scope question sent elsewhere
        "in_scope_referred": sum(1 for q, o in referred if q.expected and o.referral is not None),
        "in_scope_emergency": sum(1 for q, o in referred if q.expected and o.referral_kind == "emergency"),
        "out_of_scope_referred": sum(1 for q, o in referred if not q.expected and not q.refer_to and o.referral),
    }


def _dispatch_metrics(replies: list[tuple[Query, Outcome]]) -> dict[str, Any]:
    """For questions that name their unit: the share whose reply is for the right district (the parameter's, the
    one the question names, or none) and whose first hit goes to the right unit for it, the figure of the set; and
    apart, the share with the right district, and with the right article first."""
    labelled = [(q, o) for q, o in replies if q.unit]

    def share(count: int) -> float | None:
        return round(count / len(labelled), 4) if labelled else None

    right_district = [(q, o) for q, o in labelled if o.district == q.caller]
    return {
        "labelled": len(labelled),
        "right_unit": share(sum(1 for q, o in right_district if o.unit == q.unit)),
        "right_district": share(len(right_district)),
        "right_article": share(sum(1 for q, o in labelled if o.ranked[:1] and o.ranked[0] in q.expected)),
        "wrong": [q.text for q, o in labelled if o.district != q.caller or o.unit != q.unit],
    }


def _metrics(outcomes: list[tuple[Query, int | None, bool]]) -> dict[str, Any]:
    in_scope = [(rank, answered) for q, rank, answered in outcomes if q.expected]
    out_of_scope = [answered for q, _, answered in outcomes if not q.expected]
    answered = sum(1 for _, _, a in outcomes if a)

    def recall(k: int) -> float | None:
        return round(sum(1 for r, _ in in_scope if r and r <= k) / len(in_scope), 4) if in_scope else None

    return {
        "n": len(outcomes),
        "in_scope": len(in_scope),
        "out_of_scope": len(out_of_scope),
        "recall_at_1": recall(1),
        "recall_at_3": recall(3),
        "recall_at_10": recall(10),
        "mrr": round(sum(1 / r for r, _ in in_scope if r) / len(in_scope), 4) if in_scope else None,
        "abstain_accuracy": round(sum(1 for a in out_of_scope if not a) / len(out_of_scope), 4)
        if out_of_scope
        else None,
        "false_abstain_rate": round(sum(1 for _, a in in_scope if not a) / len(in_scope), 4) if in_scope else None,
        # Risk and coverage: how often a shown answer is right (an answered out-of-scope question is wrong),
        # and the share of all questions that get one.
        "answer_precision": round(sum(1 for r, a in in_scope if a and r == 1) / answered, 4) if answered else None,
        "answered_share": round(answered / len(outcomes), 4) if outcomes else None,
    }


def percentile(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def format_table(report: dict[str, Any]) -> str:
    columns = [
        "n",
        "recall_at_1",
        "recall_at_3",
        "recall_at_10",
        "mrr",
        "abstain_accuracy",
        "false_abstain_rate",
        "answer_precision",
        "answered_share",
    ]
    header = ["set", *columns]
    rows = [["all", *(report[c] for c in columns)]]
    rows += [[kind, *(m[c] for c in columns)] for kind, m in report["by_kind"].items()]
    if report["out_of_scope"]:
        rows.append(["out of scope", report["out_of_scope"], *([None] * 4), report["abstain_accuracy"], *([None] * 3)])
    cells = [header] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(
        f"latency p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms "
        f"({report['in_scope']} in scope, {report['out_of_scope']} out of scope)"
    )
    lines.append(f"confident wrong (out of scope answered at >= {CONFIDENT}): {report['confident_wrong']}")
    lines.append("referrals: " + ", ".join(f"{k} {v}" for k, v in report["referrals"].items()))
    dispatch = report["dispatch"]
    if dispatch["labelled"]:
        lines.append(
            f"dispatch ({dispatch['labelled']} with a unit): right unit for the right district "
            f"{_cell(dispatch['right_unit'])}, right district {_cell(dispatch['right_district'])}, "
            f"right article first {_cell(dispatch['right_article'])}"
        )
        lines += [f"  wrong unit or district: {text}" for text in dispatch["wrong"]]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
