"""The search index: BM25F over words, character bigrams and pinyin bigrams, fused with meaning vectors.

Recall takes the lexical top (postings.Postings) and the meaning top (dense.VectorIndex) together; their
scores, each standardised over that pool, are fused by a weighted sum (scoring), and the head is re-ranked
by the calibrated confidence (ranking.Confidence). Without a query vector (no model) the lexical half works
alone. Hits carry the answer's best sentence with the query's words marked (snippets).

Pure: documents arrive with their terms and vectors already worked out (at write time), so building
or updating the index needs neither segmenter nor model; only the query is embedded. A changed or removed
article leaves a tombstone in its slot until the next compaction. The whole index snapshots to bytes
(snapshots) that a cold start restores.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from chalicelib.search import snapshots
from chalicelib.search.dense import VectorIndex
from chalicelib.search.documents import IndexedDocument, SearchDocument, Visibility
from chalicelib.search.embeddings import DIMENSIONS, Embedder, NoEmbedder, pack, unpack
from chalicelib.search.postings import Postings
from chalicelib.search.ranking import DEFAULT_SETTINGS, Evidence, RankSettings, evidence_of, is_answered
from chalicelib.search.referrals import Nearest, ReferralGroup, ReferralKind, Referrals
from chalicelib.search.scoring import best_slots, fuse, term_weights
from chalicelib.search.slots import Entry, Slots
from chalicelib.search.snippets import Marks, completion, snippet
from chalicelib.search.terms import AnalyzedQuery, QueryAnalyzer, TermRules, pinyin_of

RERANK_DEPTH = 10
POOL_DEPTH = 50  # candidates taken from each side, lexical and meaning, before fusion
# A document found by meaning alone, sharing no word with the query, is shown only above this confidence:
# every document has some cosine with every query, and listing the unrelated ones helps nobody.
MEANING_ONLY_FLOOR = 0.05
COMPACT_AFTER = 0.2  # compact once a fifth of the slots are tombstones
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class RankedHit:
    document: SearchDocument
    score: float
    snippet: str
    marks: Marks = ()


@dataclass(frozen=True)
class Found:
    """A search's hits, best first, and the referral group the query belongs to (None: no referral).

    Under an emergency, the hits are only the articles that answer it, and one stands as the answer only when it
    names the emergency word the caller used (the work-injury article's 被车撞); otherwise the line is the answer.
    """

    hits: list[RankedHit]
    referral: ReferralGroup | None = None
    article_may_answer: bool = True


class SearchIndex:
    """BM25F over indexed documents (postings.Postings) and their meaning vectors (dense.VectorIndex), updatable in
    place; a document lives in a slot, the same one on both sides, and a removed one leaves a tombstone."""

    def __init__(
        self,
        documents: Iterable[IndexedDocument],
        rules: TermRules,
        synonyms: dict[str, str],
        settings: RankSettings = DEFAULT_SETTINGS,
        embedder: Embedder | None = None,
        not_covered: np.ndarray | None = None,
        referrals: Referrals | None = None,
        listed_groups: Sequence[int] = (),
    ) -> None:
        self.rules = rules
        self.synonyms = synonyms
        self.settings = settings
        self.embedder = embedder or NoEmbedder()
        # Vectors of the questions the referral list names (rows), compared with each query, and the group of each.
        self.not_covered = not_covered if not_covered is not None else np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.referrals = referrals or Referrals((), ())
        self.listed_groups = np.asarray(listed_groups, dtype=np.int32)
        documents = list(documents)
        self._vectors = VectorIndex()
        self._postings = Postings.for_documents([d.field_terms for d in documents], settings.field_weights)
        self._slots = Slots()
        self._slot_of: dict[str, int] = {}
        self._phrasing_pinyin: dict[int, tuple[str, ...]] = {}  # worked out on first use, per slot
        self._add_all(documents)
        self._refresh_vocabulary()

    def _entry(self, slot: int) -> Entry:
        """The document in a slot that ranking found live (removed slots never rank)."""
        entry = self._slots[slot]
        assert entry is not None, f"slot {slot} was removed"
        return entry

    def _live_slots(self) -> list[Entry]:
        """Every slot, right after compaction, when none is empty."""
        assert all(e is not None for e in self._slots), "compact first"
        return [e for e in self._slots if e is not None]

    def snapshot(self) -> bytes:
        """The whole index as bytes (snapshots.FORMAT); restoring it costs no term analysis, no posting appends and
        no arithmetic."""
        self._compact()
        entries = [(e.document, e.phrasings) for e in self._live_slots()]
        not_covered = pack(self.not_covered) if len(self.not_covered) else b""
        postings, average_length = self._postings.snapshot(), self._postings.average_length
        return snapshots.encode(entries, postings, average_length, *self._vectors.snapshot(), not_covered)

    @classmethod
    def restore(
        cls,
        data: bytes | bytearray | memoryview,
        rules: TermRules,
        synonyms: dict[str, str],
        settings: RankSettings = DEFAULT_SETTINGS,
        embedder: Embedder | None = None,
        referrals: Referrals | None = None,
        listed_groups: Sequence[int] = (),
    ) -> "SearchIndex":
        """An index from snapshot bytes, as it was when the snapshot was taken (ValueError if it cannot be read)."""
        state = snapshots.decode(data)
        index = cls([], rules, synonyms, settings, embedder, unpack(state.not_covered), referrals, listed_groups)
        index._vectors = VectorIndex.restore(state.units, state.centroids)
        index._slots = Slots(blocks=state.documents, visibility=state.visibility)
        index._slot_of = {document_id: slot for slot, document_id in enumerate(state.ids)}
        index._postings = Postings.restore(state.postings, state.average_length, settings.field_weights)
        index._refresh_vocabulary()
        return index

    def _refresh_vocabulary(self) -> None:
        self.query_analyzer = QueryAnalyzer(self.rules, self.synonyms, self._postings.words())

    @property
    def size(self) -> int:
        return len(self._slot_of)

    @property
    def with_vectors(self) -> int:
        """How many documents (tombstones included until compaction) carry meaning vectors."""
        return self._vectors.coverage

    def documents(self) -> list[SearchDocument]:
        return [e.document for e in self._slots if e is not None]

    def _add_all(self, documents: Sequence[IndexedDocument]) -> None:
        """Append documents to new slots, on both sides."""
        self._vectors.append([d.vectors for d in documents])
        self._postings.add(len(self._slots), [d.field_terms for d in documents])
        for indexed in documents:
            self._slot_of[indexed.document.id] = len(self._slots)
            # The body is searchable through its postings; its text is not kept (snippets come from the answer).
            self._slots.append(Entry(replace(indexed.document, body=""), indexed.phrasings))

    def apply(self, changed: Sequence[IndexedDocument], removed: Iterable[str] = ()) -> None:
        """Replace or add the changed documents and drop the removed ids."""
        for document_id in [*removed, *(d.document.id for d in changed)]:
            slot = self._slot_of.pop(document_id, None)
            if slot is not None:
                self._slots.remove(slot)
        self._add_all(changed)
        if len(self._slots) - len(self._slot_of) > COMPACT_AFTER * max(1, len(self._slots)):
            self._compact()
        self._refresh_vocabulary()

    def _compact(self) -> None:
        """Drop tombstoned slots on both sides and renumber the rest, keeping the order."""
        if len(self._slots) == len(self._slot_of):
            return
        alive = np.zeros(len(self._slots), dtype=bool)
        alive[list(self._slot_of.values())] = True
        self._vectors.compact(alive)
        self._postings.compact(alive)
        self._slots = Slots(e for e in self._slots if e is not None)
        self._slot_of = {e.document.id: slot for slot, e in enumerate(self._live_slots())}
        self._phrasing_pinyin = {}

    def search(
        self, query: str, limit: int = 10, allow: Callable[[Visibility], bool] = lambda doc: True
    ) -> list[RankedHit]:
        """The best documents for the query, best first; score is the calibrated confidence in [0, 1]."""
        return self.find(query, limit, allow).hits

    def find(self, query: str, limit: int = 10, allow: Callable[[Visibility], bool] = lambda doc: True) -> Found:
        """The best documents and the referral group of the query: an emergency keeps only the articles that
        answer it; any other group is chosen only when no article answers (referrals.Referrals.choose)."""
        analyzed = self.query_analyzer.analyze(query)
        meaning = self._query_vector(analyzed)
        hits = []
        cues = self.referrals.matches(analyzed.compact)
        ranked, best_meaning = self._rank(analyzed, meaning, limit, allow, cues)
        for confidence, slot in ranked:
            document = self._entry(slot).document
            text, marks = snippet(document, analyzed.terms)
            hits.append(RankedHit(document, round(min(1.0, confidence), 4), text, marks))
        nearest = self._nearest_listed(meaning, best_meaning)
        chosen = self.referrals.choose(cues, nearest, is_answered(hits, self.settings))
        if chosen is None:
            return Found(hits)
        group = self.referrals.groups[chosen]
        if group.kind is not ReferralKind.EMERGENCY:
            return Found(hits, group)
        hits = [h for h in hits if h.document.id in group.articles]
        words = [cue for cue, group in cues if group == chosen]
        named = bool(hits) and any(word in self._named(hits[0].document) for word in words)
        return Found(hits, group, article_may_answer=named)

    def _named(self, document: SearchDocument) -> str:
        """What a document says it is about: its cleaned title and questions, and its keywords."""
        return "".join(self._entry(self._slot_of[document.id]).phrasings) + "".join(document.keywords)

    def _nearest_listed(self, meaning: np.ndarray | None, best_meaning: float | None) -> Nearest | None:
        """The referral group of the listed question nearest to the query vector, and how much nearer it is than
        the nearest title, phrasing or answer of any candidate article."""
        if meaning is None or best_meaning is None or not len(self.not_covered):
            return None  # with no candidate article there is nothing to be nearer than: cue words only
        if len(self.listed_groups) != len(self.not_covered):
            return None
        cosines = self.not_covered @ meaning
        row = int(np.argmax(cosines))
        return Nearest(int(self.listed_groups[row]), float(cosines[row]) - best_meaning)

    def suggest(
        self, typed: str, limit: int = 8, allow: Callable[[Visibility], bool] = lambda doc: True
    ) -> list[tuple[str, SearchDocument]]:
        """Completions for what has been typed so far: the closest title or phrasing of each best match.

        Words only: a half-typed question has no meaning yet, and completions must keep up with the keys.
        """
        analyzed = self.query_analyzer.analyze(typed)
        cues = self.referrals.matches(analyzed.compact)
        documents = [self._entry(slot).document for _, slot in self._rank(analyzed, None, limit, allow, cues)[0]]
        return [(completion(analyzed.compact, document), document) for document in documents]

    def query_vector(self, query: str) -> np.ndarray | None:
        """The meaning vector search would use for this query (None: words only)."""
        return self._query_vector(self.query_analyzer.analyze(query))

    def _query_vector(self, analyzed: AnalyzedQuery) -> np.ndarray | None:
        """The query's meaning vector; None when no model is at hand, no document has vectors, or the query
        has no Chinese (typed pinyin means nothing to the model, and the syllables find it by sound)."""
        if not _CJK.search(analyzed.cleaned) or not self._vectors.coverage:
            return None
        return self.embedder.query(" ".join(analyzed.cleaned.split()))  # masked numbers leave only spaces

    def _rank(
        self,
        analyzed: AnalyzedQuery,
        meaning: np.ndarray | None,
        limit: int,
        allow: Callable[[Visibility], bool],
        cues: Sequence[tuple[str, int]],
    ) -> tuple[list[tuple[float, int]], float | None]:
        """(confidence, slot) of the best documents: lexical and meaning recall fused, the head re-ranked; and the
        cosine of the query with the nearest unit of any candidate (None without a query vector)."""
        weights = self._term_weights(analyzed)
        scores = self._postings.scores(weights, len(self._slots))
        centroids, spread, elsewhere = self._meaning_context(meaning)

        def keep(slot: int) -> bool:
            seen = self._slots.visibility(slot)
            return seen is not None and allow(seen)

        if meaning is None or centroids is None:
            candidates = best_slots(scores, max(limit, RERANK_DEPTH), keep)
            if not candidates:
                return [], None
            top_score = float(scores[candidates[0]])
            first_order = {slot: float(scores[slot]) / top_score for slot in candidates}
            meanings: dict[int, float] = {}
        else:
            pool = list(dict.fromkeys(best_slots(scores, POOL_DEPTH, keep) + best_slots(centroids, POOL_DEPTH, keep)))
            if not pool:
                return [], None
            meanings = self._vectors.nearest_unit(meaning, pool)
            first_order = fuse(pool, scores, meanings, self.settings.lexical_share)
            candidates = sorted(pool, key=lambda slot: -first_order[slot])
        ranked = []
        for position, slot in enumerate(candidates[: max(limit, RERANK_DEPTH)]):
            evidence = self._evidence(slot, analyzed, weights, meanings.get(slot), spread, elsewhere, cues)
            confidence = self.settings.confidence(evidence)
            if scores[slot] == 0 and confidence < MEANING_ONLY_FLOOR:
                continue
            order = first_order[slot] + self.settings.rerank_weight * confidence
            # re-ranking never lifts the tail over the head
            ranked.append((position >= RERANK_DEPTH, -order, confidence, slot))
        ranked.sort()
        best_meaning = max(meanings.values(), default=None)
        return [(confidence, slot) for _, _, confidence, slot in ranked[:limit]], best_meaning

    def evidence(self, query: str, document_id: str) -> Evidence | None:
        """The confidence features of one document for one query (for calibration)."""
        slot = self._slot_of.get(document_id)
        if slot is None:
            return None
        analyzed = self.query_analyzer.analyze(query)
        meaning = self._query_vector(analyzed)
        _, spread, elsewhere = self._meaning_context(meaning)
        nearest = self._vectors.nearest_unit(meaning, [slot]).get(slot) if meaning is not None else None
        cues = self.referrals.matches(analyzed.compact)
        return self._evidence(slot, analyzed, self._term_weights(analyzed), nearest, spread, elsewhere, cues)

    def _meaning_context(
        self, meaning: np.ndarray | None
    ) -> tuple[np.ndarray | None, tuple[float, float] | None, float | None]:
        """dense.VectorIndex.context of the query vector and the not-covered questions; all None without a vector."""
        return self._vectors.context(meaning, self.not_covered) if meaning is not None else (None, None, None)

    def _term_weights(self, analyzed: AnalyzedQuery) -> dict[str, float]:
        return term_weights(analyzed.terms, self._postings.frequency, self.size, self.settings.unknown_term_share)

    def _evidence(
        self,
        slot: int,
        analyzed: AnalyzedQuery,
        weights: dict[str, float],
        meaning: float | None = None,
        spread: tuple[float, float] | None = None,
        elsewhere: float | None = None,
        cues: Sequence[tuple[str, int]] = (),
    ) -> Evidence:
        phrasings = self._entry(slot).phrasings
        matched = [t for t, w in weights.items() if w > 0 and self._postings.has(t, slot)]

        def sounds() -> tuple[str, ...]:
            if slot not in self._phrasing_pinyin:
                self._phrasing_pinyin[slot] = tuple(pinyin_of(p) for p in phrasings)
            return self._phrasing_pinyin[slot]

        # A matter the query names (a cue of the referral list) that the document's phrasings never name: the
        # shared generic part (挂失, 补办, 坏了) is then all that matches.
        document = self._entry(slot).document
        named = self._named(document) if cues else ""
        foreign = any(cue not in named and not self.referrals.keeps(g, document.id) for cue, g in cues)
        return evidence_of(analyzed, matched, phrasings, sounds, meaning, spread, elsewhere, foreign)
