"""What a result shows of its document: the answer's sentence that best matches the query, the query's words marked in
it, and the phrasing a completion offers. Pure."""

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from chalicelib.search.documents import SearchDocument, term_kind
from chalicelib.search.terms import BIGRAM, PINYIN, UNIGRAM

Marks = tuple[tuple[int, int], ...]
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


def snippet(document: SearchDocument, query_terms: Sequence[str], width: int = 80) -> tuple[str, Marks]:
    """The answer's sentence sharing most of the query's words (the title when there is no answer), cut to width,
    and where those words are in it."""
    shown = (t.lstrip(BIGRAM) for t in query_terms if term_kind(t) not in (PINYIN, UNIGRAM))
    words = sorted(set(shown), key=len, reverse=True)
    sentences = [s.strip() for s in _SENTENCE_END.split(document.answer) if s.strip()]
    text = max(sentences, key=lambda s: sum(len(w) for w in words if w in s), default=document.title)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text, marks(text, words)


def marks(text: str, words: Sequence[str]) -> Marks:
    """[start, end) spans of the query's words in the text; overlapping and touching spans are joined."""
    taken = [False] * len(text)
    for word in words:
        start = text.find(word)
        while start != -1:
            taken[start : start + len(word)] = [True] * len(word)
            start = text.find(word, start + 1)
    spans: list[tuple[int, int]] = []
    for position, marked in enumerate(taken):
        if marked and spans and spans[-1][1] == position:
            spans[-1] = (spans[-1][0], position + 1)
        elif marked:
            spans.append((position, position + 1))
    return tuple(spans)


def completion(typed: str, document: SearchDocument) -> str:
    """The title or phrasing of the document closest to what has been typed (its compact, cleaned form)."""
    phrasings = [document.title, *document.questions]
    return max(phrasings, key=lambda p: (p.startswith(typed), fuzz.partial_ratio(typed, p), -len(p)))
