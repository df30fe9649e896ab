"""The search index: BM25F recall over words and character bigrams, rapidfuzz re-ranking. Pure."""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from chalicelib.segmenter import Segmenter
from chalicelib.textnorm import normalize, strip_fillers

# Field weights: a match in the title or a listed phrasing says more than one in the body.
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.5, "keywords": 2.0, "answer": 1.0, "body": 0.4}
K1 = 1.2
B = 0.75
RERANK_DEPTH = 30
# Blend of recall evidence (query coverage) and surface similarity to a title or phrasing.
COVERAGE_WEIGHT = 0.6
ANSWERED_THRESHOLD = 0.45

_STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 嘛 我 你 您 他 她 它 我们 你们 都 也 就 还 又 在 是 有 和 与 及 或 把 被 给 让 要 会 能 "
    "想 去 来 到 从 对 这 那 这个 那个 什么 怎么 怎样 如何 哪里 哪儿 哪个 多少 为什么 可以 一下 一个 请 问 吗 么 "
    "家 家里 现在 今天 已经 一直 还是 就是 但是 因为 所以 如果 然后 自己".split()
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


@dataclass(frozen=True)
class SearchDocument:
    """The searchable view of one article."""

    id: str
    title: str
    category: str
    department: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer: str = ""
    body: str = ""


@dataclass(frozen=True)
class RankedHit:
    document: SearchDocument
    score: float
    snippet: str


@dataclass
class Analyzer:
    """Turns text into index terms: synonym-folded words plus character bigrams."""

    segmenter: Segmenter
    synonyms: dict[str, str] = field(default_factory=dict)

    def clean(self, text: str) -> str:
        return strip_fillers(normalize(text))

    def terms(self, text: str) -> list[str]:
        cleaned = self.clean(text)
        words = [self.synonyms.get(w, w) for w in self.segmenter.words(cleaned)]
        terms = [w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isalnum())]
        for run in _CJK_RUN.findall(cleaned):
            terms.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
        terms.extend(w for w in _ASCII_WORD.findall(cleaned) if w not in terms)
        return terms


def synonym_map(groups: Iterable[Sequence[str]]) -> dict[str, str]:
    """Every word of a group maps to the group's first word."""
    return {normalize(word): normalize(group[0]) for group in groups for word in group}


class SearchIndex:
    """An immutable BM25F index over a set of documents."""

    def __init__(self, documents: Iterable[SearchDocument], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.documents = list(documents)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._phrasings: list[list[str]] = []
        self._sentences: list[list[tuple[str, frozenset[str]]]] = []
        field_terms = [self._field_terms(doc) for doc in self.documents]
        average_length = {
            name: max(1.0, sum(len(f[name]) for f in field_terms) / max(1, len(field_terms))) for name in FIELD_WEIGHTS
        }
        for position, (doc, fields) in enumerate(zip(self.documents, field_terms, strict=True)):
            weighted: Counter[str] = Counter()
            for name, terms in fields.items():
                norm = 1 - B + B * len(terms) / average_length[name]
                for term, count in Counter(terms).items():
                    weighted[term] += FIELD_WEIGHTS[name] * count / norm
            for term, tf in weighted.items():
                self._postings[term].append((position, tf))
            self._phrasings.append([analyzer.clean(p) for p in (doc.title, *doc.questions)])
            sentences = [s.strip() for s in _SENTENCE_END.split(doc.answer + "\n" + doc.body) if s.strip()]
            self._sentences.append([(s, frozenset(analyzer.terms(s))) for s in sentences])
        total = len(self.documents)
        self._idf = {t: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self._postings.items()}
        self._unknown_idf = math.log(1 + (total + 0.5) / 0.5)

    def _field_terms(self, doc: SearchDocument) -> dict[str, list[str]]:
        terms = self.analyzer.terms
        return {
            "title": terms(doc.title),
            "questions": [t for q in doc.questions for t in terms(q)],
            "keywords": [t for k in doc.keywords for t in terms(k)],
            "answer": terms(doc.answer),
            "body": terms(doc.body),
        }

    def search(self, query: str, limit: int = 10, allow=lambda doc: True) -> list[RankedHit]:
        """The best documents for the query, best first; score is a confidence in [0, 1]."""
        query_terms = list(dict.fromkeys(self.analyzer.terms(query)))
        if not query_terms:
            return []
        scores: dict[int, float] = defaultdict(float)
        matched_weight: dict[int, float] = defaultdict(float)
        for term in query_terms:
            idf = self._idf.get(term, 0.0)
            for position, tf in self._postings.get(term, ()):
                scores[position] += idf * tf * (K1 + 1) / (tf + K1)
                matched_weight[position] += idf
        total_weight = sum(self._idf.get(t, self._unknown_idf) for t in query_terms)
        candidates = sorted((p for p in scores if allow(self.documents[p])), key=lambda p: scores[p], reverse=True)[
            :RERANK_DEPTH
        ]
        cleaned_query = self.analyzer.clean(query).replace(" ", "")
        ranked = []
        for position in candidates:
            coverage = matched_weight[position] / total_weight
            similarity = max(fuzz.WRatio(cleaned_query, p.replace(" ", "")) for p in self._phrasings[position]) / 100
            confidence = COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * similarity
            ranked.append((confidence, scores[position], position))
        ranked.sort(reverse=True)
        return [
            RankedHit(self.documents[p], round(confidence, 4), self._snippet(p, set(query_terms)))
            for confidence, _, p in ranked[:limit]
        ]

    def _snippet(self, position: int, query_terms: set[str], width: int = 80) -> str:
        """The sentence of the answer or body that shares most terms with the query."""
        sentences = self._sentences[position]
        if not sentences:
            return self.documents[position].title
        best = max(sentences, key=lambda sentence: len(query_terms & sentence[1]))[0]
        return best if len(best) <= width else best[: width - 1] + "…"


def is_answered(hits: Sequence[RankedHit]) -> bool:
    return bool(hits) and hits[0].score >= ANSWERED_THRESHOLD
