"""The search index: BM25F recall over words, character bigrams and pinyin bigrams; rapidfuzz re-ranking.

Pure: documents arrive with their terms already worked out (terms.DocumentAnalyzer, at write time),
so building or updating the index needs no segmenter. Postings are parallel arrays (document slot,
weighted term frequency), compact enough for 100,000 articles; a changed or removed article leaves a
tombstone until the next compaction.
"""

import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from chalicelib.terms import BIGRAM, PINYIN, QueryAnalyzer, TermRules, clean, pinyin_of

FIELDS = ("title", "questions", "keywords", "answer", "body")
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.5, "keywords": 2.0, "answer": 1.0, "body": 0.4}
# A pinyin or bigram match is weaker evidence than a whole word: homophones and chance pairs collide.
TERM_KIND_WEIGHTS = {"word": 1.0, BIGRAM: 0.6, PINYIN: 0.35}
K1 = 1.2
B = 0.75
RERANK_DEPTH = 40
COMPACT_AFTER = 0.2  # rebuild once a fifth of the slots are tombstones
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


@dataclass(frozen=True)
class RankSettings:
    """Ranking switches and weights; the defaults are production, the ablation varies them."""

    field_weights: bool = True
    rerank: bool = True
    coverage_weight: float = 0.55  # confidence = coverage share + similarity share
    answered_threshold: float = 0.5
    unknown_term_share: float = 0.5  # an unmatched query term weighs this share of the rarest term's IDF


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
class IndexedDocument:
    """A document with its terms per field (term -> count) and its cleaned phrasings."""

    document: SearchDocument
    field_terms: dict[str, dict[str, int]]
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class RankedHit:
    document: SearchDocument
    score: float
    snippet: str
    marks: tuple[tuple[int, int], ...] = ()


def index_document(document: SearchDocument, terms: Callable[[str], list[str]], rules: TermRules) -> IndexedDocument:
    """Work out a document's terms (the slow, segmenter-bound step, done once when it is written)."""
    texts = {
        "title": [document.title],
        "questions": list(document.questions),
        "keywords": list(document.keywords),
        "answer": [document.answer],
        "body": [document.body],
    }
    field_terms = {name: dict(Counter(t for text in parts for t in terms(text))) for name, parts in texts.items()}
    phrasings = tuple(p for p in (clean(x, rules).replace(" ", "") for x in (document.title, *document.questions)) if p)
    return IndexedDocument(document, field_terms, phrasings)


def _kind(term: str) -> str:
    return term[0] if term[0] in (BIGRAM, PINYIN) else "word"


@dataclass
class _Postings:
    slots: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))


class SearchIndex:
    """BM25F over indexed documents, updatable in place."""

    def __init__(
        self,
        documents: Iterable[IndexedDocument],
        rules: TermRules,
        synonyms: dict[str, str],
        settings: RankSettings = RankSettings(),
    ) -> None:
        self.rules = rules
        self.synonyms = synonyms
        self.settings = settings
        self._build(list(documents))

    def _build(self, documents: list[IndexedDocument]) -> None:
        self._slots: list[IndexedDocument | None] = []
        self._slot_of: dict[str, int] = {}
        self._postings: dict[str, _Postings] = {}
        self._phrasing_pinyin: list[tuple[str, ...]] = []
        counts = {name: [sum(d.field_terms.get(name, {}).values()) for d in documents] for name in FIELDS}
        self._average_length = {name: max(1.0, sum(c) / max(1, len(c))) for name, c in counts.items()}
        for document in documents:
            self._add(document)
        self._refresh_vocabulary()

    def _refresh_vocabulary(self) -> None:
        words = (t for t in self._postings if _kind(t) == "word")
        self.query_analyzer = QueryAnalyzer(self.rules, self.synonyms, words)

    @property
    def size(self) -> int:
        return len(self._slot_of)

    def document(self, document_id: str) -> SearchDocument | None:
        slot = self._slot_of.get(document_id)
        indexed = self._slots[slot] if slot is not None else None
        return indexed.document if indexed else None

    def _add(self, indexed: IndexedDocument) -> None:
        slot = len(self._slots)
        self._slots.append(indexed)
        self._slot_of[indexed.document.id] = slot
        self._phrasing_pinyin.append(tuple(pinyin_of(p) for p in indexed.phrasings))
        weighted: Counter[str] = Counter()
        for name, terms in indexed.field_terms.items():
            length = sum(terms.values())
            norm = 1 - B + B * length / self._average_length[name]
            field_weight = FIELD_WEIGHTS[name] if self.settings.field_weights else 1.0
            for term, count in terms.items():
                weighted[term] += field_weight * count / norm
        for term, tf in weighted.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = _Postings()
            postings.slots.append(slot)
            postings.weights.append(tf)

    def apply(self, changed: Sequence[IndexedDocument], removed: Iterable[str] = ()) -> None:
        """Replace or add the changed documents and drop the removed ids."""
        for document_id in [*removed, *(d.document.id for d in changed)]:
            slot = self._slot_of.pop(document_id, None)
            if slot is not None:
                self._slots[slot] = None
        for indexed in changed:
            self._add(indexed)
        if len(self._slots) - len(self._slot_of) > COMPACT_AFTER * max(1, len(self._slots)):
            self._build([d for d in self._slots if d is not None])
        else:
            self._refresh_vocabulary()

    def search(
        self, query: str, limit: int = 10, allow: Callable[[SearchDocument], bool] = lambda doc: True
    ) -> list[RankedHit]:
        """The best documents for the query, best first; score is a confidence in [0, 1]."""
        analyzer = self.query_analyzer
        query_terms = analyzer.terms(query)
        if not query_terms:
            return []
        total = max(1, self.size)
        rarest = math.log(1 + (total + 0.5) / 1.5)
        scores: dict[int, float] = {}
        matched: dict[int, float] = {}
        query_weight = 0.0
        for term in query_terms:
            kind_weight = TERM_KIND_WEIGHTS[_kind(term)]
            postings = self._postings.get(term)
            if postings is None:
                query_weight += kind_weight * rarest * self.settings.unknown_term_share
                continue
            df = len(postings.slots)
            weight = kind_weight * math.log(1 + (total - df + 0.5) / (df + 0.5))
            query_weight += weight
            for slot, tf in zip(postings.slots, postings.weights, strict=True):
                scores[slot] = scores.get(slot, 0.0) + weight * tf * (K1 + 1) / (tf + K1)
                matched[slot] = matched.get(slot, 0.0) + weight
        live = [s for s in scores if (d := self._slots[s]) is not None and allow(d.document)]
        candidates = sorted(live, key=scores.__getitem__, reverse=True)[:RERANK_DEPTH]
        if not candidates:
            return []
        top_score = scores[candidates[0]]
        cleaned = clean(query, self.rules).replace(" ", "")
        query_pinyin = pinyin_of(cleaned) + "".join(analyzer.typed_pinyin(clean(query, self.rules)))
        ranked = []
        for slot in candidates:
            coverage = min(1.0, matched[slot] / query_weight)
            similarity = self._similarity(slot, cleaned, query_pinyin)
            confidence = self.settings.coverage_weight * coverage + (1 - self.settings.coverage_weight) * similarity
            order = scores[slot] / top_score + confidence if self.settings.rerank else scores[slot] / top_score
            ranked.append((order, confidence, slot))
        ranked.sort(key=lambda r: r[0], reverse=True)
        return [self._hit(slot, confidence, query_terms) for _, confidence, slot in ranked[:limit]]

    def _similarity(self, slot: int, cleaned_query: str, query_pinyin: str) -> float:
        """How close the query is to the title or a listed phrasing, by characters or by sound."""
        indexed = self._slots[slot]
        best = 0.0
        for phrasing, phrasing_pinyin in zip(indexed.phrasings, self._phrasing_pinyin[slot], strict=True):
            best = max(best, fuzz.WRatio(cleaned_query, phrasing) / 100)
            if query_pinyin and phrasing_pinyin:
                best = max(best, 0.95 * fuzz.WRatio(query_pinyin, phrasing_pinyin) / 100)
        return best

    def _hit(self, slot: int, confidence: float, query_terms: list[str], width: int = 80) -> RankedHit:
        document = self._slots[slot].document
        words = sorted({t.lstrip(BIGRAM) for t in query_terms if _kind(t) != PINYIN}, key=len, reverse=True)
        sentences = [s.strip() for s in _SENTENCE_END.split(document.answer + "\n" + document.body) if s.strip()]
        snippet = max(sentences, key=lambda s: sum(len(w) for w in words if w in s), default=document.title)
        if len(snippet) > width:
            snippet = snippet[: width - 1] + "…"
        return RankedHit(document, round(min(1.0, confidence), 4), snippet, _marks(snippet, words))


def _marks(text: str, words: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Non-overlapping [start, end) spans of the query's words in the text, longest words first."""
    taken = [False] * len(text)
    spans = []
    for word in words:
        start = text.find(word)
        while start != -1:
            end = start + len(word)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(word)
                spans.append((start, end))
            start = text.find(word, end)
    return tuple(sorted(spans))


def is_answered(hits: Sequence[RankedHit], settings: RankSettings = RankSettings()) -> bool:
    return bool(hits) and hits[0].score >= settings.answered_threshold
