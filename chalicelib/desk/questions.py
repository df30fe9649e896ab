"""Questions as reports group them: one normalised text is one question, and wordings close by rapidfuzz
with the same top article are one question too (for gaps, which have no good article, closeness alone)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from chalicelib.desk.store.reports import QuestionCount
from chalicelib.search.textnorm import normalize

GROUPED = 1000  # the most asked questions of a period that are grouped; the rest are one-offs
SIMILAR = 75  # rapidfuzz ratio at which two wordings (with the same top article) are one question


def asked(masked: str) -> str:
    """A question as the gaps list and reports group it: normalised (width, case, traditional), spaces folded."""
    return " ".join(normalize(masked).split())


@dataclass
class QuestionGroup:
    """Wordings of one question, with what they add up to."""

    question: str
    top: str | None
    weight: int = 0
    searches: int = 0
    unanswered: int = 0
    unhelpful: int = 0
    variants: int = 0
    examples: Counter[str] = field(default_factory=Counter)
    asked: str = ""  # the group's name as it was typed: the most frequent wording of its named variant

    def __post_init__(self) -> None:
        self.asked = self.asked or self.question


def group_questions(entries: Iterable[QuestionCount], gaps: bool) -> list[QuestionGroup]:
    """The wordings asked (each with its top article) grouped into questions.

    The same normalised text is one question; wordings close by rapidfuzz are one question too when they
    share their top article (for gaps, which have no good article, closeness alone). The most frequent
    variant names the group, shown (`asked`) as it was most often typed, full-width punctuation and all.
    Heaviest first. A question's answer is the top article of its answered searches: one that was never
    answered has none, whatever its searches' top hit was.
    """
    by_text: dict[str, QuestionGroup] = {}
    tops: dict[str, Counter[str | None]] = {}
    for entry in entries:
        text, top, searches, unanswered, unhelpful = (
            entry.question, entry.top, entry.searches, entry.unanswered, entry.unhelpful
        )  # fmt: skip
        weight = unanswered + unhelpful if gaps else searches
        if not weight:
            continue
        group = by_text.setdefault(text, QuestionGroup(text, None))
        group.weight += weight
        group.searches += searches
        group.unanswered += unanswered
        group.unhelpful += unhelpful
        group.examples[entry.example] += weight
        tops.setdefault(text, Counter())[top] += searches - unanswered  # only an answered search names an answer
    for text, group in by_text.items():
        answers = [top for top, answered in tops[text].most_common() if answered > 0 and top is not None]
        group.top = answers[0] if answers and not gaps else None
    ranked = sorted(by_text.values(), key=lambda g: (-g.weight, g.question))[:GROUPED]
    groups: list[QuestionGroup] = []
    names: dict[str | None, list[str]] = {}  # the groups' names, by top article
    members: dict[tuple[str | None, str], QuestionGroup] = {}
    for variant in ranked:
        candidates = names.setdefault(variant.top, [])
        match = process.extractOne(variant.question, candidates, scorer=fuzz.ratio, score_cutoff=SIMILAR)
        if match is None:
            variant.variants = 1
            variant.asked = next((e for e, _ in variant.examples.most_common() if e), variant.question)
            candidates.append(variant.question)
            members[(variant.top, variant.question)] = variant
            groups.append(variant)
            continue
        group = members[(variant.top, match[0])]
        group.variants += 1
        group.weight += variant.weight
        group.searches += variant.searches
        group.unanswered += variant.unanswered
        group.unhelpful += variant.unhelpful
        group.examples.update(variant.examples)
    return sorted(groups, key=lambda g: (-g.weight, g.question))
