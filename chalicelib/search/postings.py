"""The inverted index: for each term, the documents that have it and its BM25F weight in each. Pure.

A term's postings are two parallel numpy arrays: ascending document slots, and the BM25-saturated
field-weighted term frequency in each, one byte a posting. Document terms are not kept beside them:
"does document d have term t" is a binary search in t's slots. A restored index opens a term's arrays
from the snapshot the first time a query has it (snapshots.PackedPostings).
"""

from collections.abc import Iterator, Sequence

import numpy as np

from chalicelib.search.documents import FIELDS, term_kind
from chalicelib.search.snapshots import PackedPostings

FIELD_WEIGHTS = {"title": 3.0, "questions": 2.5, "keywords": 2.0, "answer": 1.0, "body": 0.4}
K1 = 1.6
WEIGHT_SCALE = 90  # saturated tf < K1 + 1 = 2.6, so it fits a byte in steps of 1/90
B = 0.75
_SLOT = np.uint32
_WEIGHT = np.uint8

FieldTerms = dict[str, dict[str, int]]  # field -> term -> count, as documents.IndexedDocument holds them


def _saturate(tf: float) -> int:
    """BM25's saturated term frequency, in 1/WEIGHT_SCALE steps so that a posting weighs one byte."""
    return round(WEIGHT_SCALE * tf * (K1 + 1) / (tf + K1))


class Postings:
    """Term -> (slots, saturated weights); appended to, renumbered on compaction, scored against a query's terms."""

    def __init__(self, average_length: dict[str, float], field_weights: bool) -> None:
        self.average_length = average_length  # per field, the length that needs no normalisation
        self.field_weights = field_weights  # weigh fields by FIELD_WEIGHTS (else all alike)
        self._lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # opened terms (all, unless restored)
        self._packed: PackedPostings | None = None  # a snapshot's terms not opened yet live here

    @classmethod
    def for_documents(cls, documents: Sequence[FieldTerms], field_weights: bool) -> "Postings":
        """Empty postings whose field lengths are normalised by these documents' average."""
        counts = {name: [sum(d.get(name, {}).values()) for d in documents] for name in FIELDS}
        return cls({name: max(1.0, sum(c) / max(1, len(c))) for name, c in counts.items()}, field_weights)

    def add(self, first_slot: int, documents: Sequence[FieldTerms]) -> None:
        """Post documents in consecutive slots from first_slot; each term's new postings join its arrays at once."""
        added: dict[str, tuple[list[int], list[int]]] = {}
        for slot, field_terms in enumerate(documents, start=first_slot):
            weighted: dict[str, float] = {}
            for name, terms in field_terms.items():
                norm = 1 - B + B * sum(terms.values()) / self.average_length[name]
                field_weight = FIELD_WEIGHTS[name] if self.field_weights else 1.0
                for term, count in terms.items():
                    weighted[term] = weighted.get(term, 0.0) + field_weight * count / norm
            for term, tf in weighted.items():
                slots, weights = added.setdefault(term, ([], []))
                slots.append(slot)
                weights.append(_saturate(tf))
        for term, (slots, weights) in added.items():
            new = (np.array(slots, dtype=_SLOT), np.array(weights, dtype=_WEIGHT))
            old = self._get(term)
            self._lists[term] = (
                new if old is None else (np.concatenate((old[0], new[0])), np.concatenate((old[1], new[1])))
            )

    def compact(self, alive: np.ndarray) -> None:
        """Drop the slots not marked alive and renumber the rest, keeping the order; a term left with none goes."""
        renumbered = np.cumsum(alive, dtype=np.int64) - 1
        self._open_all()
        for term, (slots, weights) in list(self._lists.items()):
            keep = alive[slots]
            if keep.any():
                self._lists[term] = (renumbered[slots[keep]].astype(_SLOT), weights[keep])
            else:
                del self._lists[term]

    def frequency(self, term: str) -> int:
        """How many slots have the term (tombstones included until compaction)."""
        postings = self._lists.get(term)
        if postings is not None:
            return len(postings[0])
        return self._packed.count(term) if self._packed is not None else 0

    def has(self, term: str, slot: int) -> bool:
        postings = self._get(term)
        if postings is None:
            return False
        slots = postings[0]
        at = int(np.searchsorted(slots, slot))
        return at < len(slots) and slots[at] == slot

    def scores(self, weights: dict[str, float], size: int) -> np.ndarray:
        """The BM25F score of each of size slots: the sum of weight × saturated tf over the query terms it has."""
        scores = np.zeros(size, dtype=np.float32)
        for term, weight in weights.items():
            if weight > 0:
                postings = self._get(term)
                if postings is None:
                    continue
                slots, saturated = postings
                scores[slots] += saturated * np.float32(weight / WEIGHT_SCALE)  # slots are unique per term
        return scores

    def words(self) -> Iterator[str]:
        """The terms that are words (not bigrams, sounds or characters): the vocabulary queries are cut against."""
        terms = self._lists if self._packed is None else dict.fromkeys([*self._packed.terms, *self._lists])
        return (t for t in terms if term_kind(t) == "word")

    def snapshot(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each term's slots and weights (the average field lengths are kept beside them)."""
        self._open_all()
        return dict(self._lists)

    def _get(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's arrays, opened from the snapshot on first use; None for a term no document has."""
        found = self._lists.get(term)
        if found is None and self._packed is not None and term in self._packed:
            found = self._lists[term] = self._packed.lists(term)
        return found

    def _open_all(self) -> None:
        """Open every term still packed (before a compaction renumbers them, or a snapshot is taken)."""
        if self._packed is not None:
            for term in self._packed.terms:
                self._get(term)
            self._packed = None

    @classmethod
    def restore(cls, packed: PackedPostings, average_length: dict[str, float], field_weights: bool) -> "Postings":
        """Postings over a snapshot's terms, each opened when a query first has it."""
        postings = cls(average_length, field_weights)
        postings._packed = packed
        return postings
