"""The live search index: as of the table's latest generation, with the lexicon and directory it was built with.

Cold start: the latest index snapshot plus the articles written since it. Warm: one consistent read of the
generation counter per refresh interval, and only the articles written since then. One per container;
every reader of the knowledge base (KnowledgeService, the keys, the directory, the editorial service) is
handed it or its `directory`.
"""

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import ArticleStatus
from chalicelib.knowledge.parsing import parse_article
from chalicelib.knowledge.store.articles import ArticleStore
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.store.snapshots import Snapshot, SnapshotStore
from chalicelib.people.directory import Directory
from chalicelib.people.store.directory import DirectoryStore
from chalicelib.search.documents import IndexedDocument, decode_document
from chalicelib.search.index import SearchIndex

log = logging.getLogger(__name__)


@dataclass
class IndexState:
    """The search index as of one store generation, and the lexicon it was built with."""

    generation: int
    lexicon_generation: int
    lexicon: Lexicon
    engine: SearchEngine
    index: SearchIndex
    directory: Directory
    directory_generation: int


class LiveIndex:
    """The index readers search, refreshed from the table at most once per refresh interval."""

    def __init__(
        self,
        articles: ArticleStore,
        snapshots: SnapshotStore,
        lexicon: LexiconStore,
        directory: DirectoryStore,
        refresh_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        engine_for: Callable[[Lexicon], SearchEngine] = SearchEngine,
    ) -> None:
        self._articles = articles
        self._snapshots = snapshots
        self._lexicon = lexicon
        self._directory = directory
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._engine_for = engine_for
        self._live: IndexState | None = None
        self._checked_at = float("-inf")
        self._refresh_lock = threading.Lock()  # the local dev server is threaded; Lambda is not
        self._past: dict[frozenset[tuple[str, int]], SearchIndex] = {}  # as_of indexes, by what was live

    def directory(self) -> Directory:
        """The department directory, as fresh as the index."""
        return self.current().directory

    def generation(self) -> int:
        return self.current().generation

    def save_snapshot(self) -> Snapshot:
        """Snapshot the index as of now, so cold starts load it instead of every article."""
        generation = self._articles.generation()
        live = self._load(generation, None)
        snapshot = Snapshot(generation, live.lexicon_generation, live.index.snapshot())
        self._snapshots.save(snapshot)
        return snapshot

    def refresh_snapshot(self, after_changes: int = 50) -> Snapshot | None:
        """Save a new snapshot once that many articles changed since the last: cold starts stay short."""
        saved = self._snapshots.latest_generation()  # the pointer only: the snapshot itself may be megabytes
        if saved is not None and self._articles.count_live_since(saved) < after_changes:
            return None
        return self.save_snapshot()

    def as_of(self, as_of: dt.datetime) -> SearchIndex:
        """An index of exactly the versions that were live at that moment, built from the publication records.

        Reads every publication record: fine for an occasional look back, cached for repeated ones.
        """
        live = self.current()
        shown: dict[str, tuple[int, bytes] | None] = {}
        for publication in self._articles.publications():
            if publication.at <= as_of:
                version, search = publication.version, publication.search
                shown[publication.article_id] = (
                    (version, search) if version is not None and search is not None else None
                )
        key = frozenset((article_id, entry[0]) for article_id, entry in shown.items() if entry)
        if key not in self._past:
            if len(self._past) >= 4:
                self._past.pop(next(iter(self._past)))
            self._past[key] = live.engine.build(decode_document(entry[1]) for entry in shown.values() if entry)
        return self._past[key]

    def current(self) -> IndexState:
        """The live index, refreshed from the store at most once per refresh interval."""
        with self._refresh_lock:
            now = self._monotonic()
            if self._live is not None and now - self._checked_at < self._refresh_seconds:
                return self._live
            self._checked_at = now
            try:
                generation = self._articles.generation()
                if self._live is None or generation != self._live.generation:
                    self._live = self._load(generation, self._live)
            except (BotoCoreError, ClientError) as error:
                if self._live is None:
                    raise  # nothing to answer from yet: the caller gets a 503
                log.warning(
                    "index freshness check failed, answering from generation %d: %s", self._live.generation, error
                )
            return self._live

    def _load(self, generation: int, previous: IndexState | None) -> IndexState:
        """Apply what changed since the previous index, or since the latest snapshot on a cold start."""
        lexicon, lexicon_generation = self._lexicon.current()
        index: SearchIndex | None = None
        since = 0
        if previous is not None and previous.lexicon_generation == lexicon_generation:
            engine, index, since = previous.engine, previous.index, previous.generation
        else:
            engine = self._engine_for(lexicon)
            snapshot = self._snapshots.latest()
            if snapshot is not None and snapshot.lexicon_generation == lexicon_generation:
                try:
                    index = engine.restore(snapshot.data)
                    since = snapshot.generation
                except ValueError as unusable:  # saved by an older release: build from the articles instead
                    log.warning("index snapshot ignored: %s", unusable)
        changed: dict[str, IndexedDocument] = {}
        removed: list[str] = []
        for stored in self._articles.live_articles(since_generation=since):
            removed.append(stored.id)
            changed.pop(stored.id, None)
            if stored.status is ArticleStatus.PUBLISHED:
                # Articles carry their search document; one without (written before it existed) is analysed here.
                changed[stored.id] = (
                    decode_document(stored.search)
                    if stored.search
                    else engine.index_article(parse_article(stored.markdown))
                )
        if index is None:
            index = engine.build(changed.values())
        elif removed:
            index.apply(list(changed.values()), removed)
        if previous is not None and previous.directory_generation == self._directory.written_at():
            directory, directory_generation = previous.directory, previous.directory_generation
        else:
            written = self._directory.current()
            directory, directory_generation = written.directory, written.generation
        return IndexState(generation, lexicon_generation, lexicon, engine, index, directory, directory_generation)
