"""The meaning side of the index: each document's unit vectors, and their centroid for recall. Pure.

Recall compares the query with one centroid per document (a float32 matrix, one product per query);
the few candidates that survive are scored by their nearest unit (title, a phrasing, the answer),
which is what tells a paraphrase of a phrasing from a question that merely shares its topic. How far a
document's cosine stands out from the query's cosines with all of them is evidence too (context).
Slots line up with the lexical index's slots; a document without vectors has a zero centroid.
"""

from collections.abc import Iterable, Sequence

import numpy as np

from chalicelib.search.embeddings import DIMENSIONS, Packed, pack, unpack


class VectorIndex:
    """Unit vectors (packed bytes) and centroids per slot; appended, tombstoned and compacted with the lexical slots."""

    def __init__(self) -> None:
        self._units: list[Packed] = []  # a restored index's are views of the snapshot's bytes
        self._with_vectors = 0
        self._centroids = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._pending: list[np.ndarray] = []  # centroids appended since the matrix was last joined

    def append(self, packed: Sequence[Packed], centroids: np.ndarray | None = None) -> None:
        """Add slots; their centroids are worked out from the units unless given (a snapshot keeps them)."""
        self._units.extend(packed)
        self._with_vectors += sum(1 for p in packed if p)
        if centroids is not None:
            self._pending.append(centroids)
        else:
            self._pending.extend(_centroid(p)[None, :] for p in packed)

    def _matrix(self) -> np.ndarray:
        if self._pending:
            self._centroids = np.vstack([self._centroids, *self._pending])
            self._pending = []
        return self._centroids

    def compact(self, alive: np.ndarray) -> None:
        """Keep the slots marked alive, in order (the lexical index renumbers the same way)."""
        self._centroids = self._matrix()[alive]
        self._units = [u for u, keep in zip(self._units, alive, strict=True) if keep]
        self._with_vectors = sum(1 for u in self._units if u)

    @property
    def coverage(self) -> int:
        """How many slots have vectors."""
        return self._with_vectors

    def centroid_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query with every slot's centroid (0 where a slot has no vectors)."""
        scores: np.ndarray = self._matrix() @ query
        return scores

    def context(
        self, query: np.ndarray, not_covered: np.ndarray
    ) -> tuple[np.ndarray, tuple[float, float] | None, float | None]:
        """For a query: every slot's centroid cosine; their mean and deviation over the slots with vectors; and its
        cosine with the nearest not_covered row (with none, an unrelated text's: the mean). Those two are None when
        fewer than two slots have vectors."""
        centroids = self.centroid_scores(query)
        spread = _spread(centroids)
        if spread is None:
            return centroids, None, None
        elsewhere = float((not_covered @ query).max()) if len(not_covered) else spread[0]
        return centroids, spread, elsewhere

    def nearest_unit(self, query: np.ndarray, slots: Iterable[int]) -> dict[int, float]:
        """For each slot that has vectors, the cosine of its nearest unit to the query."""
        return {slot: float((unpack(self._units[slot]) @ query).max()) for slot in slots if self._units[slot]}

    def snapshot(self) -> tuple[list[Packed], np.ndarray]:
        """The packed units per slot, and the centroid matrix (restoring it costs no arithmetic)."""
        return list(self._units), self._matrix()

    @classmethod
    def restore(cls, units: Sequence[Packed], centroids: np.ndarray) -> "VectorIndex":
        """An index over the units and centroids as they are (views of a snapshot's bytes: nothing is copied)."""
        index = cls()
        index._units = list(units)
        index._with_vectors = sum(1 for u in units if u)
        index._centroids = centroids if len(centroids) else index._centroids
        return index


def _spread(centroids: np.ndarray) -> tuple[float, float] | None:
    known = centroids[centroids != 0]
    if len(known) < 2:
        return None
    return float(known.mean()), max(float(known.std()), 1e-3)


def _centroid(packed: Packed) -> np.ndarray:
    if not packed:
        return np.zeros(DIMENSIONS, dtype=np.float32)
    mean = unpack(packed).mean(axis=0)
    # quantised as the snapshot keeps it, so that a restored index scores exactly as the one it was taken of
    centroid: np.ndarray = unpack(pack(mean / max(float(np.linalg.norm(mean)), 1e-6)))[0]
    return centroid
