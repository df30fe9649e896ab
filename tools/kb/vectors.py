"""The tools' disk cache of vectors: re-indexing a text the model has embedded before costs nothing.

One small file per text, written under a temporary name and renamed, so that the test run, a local
server and a benchmark may share the folder at the same time.
"""

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from chalicelib.knowledge.indexing import SearchEngine, search_document
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import Article
from chalicelib.search.documents import meaning_units
from chalicelib.search.embeddings import E5Embedder, shared_embedder
from chalicelib.search.terms import TermRules
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


EMBED_BATCH = 8  # articles a worker embeds per task: progress moves every few seconds, tasks stay cheap to send
FEWEST = 40  # below this, starting the processes (each loads the model) costs about what they would save


def embed_articles(
    lexicon: Lexicon,
    articles: Sequence[Article],
    jobs: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
    folder: Path = CACHE_DIR,
    fewest: int = FEWEST,
) -> int:
    """The articles' vectors (title, phrasings, the answer's opening) into the disk cache on `jobs` processes, so
    that the one writing them to the table finds them there; how many articles. An article embeds in about
    0.4 s of one core, so a city's import spends nearly all its time here. Stopped and run again, it finds the
    finished articles' vectors on disk and embeds only the rest. One job, or fewer than `fewest` articles,
    leaves the work to the writer."""
    if jobs >= 2 and len(articles) >= max(fewest, 2):
        articles = [a for a in articles if not _on_disk(a, folder)]  # a run again starts where it stopped
    if jobs < 2 or len(articles) < max(fewest, 2):
        return 0
    batches = [list(articles[start : start + EMBED_BATCH]) for start in range(0, len(articles), EMBED_BATCH)]
    done = 0
    progress(done, len(articles))
    spawn = multiprocessing.get_context("spawn")  # each worker loads the model itself (about 200 MB)
    with ProcessPoolExecutor(jobs, mp_context=spawn, initializer=_start_worker, initargs=(lexicon, folder)) as pool:
        for finished in as_completed([pool.submit(_embed, batch) for batch in batches]):
            done += finished.result()
            progress(done, len(articles))
    return done


def _on_disk(article: Article, folder: Path) -> bool:
    """Whether the disk cache holds every vector the article's search document needs."""
    checker = _checker(folder)
    questions, answer = meaning_units(search_document(article), TermRules())
    return checker.kept("query", questions) and (not answer or checker.kept("passage", [answer]))


@lru_cache(maxsize=1)
def _checker(folder: Path) -> E5Embedder:
    embedder = E5Embedder()
    embedder.keep_in(VectorFiles(folder))
    return embedder


_worker_engine: SearchEngine | None = None


def _start_worker(lexicon: Lexicon, folder: Path) -> None:
    global _worker_engine
    shared_embedder().keep_in(VectorFiles(folder))
    _worker_engine = SearchEngine(lexicon)


def _embed(articles: list[Article]) -> int:
    assert _worker_engine is not None, "started by _start_worker"
    for article in articles:
        _worker_engine.index_article(article)
    return len(articles)
