"""Search documents: what the index sees of an article, its terms per field, and their compact encoding. Pure."""

import marshal
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.terms import BIGRAM, PINYIN, TermRules, clean

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
    """A document with its terms per field (term -> count) and its cleaned phrasings.

    The field terms are what the store keeps so the index can be built without a segmenter; the index
    itself folds them into postings and keeps only the document and its phrasings.
    """

    document: SearchDocument
    field_terms: dict[str, dict[str, int]]
    phrasings: tuple[str, ...]


def index_document(document: SearchDocument, terms: Callable[[str], list[str]], rules: TermRules) -> IndexedDocument:
    """Work out a document's terms (the slow, segmenter-bound step, done once when it is written)."""
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
    return IndexedDocument(document, field_terms, phrasings)


def encode_document(indexed: IndexedDocument) -> bytes:
    """Compact bytes for the store: an article's search document, so readers never need the segmenter."""
    return zlib.compress(marshal.dumps((document_fields(indexed.document), indexed.field_terms, indexed.phrasings)))


def decode_document(data: bytes) -> IndexedDocument:
    fields, field_terms, phrasings = marshal.loads(zlib.decompress(data))
    return IndexedDocument(SearchDocument(*fields), field_terms, phrasings)


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
