"""The bytes an index snapshots to, and back. Pure.

A cold start must answer within Lambda's init budget at a city's tens of thousands of articles, so restoring
copies and parses as little as it can, and the bytes it fetches are few. A short header, then sections, each
64-byte aligned: the meaning units and the centroids are numpy views of the bytes themselves, never copied or
unpacked; each term's postings (slot gaps and weights) are compressed on their own, about a fifth of their
size, and opened the first time a query has the term; the documents (titles, answers, phrasings) are
compressed in blocks of BLOCK, opened the first time a search ranks or shows one of them.
"""

import marshal
import struct
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from chalicelib.search.documents import SearchDocument, document_fields, visibility_of
from chalicelib.search.embeddings import DIMENSIONS, Packed

# 6: meaning vectors, 7: single characters, 8: phrasings embedded as questions, 9: vectors stored uncompressed,
# 10: sections read in place, documents in blocks
FORMAT = 10
MAGIC = b"ZHIDA-IX"
BLOCK = 32  # documents per compressed block: one opens in about half a millisecond
_ALIGN = 64
_HEAD = struct.Struct("<8sQ")  # magic, header length

Entry = tuple[SearchDocument, tuple[str, ...]]  # a document and its cleaned phrasings, one per slot
PostingLists = dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (ascending slots, saturated weights)
_SLOT, _WEIGHT = np.dtype("<u4"), np.dtype(np.uint8)


class PackedPostings:
    """The snapshot's postings, term by term: how many each term has without opening it, and its lists opened
    (decompressed, gaps added up) on demand."""

    def __init__(self, terms: list[str], counts: np.ndarray, ends: np.ndarray, data: memoryview) -> None:
        self.terms = terms
        self._number = {term: number for number, term in enumerate(terms)}
        self._counts = counts
        self._starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
        self._ends = ends.astype(np.int64)
        self._data = data

    def __contains__(self, term: str) -> bool:
        return term in self._number

    def count(self, term: str) -> int:
        number = self._number.get(term)
        return 0 if number is None else int(self._counts[number])

    def lists(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's ascending slots and weights (KeyError for a term the snapshot lacks)."""
        number = self._number[term]
        count, start, end = int(self._counts[number]), int(self._starts[number]), int(self._ends[number])
        try:
            raw = zlib.decompress(self._data[start:end])
        except zlib.error as damaged:
            raise ValueError(f"not a readable index snapshot ({damaged})") from None
        if len(raw) != count * (_SLOT.itemsize + 1):
            raise ValueError(f"not a readable index snapshot (term {number} has {len(raw)} bytes)")
        gaps = np.frombuffer(raw, dtype=_SLOT, count=count)
        return np.cumsum(gaps, dtype=_SLOT), np.frombuffer(raw, dtype=_WEIGHT, offset=count * _SLOT.itemsize)


def _packed(slots: np.ndarray, weights: np.ndarray) -> bytes:
    """A term's postings for the snapshot: the gaps between its slots (small numbers, so they compress) and its
    weights, compressed together."""
    gaps = np.diff(np.asarray(slots, dtype=np.int64), prepend=0).astype(_SLOT)
    return zlib.compress(gaps.tobytes() + np.asarray(weights, dtype=_WEIGHT).tobytes(), 1)


class DocumentBlocks:
    """The snapshot's documents, block by block, each decoded the first time one of its slots is asked for."""

    def __init__(self, data: memoryview, blocks: Sequence[tuple[int, int]], count: int, size: int) -> None:
        self._data = data
        self._blocks = blocks
        self.count = count
        self.size = size  # documents per block, as the snapshot was written

    def block(self, number: int) -> list[Entry]:
        start, length = self._blocks[number]
        try:
            fields = marshal.loads(zlib.decompress(self._data[start : start + length]))
            return [(SearchDocument(*document), phrasings) for document, phrasings in fields]
        except (zlib.error, EOFError, ValueError, TypeError) as damaged:
            raise ValueError(f"not a readable index snapshot ({damaged})") from None


class Contents(NamedTuple):
    """What a snapshot holds: the slots' ids and documents, postings.Postings' lists and field lengths, and
    dense.VectorIndex's units per slot and centroid matrix; the not-covered questions' vectors (packed)."""

    ids: list[str]
    visibility: list[tuple[str, str, str, str]]  # documents.Visibility of each slot
    documents: DocumentBlocks
    postings: PackedPostings
    average_length: dict[str, float]
    units: list[memoryview]
    centroids: np.ndarray
    not_covered: bytes


def encode(
    entries: Sequence[Entry],
    postings: PostingLists,
    average_length: dict[str, float],
    units: Sequence[Packed],
    centroids: np.ndarray,
    not_covered: bytes,
) -> bytes:
    terms = list(postings)
    packed = [_packed(slots, weights) for slots, weights in postings.values()]
    counts = np.array([len(slots) for slots, _ in postings.values()], dtype="<u4")
    term_ends = np.cumsum([len(p) for p in packed], dtype=np.uint64)
    unit_ends = np.cumsum([len(u) for u in units], dtype=np.uint64)
    blocks = [
        zlib.compress(marshal.dumps([(document_fields(d), p) for d, p in entries[i : i + BLOCK]]))
        for i in range(0, len(entries), BLOCK)
    ]
    sections: dict[str, bytes] = {
        "ids": marshal.dumps([d.id for d, _ in entries]),
        "visibility": marshal.dumps([tuple(visibility_of(d)) for d, _ in entries]),
        "terms": marshal.dumps(terms),
        "term_counts": counts.tobytes(),
        "term_ends": term_ends.astype("<u8").tobytes(),
        "postings": b"".join(packed),
        "unit_ends": unit_ends.astype("<u8").tobytes(),
        "units": b"".join(units),
        "centroids": np.ascontiguousarray(centroids, dtype="<f4").tobytes(),
        "not_covered": not_covered,
        "documents": b"".join(blocks),
    }
    block_table, at = [], 0
    for block in blocks:
        block_table.append((at, len(block)))
        at += len(block)
    placed, at = {}, 0
    for name, section in sections.items():
        placed[name] = (at, len(section))
        at += _padded(len(section))
    header = marshal.dumps(
        {
            "format": FORMAT,
            "count": len(entries),
            "sections": placed,
            "blocks": block_table,
            "block_size": BLOCK,
            "average_length": average_length,
        }
    )
    start = _padded(_HEAD.size + len(header))
    out = bytearray(start + at)
    out[: _HEAD.size + len(header)] = _HEAD.pack(MAGIC, len(header)) + header
    for name, section in sections.items():
        offset = start + placed[name][0]
        out[offset : offset + len(section)] = section
    return bytes(out)


def decode(data: bytes | bytearray | memoryview) -> Contents:
    """What the bytes hold, as views of them; ValueError for damaged snapshots and those of another format."""
    view = memoryview(data)
    try:
        header, start = _header(view)
        count: int = header["count"]

        def section(name: str) -> memoryview:
            offset, length = header["sections"][name]
            if start + offset + length > len(view):
                raise ValueError(f"not a readable index snapshot (section {name} runs past the end)")
            return view[start + offset : start + offset + length]

        ids = marshal.loads(section("ids"))
        visibility = marshal.loads(section("visibility"))
        terms = marshal.loads(section("terms"))
        term_counts = np.frombuffer(section("term_counts"), dtype="<u4")
        term_ends = np.frombuffer(section("term_ends"), dtype="<u8")
        postings_view = section("postings")
        unit_ends = np.frombuffer(section("unit_ends"), dtype="<u8").tolist()
        centroids = np.frombuffer(section("centroids"), dtype="<f4").reshape(-1, DIMENSIONS)
        if not (
            len(ids) == count == len(visibility) == len(unit_ends) and len(terms) == len(term_ends) == len(term_counts)
        ):
            raise ValueError("not a readable index snapshot (its sections disagree on its documents and terms)")
        if len(centroids) not in (0, count) or int(term_ends[-1:].sum()) != len(postings_view):
            raise ValueError("not a readable index snapshot (its sections disagree on its vectors and postings)")
        postings = PackedPostings(terms, term_counts, term_ends, postings_view)
        units_view = section("units")
        units = [units_view[begin:end] for begin, end in zip([0, *unit_ends[:-1]], unit_ends, strict=True)]
        documents = DocumentBlocks(section("documents"), header["blocks"], count, header["block_size"])
        if len(header["blocks"]) != -(-count // documents.size):
            raise ValueError("not a readable index snapshot (its blocks do not hold its documents)")
        return Contents(
            ids,
            visibility,
            documents,
            postings,
            header["average_length"],
            units,
            centroids,
            bytes(section("not_covered")),
        )
    except (EOFError, TypeError, KeyError, IndexError, struct.error) as damaged:
        raise ValueError(f"not a readable index snapshot ({damaged})") from None


def _header(view: memoryview) -> tuple[dict[str, Any], int]:
    """The header and where the sections start; ValueError for damaged snapshots and those of another format."""
    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise ValueError(_older(view))
    _, length = _HEAD.unpack_from(view)
    header = marshal.loads(view[_HEAD.size : _HEAD.size + length])
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"snapshot format {header.get('format') if isinstance(header, dict) else '?'} is not {FORMAT}")
    return header, _padded(_HEAD.size + length)


def _older(view: memoryview) -> str:
    """Why bytes without the magic cannot be read: a format before 10 (a marshal frame, or before 9 compressed
    whole), or no snapshot at all."""
    data = bytes(view)
    for read in (marshal.loads, lambda d: marshal.loads(zlib.decompress(d))):
        try:
            frame = read(data)
            if isinstance(frame, tuple) and frame and isinstance(frame[0], int):
                return f"snapshot format {frame[0]} is not {FORMAT}"
        except (zlib.error, EOFError, ValueError, TypeError):
            continue
    return "not a readable index snapshot (no header)"


def _padded(length: int) -> int:
    return -(-length // _ALIGN) * _ALIGN
