"""How confident the engine is that a document answers a query, and the ranking switches. Pure."""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from rapidfuzz import fuzz, process

from chalicelib.search.terms import AnalyzedQuery


@dataclass(frozen=True)
class Evidence:
    """What speaks for one document answering one query; lexical values in [0, 1], meaning ones are cosines."""

    coverage: float  # share of the query's content characters (or typed syllables) the document matches
    similarity: float  # rapidfuzz WRatio to the closest title or phrasing, by characters or by sound
    length: float  # query content units / 20, capped at 1: long stories match a smaller share of their words
    meaning: float | None = None  # cosine of the query with the document's nearest unit (title, phrasing, answer)
    standout: float | None = None  # that cosine in standard deviations above the query's mean centroid cosine
    elsewhere: float | None = None  # cosine of the query with the nearest question the referral list names
    foreign: bool = False  # the query names a matter (a referral cue) that the document's phrasings never name

    def features(self) -> tuple[float, ...]:
        lexical = (self.coverage, self.similarity, self.length, float(self.foreign))
        if self.meaning is None or self.standout is None or self.elsewhere is None:
            return lexical
        return (*lexical, self.meaning, self.standout, self.elsewhere)


def evidence_of(
    analyzed: AnalyzedQuery,
    matched: Iterable[str],
    phrasings: Sequence[str],
    sounds: Callable[[], Sequence[str]],
    meaning: float | None = None,
    spread: tuple[float, float] | None = None,
    elsewhere: float | None = None,
    foreign: bool = False,
) -> Evidence:
    """The evidence for one document from the query terms it has, its cleaned phrasings and (asked for only when the
    query has a sound) their pinyin; with vectors, also its meaning, the query's centroid spread and the not-covered
    cosine."""
    covered = set().union(*(analyzed.covers[t] for t in matched))
    similarity = process.extractOne(analyzed.compact, phrasings, scorer=fuzz.WRatio)[1] / 100 if phrasings else 0.0
    if analyzed.sound and phrasings:
        by_sound = process.extractOne(analyzed.sound, sounds(), scorer=fuzz.WRatio)[1] / 100
        similarity = max(similarity, 0.95 * by_sound)  # a sound-alike is slightly weaker than the same characters
    standout = None
    if meaning is not None and spread is not None and elsewhere is not None:
        standout = (meaning - spread[0]) / spread[1]
    hybrid = standout is not None
    return Evidence(
        coverage=len(covered) / analyzed.units if analyzed.units else 0.0,
        similarity=similarity,
        length=min(1.0, analyzed.units / 20),
        meaning=meaning if hybrid else None,
        standout=standout,
        elsewhere=elsewhere if hybrid else None,
        foreign=foreign,
    )


@dataclass(frozen=True)
class Confidence:
    """A logistic model over Evidence.features(), bias first, shifted so that ANSWERED_AT is its threshold."""

    weights: tuple[float, ...]

    def __call__(self, evidence: Evidence) -> float:
        bias, *weights = self.weights
        z = bias + sum(w * f for w, f in zip(weights, evidence.features(), strict=True))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


# An answer is shown as the answer when its confidence reaches this; below it the pages offer the hotline.
ANSWERED_AT = 0.5
# Fitted on tools/eval/queries-own*.jsonl by `python -m tools.kb calibrate` (the dev set stays held out):
# one model for words and meaning together, one for words alone (the model could not load).
HYBRID_CONFIDENCE = Confidence((-16.693, 3.721, 1.577, 3.793, -3.512, 75.873, -0.082, -62.032))
LEXICAL_CONFIDENCE = Confidence((-6.279, 3.928, 6.267, 3.395, -3.853))


@dataclass(frozen=True)
class RankSettings:
    """Ranking switches and weights; the defaults are production, the ablation varies them."""

    # Boost title, questions and keywords over the body (postings.FIELD_WEIGHTS). Off: since the articles list
    # about ten phrasings each, equal fields find long, story-like questions better (docs/search.md).
    field_weights: bool = False
    rerank_weight: float = 1.0  # how much the confidence moves the first order; 0 = no re-ranking
    lexical_share: float = 0.25  # weight of the standardised word score against the meaning score in the fusion
    answered_threshold: float = ANSWERED_AT
    unknown_term_share: float = 0.5  # an unknown query term weighs this share of the rarest term's IDF
    hybrid_confidence: Confidence = HYBRID_CONFIDENCE
    lexical_confidence: Confidence = LEXICAL_CONFIDENCE

    def confidence(self, evidence: Evidence) -> float:
        hybrid = evidence.meaning is not None
        return (self.hybrid_confidence if hybrid else self.lexical_confidence)(evidence)


DEFAULT_SETTINGS = RankSettings()


class Scored(Protocol):
    @property
    def score(self) -> float: ...


def is_answered(hits: Sequence[Scored], settings: RankSettings = DEFAULT_SETTINGS) -> bool:
    return bool(hits) and hits[0].score >= settings.answered_threshold


# Below this confidence a hit is not shown even as a candidate: it shares words with the query, not its matter.
CANDIDATE_FLOOR = 0.1

S = TypeVar("S", bound=Scored)


@dataclass(frozen=True)
class Decision(Generic[S]):
    """What every page shows for a search: the state and the hits worth listing, best first."""

    state: Literal["answered", "doubtful", "nothing"]
    hits: list[S]

    @property
    def answered(self) -> bool:
        return self.state == "answered"


def decide(hits: Sequence[S], settings: RankSettings = DEFAULT_SETTINGS, line_answers: bool = False) -> Decision[S]:
    """Answered when the first hit reaches the threshold; otherwise the hits above the floor are candidates.

    line_answers: an emergency line is the answer, and the articles under it are candidates only.
    """
    shown = [h for h in hits if h.score >= CANDIDATE_FLOOR]
    if is_answered(hits, settings) and not line_answers:
        return Decision("answered", shown)
    return Decision("doubtful" if shown else "nothing", shown)
