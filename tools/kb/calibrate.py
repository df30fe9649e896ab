"""kb calibrate: fit the logistic models that turn search Evidence into the `answered` confidence.

Each query's best hit gives one example: label 1 if the question is in scope (its answer should be
shown), 0 if out of scope. A class-balanced, L2-regularised logistic regression over standardised
features is fitted by gradient descent (a few hundred examples and six features need nothing more).
The threshold is the confidence that maximises abstention on out-of-scope questions minus
FALSE_ABSTAIN_COST times the false abstention on in-scope ones, and the bias is then shifted so that
the threshold becomes ranking.ANSWERED_AT. Two models are fitted: words and meaning together, and
words alone (what search falls back to when the model cannot load).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chalicelib.search.embeddings import NoEmbedder
from chalicelib.search.index import SearchIndex
from chalicelib.search.ranking import ANSWERED_AT
from tools.kb.evaluate import Query

L2 = 0.01
STEPS = 4000
LEARNING_RATE = 0.5
# Hiding a right answer from an agent costs more than offering the hotline once too often: the targets
# allow 5 % missed abstentions but only 2 % false ones.
FALSE_ABSTAIN_COST = 2.5
NEAR_COPY = 0.95  # cosine above which a listed question counts as a copy of the one being scored

Row = tuple[tuple[float, ...], int]


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]
    threshold: float  # on the unshifted model; the shifted weights put it at ANSWERED_AT
    abstain_accuracy: float
    false_abstain_rate: float


def examples(index: SearchIndex, queries: Sequence[Query]) -> list[Row]:
    """One row per query whose best hit has evidence of the model in use (pinyin-only queries have no meaning).

    Our out-of-scope questions are also listed in the lexicon's not_covered.txt, so each question is
    scored as if it were new: listed questions nearly the same as it (itself included) are left out.
    """
    rows = []
    listed = index.not_covered
    try:
        for query in queries:
            index.not_covered = _without_copies_of(listed, index, query.text[:200])
            hits = index.search(query.text[:200], limit=1)
            evidence = index.evidence(query.text[:200], hits[0].document.id) if hits else None
            if evidence is not None:
                rows.append((evidence.features(), 1 if query.expected else 0))
    finally:
        index.not_covered = listed
    widest = max((len(features) for features, _ in rows), default=0)
    return [row for row in rows if len(row[0]) == widest]


def _without_copies_of(listed: np.ndarray, index: SearchIndex, text: str) -> np.ndarray:
    vector = index.query_vector(text)
    if vector is None or not len(listed):
        return listed
    return listed[listed @ vector < NEAR_COPY]


def lexical_examples(index: SearchIndex, queries: Sequence[Query]) -> list[Row]:
    """The same examples with the meaning model switched off."""
    embedder, index.embedder = index.embedder, NoEmbedder()
    try:
        return examples(index, queries)
    finally:
        index.embedder = embedder


def fit(rows: list[Row]) -> Calibration:
    features = np.array([f for f, _ in rows], dtype=np.float64)
    labels = np.array([label for _, label in rows], dtype=np.float64)
    mean, deviation = features.mean(axis=0), features.std(axis=0) + 1e-9
    standard = np.hstack([np.ones((len(rows), 1)), (features - mean) / deviation])
    positives = max(1.0, labels.sum())
    negatives = max(1.0, len(rows) - labels.sum())
    class_weight = np.where(labels == 1, len(rows) / (2 * positives), len(rows) / (2 * negatives))
    weights = np.zeros(standard.shape[1])
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-standard @ weights))
        gradient = standard.T @ (class_weight * (p - labels)) / len(rows)
        gradient[1:] += L2 * weights[1:]
        weights -= LEARNING_RATE * gradient
    # back to raw features: w_raw = w / sd, bias_raw = bias - sum(w * mean / sd)
    raw = weights[1:] / deviation
    bias = weights[0] - float((raw * mean).sum())
    confidences = 1 / (1 + np.exp(-(features @ raw + bias)))
    scored = list(zip(confidences.tolist(), labels.astype(int).tolist(), strict=True))
    threshold = max((_objective(scored, t / 100), t / 100) for t in range(5, 96))[1]
    abstain, false_abstain = _rates(scored, threshold)
    shifted = bias - math.log(threshold / (1 - threshold)) + math.log(ANSWERED_AT / (1 - ANSWERED_AT))
    return Calibration(tuple(round(float(w), 3) for w in (shifted, *raw)), threshold, abstain, false_abstain)


def _rates(scored: list[tuple[float, int]], threshold: float) -> tuple[float, float]:
    out = [c for c, label in scored if not label]
    inside = [c for c, label in scored if label]
    abstain = sum(c < threshold for c in out) / max(1, len(out))
    false_abstain = sum(c < threshold for c in inside) / max(1, len(inside))
    return abstain, false_abstain


def _objective(scored: list[tuple[float, int]], threshold: float) -> float:
    abstain, false_abstain = _rates(scored, threshold)
    return abstain - FALSE_ABSTAIN_COST * false_abstain
