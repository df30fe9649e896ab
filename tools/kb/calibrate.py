"""kb calibrate: fit the logistic weights that turn search Evidence into the `answered` confidence.

Each query's best hit gives one example: label 1 if the question is in scope (its answer should be
shown), 0 if out of scope. A class-balanced, L2-regularised logistic regression is fitted by gradient
descent (a few hundred examples and three features need nothing more), and the threshold is the
confidence that maximises abstention on out-of-scope questions minus twice the false abstention on
in-scope ones: hiding a right answer costs twice as much as offering the hotline needlessly (the
targets allow 10 % missed abstentions but only 5 % false ones).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.ranking import Evidence
from chalicelib.search import SearchIndex
from tools.kb.evaluate import Query

L2 = 0.01
STEPS = 4000
LEARNING_RATE = 0.5


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]
    threshold: float
    abstain_accuracy: float
    false_abstain_rate: float


def examples(index: SearchIndex, queries: Sequence[Query]) -> list[tuple[tuple[float, ...], int]]:
    rows = []
    for query in queries:
        hits = index.search(query.text, limit=1)
        evidence: Evidence | None = index.evidence(query.text, hits[0].document.id) if hits else None
        features = evidence.features() if evidence else (0.0,) * 3
        rows.append((features, 1 if query.expected else 0))
    return rows


def fit(rows: list[tuple[tuple[float, ...], int]]) -> Calibration:
    positives = sum(label for _, label in rows)
    negatives = len(rows) - positives
    class_weight = {1: len(rows) / (2 * max(1, positives)), 0: len(rows) / (2 * max(1, negatives))}
    size = len(rows[0][0]) + 1
    weights = [0.0] * size
    for _ in range(STEPS):
        gradient = [0.0] * size
        for features, label in rows:
            x = (1.0, *features)
            p = 1 / (1 + math.exp(-sum(w * v for w, v in zip(weights, x, strict=True))))
            for i, v in enumerate(x):
                gradient[i] += class_weight[label] * (p - label) * v
        for i in range(size):
            penalty = L2 * weights[i] if i else 0.0
            weights[i] -= LEARNING_RATE * (gradient[i] / len(rows) + penalty)

    def confidence(features: tuple[float, ...]) -> float:
        return 1 / (1 + math.exp(-sum(w * v for w, v in zip(weights, (1.0, *features), strict=True))))

    scored = [(confidence(f), label) for f, label in rows]
    best = max((_objective(scored, t / 100), t / 100) for t in range(5, 96))
    threshold = best[1]
    abstain, false_abstain = _rates(scored, threshold)
    return Calibration(tuple(round(w, 3) for w in weights), threshold, abstain, false_abstain)


def _rates(scored: list[tuple[float, int]], threshold: float) -> tuple[float, float]:
    out = [c for c, label in scored if not label]
    inside = [c for c, label in scored if label]
    abstain = sum(c < threshold for c in out) / max(1, len(out))
    false_abstain = sum(c < threshold for c in inside) / max(1, len(inside))
    return abstain, false_abstain


def _objective(scored: list[tuple[float, int]], threshold: float) -> float:
    abstain, false_abstain = _rates(scored, threshold)
    return abstain - 2 * false_abstain
