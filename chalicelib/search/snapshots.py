"""The bytes an index snapshots to, and back. Pure.

A marshal frame (format, lexical part, vectors, not-covered vectors): the lexical part (documents with their
phrasings, postings, average field lengths) is compressed; the vectors (int8, which hardly compress) are
stored as they are.
"""

import marshal
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from chalicelib.search.documents import SearchDocument, document_fields

# 6: meaning vectors, 7: single characters, 8: phrasings embedded as questions, 9: vectors stored uncompressed
FORMAT = 9

Entry = tuple[SearchDocument, tuple[str, ...]]  # a document and its cleaned phrasings, one per slot


class Contents(NamedTuple):
    """What a snapshot holds, as postings.Postings and dense.VectorIndex snapshot and restore it."""

    entries: list[Entry]
    postings: dict[str, tuple[bytes, bytes]]
    average_length: dict[str, float]
    vectors: tuple[list[bytes], bytes]
    not_covered: bytes  # embeddings.pack of the not-covered questions' vectors; empty when none are listed


def encode(
    entries: Sequence[Entry],
    postings: dict[str, tuple[bytes, bytes]],
    average_length: dict[str, float],
    vectors: tuple[list[bytes], bytes],
    not_covered: bytes,
) -> bytes:
    fields = [(document_fields(document), phrasings) for document, phrasings in entries]
    lexical = zlib.compress(marshal.dumps((fields, postings, average_length)))
    return marshal.dumps((FORMAT, lexical, vectors, not_covered))


def decode(data: bytes) -> Contents:
    """What the bytes hold; ValueError for damaged snapshots and those of another format."""
    _, lexical, vectors, not_covered = _frame(data)
    try:
        fields, postings, average_length = marshal.loads(zlib.decompress(lexical))
    except (zlib.error, EOFError, ValueError, TypeError) as damaged:
        raise ValueError(f"not a readable index snapshot ({damaged})") from None
    entries = [(SearchDocument(*document), phrasings) for document, phrasings in fields]
    return Contents(entries, postings, average_length, vectors, not_covered)


def _frame(data: bytes) -> tuple[Any, ...]:
    """(format, lexical bytes, vectors, not-covered vectors); ValueError for damaged or older snapshots."""
    try:
        frame = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        frame = None
    if isinstance(frame, tuple) and len(frame) == 4 and frame[0] == FORMAT:
        return frame
    try:  # formats up to 8 were compressed as a whole
        version = marshal.loads(zlib.decompress(data))[0] if frame is None else frame[0]
    except (zlib.error, EOFError, ValueError, TypeError, IndexError, KeyError) as damaged:
        raise ValueError(f"not a readable index snapshot ({damaged})") from None
    raise ValueError(f"snapshot format {version} is not {FORMAT}")
