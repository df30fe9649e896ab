"""Search documents: what the index sees of an article, its terms per field, and their compact encoding. Pure."""

import marshal
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chalicelib.embeddings import pack
from chalicelib.terms import BIGRAM, PINYIN, TermRules, clean

ANSWER_UNIT_CHARS = 200  # the answer's opening says what it is about; more costs time, not accuracy
FIELDS = ("title", "questions", "keywords", "answer", "body")
# Which term kinds each field indexes: the body gets words only, since its bigrams and sounds would
# multiply the postings (and the memory) while the short fields carry the phrasings people type.
_EVERY_KIND = frozenset({"word", BIGRAM, PINYIN})
FIELD_KINDS = {
    "title": _EVERY_KIND,
    "questions": _EVERY_KIND,
    "keywords": _EVERY_KIND,
    "answer": frozenset({"word", BIGRAM}),
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


@dataclass(frozen=True)
class IndexedDocument:
    """A document with its terms per field (term -> count), its cleaned phrasings and its meaning vectors.

    The field terms are what the store keeps so the index can be built without a segmenter; the index
    itself folds them into postings and keeps only the document and its phrasings. The vectors
    (embeddings.pack: one per meaning unit, see meaning_units) are empty when no model was available.
    """

    document: SearchDocument
    field_terms: dict[str, dict[str, int]]
    phrasings: tuple[str, ...]
    vectors: bytes = b""


def meaning_units(document: SearchDocument) -> list[str]:
    """What gets a meaning vector: the title, each phrasing and the standard answer, the first unit the title.

    Callers ask in the words of a phrasing far more often than in those of the answer, so each phrasing
    is its own unit and a question is matched to its nearest one (docs/search.md measures the choice).
    """
    return [text for text in (document.title, *document.questions, document.answer[:ANSWER_UNIT_CHARS]) if text]


def index_document(
    document: SearchDocument,
    terms: Callable[[str], list[str]],
    rules: TermRules,
    embed: Callable[[list[str]], np.ndarray | None] = lambda texts: None,
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
    vectors = embed(meaning_units(document))
    return IndexedDocument(document, field_terms, phrasings, pack(vectors) if vectors is not None else b"")


def encode_document(indexed: IndexedDocument) -> bytes:
    """Compact bytes for the store: an article's search document, so readers need neither segmenter nor model."""
    fields = document_fields(indexed.document)
    return zlib.compress(marshal.dumps((fields, indexed.field_terms, indexed.phrasings, indexed.vectors)))


def decode_document(data: bytes) -> IndexedDocument:
    fields, field_terms, phrasings, *vectors = marshal.loads(zlib.decompress(data))  # no vectors before format 6
    return IndexedDocument(SearchDocument(*fields), field_terms, phrasings, *vectors)


def document_fields(d: SearchDocument) -> tuple:
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
    )


def term_kind(term: str) -> str:
    return term[0] if term[0] in (BIGRAM, PINYIN) else "word"
