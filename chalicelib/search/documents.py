"""Search documents: what the index sees of an article, its terms per field, its meaning vectors, and their compact
encoding. Pure."""

import marshal
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from chalicelib.search.embeddings import DIMENSIONS, Embedder, pack
from chalicelib.search.terms import BIGRAM, PINYIN, UNIGRAM, TermRules, clean

# 2: meaning vectors, 3: single characters, 4: phrasings embedded as questions.
# kb sync re-indexes live articles stored in an older format.
DOCUMENT_FORMAT = 4
ANSWER_UNIT_CHARS = 200  # the answer's opening says what it is about; embedding time grows with the length
FIELDS = ("title", "questions", "keywords", "answer", "body")
# Which term kinds each field indexes: the body gets words only, since its bigrams and sounds would
# multiply the postings (and the memory) while the short fields carry the phrasings people type.
_EVERY_KIND = frozenset({"word", BIGRAM, PINYIN, UNIGRAM})
FIELD_KINDS = {
    "title": _EVERY_KIND,
    "questions": _EVERY_KIND,
    "keywords": _EVERY_KIND,
    "answer": frozenset({"word", BIGRAM, UNIGRAM}),
    "body": frozenset({"word"}),
}


@dataclass(frozen=True)
class SearchDocument:
    """The searchable view of one article."""

    id: str
    title: str
    category: str
    department: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer: str = ""
    body: str = ""
    audience: str = "public"
    effective_from: str = ""  # ISO dates, compared as text; "" means no limit
    expires: str = ""
    # (district, department): where the article sends a district's work instead of the directory's unit for it.
    # Last, so that documents stored before it read as having none.
    districts: tuple[tuple[str, str], ...] = ()


class Visibility(NamedTuple):
    """What decides who may see a document, and when: kept for every slot, so that a search filters its
    candidates without opening their documents. A SearchDocument answers the same attributes."""

    category: str
    audience: str
    effective_from: str
    expires: str


def visibility_of(document: SearchDocument) -> Visibility:
    return Visibility(document.category, document.audience, document.effective_from, document.expires)


@dataclass(frozen=True)
class IndexedDocument:
    """A document with its terms per field (term -> count), its cleaned phrasings and its meaning vectors.

    The field terms are what the store keeps so the index can be built without a segmenter; the index
    itself folds them into postings and keeps only the document and its phrasings. The vectors
    (embeddings.pack: one per meaning unit, see meaning_vectors) are empty when no model was available.
    """

    document: SearchDocument
    field_terms: dict[str, dict[str, int]]
    phrasings: tuple[str, ...]
    vectors: bytes = b""


def meaning_vectors(document: SearchDocument, rules: TermRules, embedder: Embedder) -> bytes:
    """Packed vectors of the title and each phrasing (embedded as questions, as a query is) and of the answer's
    opening (as a passage); empty when no model is available.

    Callers ask in the words of a phrasing far more often than in those of the answer, so each phrasing
    is its own unit and a question is matched to its nearest one (docs/search.md measures the choice).
    """
    questions, answer = meaning_units(document, rules)
    asked = embedder.queries(questions) if questions else np.zeros((0, DIMENSIONS), dtype=np.float32)
    told = embedder.passages([answer]) if answer else np.zeros((0, DIMENSIONS), dtype=np.float32)
    if asked is None or told is None or not len(asked) + len(told):
        return b""
    return pack(np.vstack([asked, told]))


def meaning_units(document: SearchDocument, rules: TermRules) -> tuple[list[str], str]:
    """What meaning_vectors embeds: the title and phrasings (as questions), the answer's opening (a passage)."""
    questions = [q for q in (meaning_text(t, rules) for t in (document.title, *document.questions)) if q]
    return questions, meaning_text(document.answer[:ANSWER_UNIT_CHARS], rules)


def meaning_text(text: str, rules: TermRules) -> str:
    """The text as a query is embedded: normalised, numbers masked, fillers dropped, spaces collapsed."""
    return " ".join(clean(text, rules).split())


def index_document(
    document: SearchDocument,
    terms: Callable[[str], list[str]],
    rules: TermRules,
    embedder: Embedder | None = None,
) -> IndexedDocument:
    """Work out a document's terms and vectors (the slow, model-bound step, done once when it is written)."""
    texts = {
        "title": [document.title],
        "questions": list(document.questions),
        "keywords": list(document.keywords),
        "answer": [document.answer],
        "body": [document.body],
    }
    field_terms = {
        name: dict(Counter(t for text in parts for t in terms(text) if term_kind(t) in FIELD_KINDS[name]))
        for name, parts in texts.items()
    }
    phrasings = tuple(p for p in (clean(x, rules).replace(" ", "") for x in (document.title, *document.questions)) if p)
    vectors = meaning_vectors(document, rules, embedder) if embedder is not None else b""
    return IndexedDocument(document, field_terms, phrasings, vectors)


def encode_document(indexed: IndexedDocument) -> bytes:
    """Compact bytes for the store: an article's search document, so readers need neither segmenter nor model."""
    fields = document_fields(indexed.document)
    state = (DOCUMENT_FORMAT, fields, indexed.field_terms, indexed.phrasings, indexed.vectors)
    return zlib.compress(marshal.dumps(state))


def decode_document(data: bytes) -> IndexedDocument:
    """A stored search document; one of an older format reads as it was written (without vectors, say)."""
    version, *state = document_format(data)
    fields, field_terms, phrasings, *vectors = state
    return IndexedDocument(SearchDocument(*fields), field_terms, phrasings, *vectors)


def document_format(data: bytes) -> tuple[Any, ...]:
    """(format, *state): format 1 is a document written before formats were numbered (no vectors)."""
    state = marshal.loads(zlib.decompress(data))
    return state if isinstance(state[0], int) else (1, *state)


def is_current(data: bytes | None, with_vectors: bool) -> bool:
    """Whether a stored search document has today's format (and vectors, when a model is available to make them)."""
    if not data:
        return False
    version, *state = document_format(data)
    return version == DOCUMENT_FORMAT and (bool(state[3]) or not with_vectors)


def document_fields(d: SearchDocument) -> tuple[Any, ...]:
    return (
        d.id,
        d.title,
        d.category,
        d.department,
        d.questions,
        d.keywords,
        d.answer,
        d.body,
        d.audience,
        d.effective_from,
        d.expires,
        d.districts,
    )


def term_kind(term: str) -> str:
    return term[0] if term[0] in (BIGRAM, PINYIN, UNIGRAM) else "word"
