"""How confident the engine is that a document answers a query, and the ranking switches. Pure."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Evidence:
    """What speaks for one document answering one query; each value in [0, 1]."""

    coverage: float  # share of the query's content characters (or typed syllables) the document matches
    similarity: float  # rapidfuzz WRatio to the closest title or phrasing, by characters or by sound
    length: float  # query content units / 20, capped at 1: long stories match a smaller share of their words

    def features(self) -> tuple[float, ...]:
        return (self.coverage, self.similarity, self.length)


# Logistic weights over Evidence.features(), bias first, and the threshold for `answered`: fitted on
# tools/eval/queries-own.jsonl by `python -m tools.kb calibrate` (the dev set stays held out).
CONFIDENCE_WEIGHTS = (-2.94, 2.599, 1.048, 2.273)
ANSWERED_THRESHOLD = 0.46


@dataclass(frozen=True)
class RankSettings:
    """Ranking switches and weights; the defaults are production, the ablation varies them."""

    # Boost title, questions and keywords over the body (search.FIELD_WEIGHTS). Off: since the articles list
    # about ten phrasings each, equal fields find long, story-like questions better (docs/search.md).
    field_weights: bool = False
    rerank_weight: float = 1.0  # how much the confidence moves the BM25 order; 0 = BM25 alone
    answered_threshold: float = ANSWERED_THRESHOLD
    unknown_term_share: float = 0.5  # an unknown query term weighs this share of the rarest term's IDF
    confidence_weights: tuple[float, ...] = CONFIDENCE_WEIGHTS

    def confidence(self, evidence: Evidence) -> float:
        bias, *weights = self.confidence_weights
        z = bias + sum(w * f for w, f in zip(weights, evidence.features(), strict=True))
        return 1 / (1 + math.exp(-z))


DEFAULT_SETTINGS = RankSettings()


class Scored(Protocol):
    score: float


def is_answered(hits: Sequence[Scored], settings: RankSettings = DEFAULT_SETTINGS) -> bool:
    return bool(hits) and hits[0].score >= settings.answered_threshold
