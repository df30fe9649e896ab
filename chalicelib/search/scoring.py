"""The arithmetic of recall: query term weights, the best slots of a score array, and the fusion of word and meaning
scores. Pure: numbers in, numbers out."""

import math
from collections.abc import Callable, Iterable

import numpy as np

from chalicelib.search.documents import term_kind
from chalicelib.search.terms import BIGRAM, PINYIN, UNIGRAM

# A pinyin match is weaker evidence than the characters themselves: homophones collide.
TERM_KIND_WEIGHTS = {"word": 1.0, BIGRAM: 1.0, PINYIN: 0.35, UNIGRAM: 0.5}
# A character found in this share of the documents (and in more than COMMON_CHARACTER_MIN of them) says
# nothing about which one is meant, and its postings would dominate the query's cost.
COMMON_CHARACTER_SHARE = 0.3
COMMON_CHARACTER_MIN = 100


def term_weights(
    terms: Iterable[str], frequency: Callable[[str], int], documents: int, unknown_term_share: float
) -> dict[str, float]:
    """IDF times kind weight per query term; an unknown term gets a negative weight (it matches nothing).

    frequency gives a term's document frequency; documents is how many documents there are.
    """
    total = max(1, documents)
    weights = {}
    for term in terms:
        df = frequency(term)
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        share = 1.0 if df else -unknown_term_share
        kind = term_kind(term)
        if kind == UNIGRAM and df > max(COMMON_CHARACTER_MIN, COMMON_CHARACTER_SHARE * total):
            share = 0.0
        weights[term] = TERM_KIND_WEIGHTS[kind] * idf * share
    return weights


def best_slots(scores: np.ndarray, count: int, keep: Callable[[int], bool]) -> list[int]:
    """The highest-scoring slots that keep accepts, best first; widens its look until it has count or runs out."""
    matched = int(np.count_nonzero(scores > 0))
    look = min(matched, count * 4)
    while True:
        top = np.argpartition(-scores, look - 1)[:look] if 0 < look < len(scores) else np.flatnonzero(scores > 0)
        top = top[np.argsort(-scores[top], kind="stable")]
        chosen = [int(s) for s in top if scores[s] > 0 and keep(int(s))]
        if len(chosen) >= count or look >= matched:
            return chosen[:count]
        look = min(matched, look * 4)


def fuse(pool: list[int], scores: np.ndarray, meanings: dict[int, float], lexical_share: float) -> dict[int, float]:
    """Weighted sum of the standardised word score and nearest-unit cosine over the pool, rescaled to [0, 1]."""
    lexical = np.array([scores[slot] for slot in pool], dtype=np.float64)
    known = [meanings[slot] for slot in pool if slot in meanings]
    fallback = float(np.mean(known)) if known else 0.0  # a document without vectors counts as average
    dense = np.array([meanings.get(slot, fallback) for slot in pool], dtype=np.float64)
    fused = lexical_share * _standardise(lexical) + (1 - lexical_share) * _standardise(dense)
    low, high = float(fused.min()), float(fused.max())
    scaled = (fused - low) / (high - low) if high > low else np.ones_like(fused)
    return {slot: float(value) for slot, value in zip(pool, scaled, strict=True)}


def _standardise(values: np.ndarray) -> np.ndarray:
    deviation = float(values.std())
    return (values - values.mean()) / deviation if deviation > 1e-9 else np.zeros_like(values)
