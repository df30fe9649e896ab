"""Where a caller goes when no article answers: the referral list (referrals.yaml) and how a query finds its group.

Each group names who handles a kind of question (an emergency line, another hotline, or a department of the
directory to dispatch to), with the callers' words it is known by: cue words that name the matter, and whole
questions that search compares by meaning (the lexicon's not-covered questions). Pure: the lexicon parses the
file, the search index finds the nearest question, and this module decides which group, if any, a query is.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REFERRALS_FILE = "referrals.yaml"
PHONE_PATTERN = r"^[0-9][0-9-]{2,19}$"
# A question that no article answers belongs to the group of its nearest listed question when that question is
# this much nearer in meaning (cosine) than any article's title, phrasing or answer. e5's cosines are compressed
# (0.88-0.96 here), so the margin, not the cosine, tells them apart; fitted on tools/eval/referrals-own*.jsonl
# and the own sets (docs/search.md).
REFER_MARGIN = 0.02
# An emergency is taken at a smaller margin: a caller in danger sent to the hotline is the worse mistake.
EMERGENCY_MARGIN = 0.005


class ReferralKind(StrEnum):
    EMERGENCY = "emergency"  # an emergency line above everything: 110, 119, 120, 122, 96110
    LINE = "line"  # another hotline the caller is transferred to: 12367, 95598, 12315 ...
    DEPARTMENT = "department"  # a work order (派单) to a department of the directory


class ReferralGroup(BaseModel):
    """One group of the referral list, as editors write it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    topic: str = Field(min_length=2, max_length=20)
    kind: ReferralKind
    name: str = Field(min_length=2, max_length=40)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    department: str | None = Field(default=None, max_length=60)
    say: str = Field(min_length=10, max_length=120)
    cues: list[str] = Field(default_factory=list, max_length=60)
    articles: list[str] = Field(default_factory=list, max_length=10)
    questions: list[str] = Field(min_length=1, max_length=400)

    @field_validator("cues")
    @classmethod
    def _cue_words(cls, cues: list[str]) -> list[str]:
        for cue in cues:
            if not 2 <= len(cue) <= 12 or re.search(r"\s", cue):
                raise ValueError(f"a cue is one word of 2-12 characters without spaces: '{cue}'")
        return cues

    @field_validator("questions")
    @classmethod
    def _question_lines(cls, questions: list[str]) -> list[str]:
        for question in questions:
            if not isinstance(question, str) or not 2 <= len(question) <= 200:
                raise ValueError(f"a question of 2-200 characters: '{question}'")
        return questions

    @model_validator(mode="after")
    def _who(self) -> "ReferralGroup":
        if self.kind is ReferralKind.DEPARTMENT:
            if not self.department or self.phone:
                raise ValueError("a department referral names `department` (its phone comes from the directory)")
        elif not self.phone or self.department:
            raise ValueError(f"a referral of kind {self.kind} names `phone` (and no department)")
        if self.articles and self.kind is not ReferralKind.EMERGENCY:
            raise ValueError("only an emergency keeps `articles` under its line")
        return self


@dataclass(frozen=True)
class Nearest:
    """The listed question nearest in meaning to a query: its group, and how much nearer (cosine) it is than the
    nearest article."""

    group: int
    margin: float


@dataclass(frozen=True)
class Referrals:
    """The referral groups, with the cue words in the form queries take after cleaning."""

    groups: tuple[ReferralGroup, ...]
    cues: tuple[tuple[str, int], ...]  # (cleaned cue, group), longest first

    @classmethod
    def of(cls, groups: Sequence[ReferralGroup], clean: Callable[[str], str]) -> "Referrals":
        """clean: the query analyzer's own cleaning, so that a cue is found in any spelling a query has."""
        cues = [(c, g) for g, group in enumerate(groups) for cue in group.cues if (c := clean(cue))]
        return cls(tuple(groups), tuple(sorted(cues, key=lambda item: -len(item[0]))))

    def matches(self, cleaned_query: str) -> tuple[tuple[str, int], ...]:
        """(cue, group) for each cue word the (cleaned) query contains, longest first: worked out once a query."""
        return tuple((cue, g) for cue, g in self.cues if cue in cleaned_query)

    def keeps(self, group: int, document_id: str) -> bool:
        """Whether the group keeps that article under its line (an emergency's `articles`): its cues are not foreign
        to it."""
        return document_id in self.groups[group].articles

    def choose(self, matches: Sequence[tuple[str, int]], nearest: Nearest | None, answered: bool) -> int | None:
        """The group a query belongs to, or None.

        A cue word of an emergency always counts (the page then keeps only the articles that answer it).
        Otherwise a group is chosen only when no article answers: an emergency near in meaning first (a wrong
        other line is a small cost beside a missed emergency), then a group by its cue words, then by meaning.
        Another group's cue word asks more of an emergency found by meaning alone.
        """
        # the groups whose cue words the query holds, emergencies first, then by the longest cue
        cued = sorted(
            dict.fromkeys(g for _, g in matches), key=lambda g: self.groups[g].kind is not ReferralKind.EMERGENCY
        )
        if cued and self.groups[cued[0]].kind is ReferralKind.EMERGENCY:
            return cued[0]
        if answered:
            return None
        emergency = nearest is not None and self.groups[nearest.group].kind is ReferralKind.EMERGENCY
        if nearest is not None and emergency and nearest.margin >= (REFER_MARGIN if cued else EMERGENCY_MARGIN):
            return nearest.group
        if cued:
            return cued[0]
        if nearest is not None and not emergency and nearest.margin >= REFER_MARGIN:
            return nearest.group
        return None


def question_groups(groups: Iterable[ReferralGroup]) -> tuple[list[str], list[int]]:
    """Every listed question in file order, and the group each belongs to."""
    questions, owners = [], []
    for g, group in enumerate(groups):
        for question in group.questions:
            questions.append(question)
            owners.append(g)
    return questions, owners
