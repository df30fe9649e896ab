"""The tools' disk cache of vectors: re-indexing a text the model has embedded before costs nothing.

One small file per text, written under a temporary name and renamed, so that the test run, a local
server and a benchmark may share the folder at the same time.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chalicelib.search.embeddings import shared_embedder
from tools.kb.stage import PROJECT_DIR

CACHE_DIR = PROJECT_DIR / ".zhida" / "vectors"


class VectorFiles:
    """A folder as a mapping from a text's key (a hex digest) to its vector's bytes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str) -> bytes | None:
        try:
            return (self.folder / key[:2] / key).read_bytes()
        except OSError:
            return None

    def __setitem__(self, key: str, value: bytes) -> None:
        target = self.folder / key[:2] / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(handle, "wb") as file:
                file.write(value)
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written only costs time


@contextmanager
def remembered_vectors(folder: Path = CACHE_DIR) -> Iterator[None]:
    """While open, every passage (and listed question) the shared model embeds is kept in, and read from, folder."""
    shared_embedder().keep_in(VectorFiles(folder))
    try:
        yield
    finally:
        shared_embedder().keep_in(None)
