"""Use cases: search, read an article, list categories. Audience rules live here."""

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.articles import INTERNAL_NOTES, ArticleInvalid, parse_article, render_sections
from chalicelib.engine import SearchEngine
from chalicelib.errors import NotFound
from chalicelib.lexicon import Lexicon
from chalicelib.models import (
    Article,
    ArticleStatus,
    ArticleView,
    Audience,
    Category,
    Reader,
    SearchHit,
    SearchParams,
    SearchResult,
)
from chalicelib.search import SearchDocument, SearchIndex, is_answered
from chalicelib.store import KnowledgeStore

log = logging.getLogger(__name__)


@dataclass
class _Snapshot:
    """The published articles and their index, as of one store generation."""

    generation: int
    lexicon_generation: int
    lexicon: Lexicon
    articles: dict[str, Article]
    engine: SearchEngine
    index: SearchIndex


class KnowledgeService:
    """Answers readers from the published knowledge base, kept in step with the store."""

    def __init__(
        self,
        store: KnowledgeStore,
        refresh_seconds: float = 1.0,
        today: Callable[[], dt.date] = dt.date.today,
        monotonic: Callable[[], float] = time.monotonic,
        engine_for: Callable[[Lexicon], SearchEngine] = SearchEngine,
    ) -> None:
        self._store = store
        self._engine_for = engine_for
        self._refresh_lock = threading.Lock()  # the local dev server is threaded; Lambda is not
        self._refresh_seconds = refresh_seconds
        self._today = today
        self._monotonic = monotonic
        self._snapshot: _Snapshot | None = None
        self._checked_at = float("-inf")

    def search(self, params: SearchParams, reader: Reader) -> SearchResult:
        snapshot = self._current()
        today = self._today()

        def visible(doc: SearchDocument) -> bool:
            article = snapshot.articles[doc.id]
            return (params.category is None or article.category == params.category) and _may_read(
                article, reader, today
            )

        hits = snapshot.index.search(params.q, limit=params.limit, allow=visible)
        return SearchResult(
            query=params.q,
            answered=is_answered(hits, snapshot.engine.settings),
            hits=[
                SearchHit(
                    id=h.document.id,
                    title=h.document.title,
                    category=h.document.category,
                    score=h.score,
                    snippet=h.snippet,
                    department=h.document.department,
                )
                for h in hits
            ],
        )

    def article(self, article_id: str, reader: Reader) -> ArticleView:
        article = self._current().articles.get(article_id)
        if article is None or not _may_read(article, reader, self._today()):
            raise NotFound(f"no article with id '{article_id}'", field="id")
        sections = {k: v for k, v in article.sections.items() if reader is Reader.AGENT or k != INTERNAL_NOTES}
        return ArticleView(
            **article.model_dump(exclude={"sections", "markdown", "content_hash"}),
            sections=sections,
            html=render_sections(sections),
        )

    def categories(self, reader: Reader) -> list[Category]:
        snapshot = self._current()
        today = self._today()
        counts: dict[str, int] = {}
        for article in snapshot.articles.values():
            if _may_read(article, reader, today):
                counts[article.category] = counts.get(article.category, 0) + 1
        names = snapshot.lexicon.categories
        order = list(names) + sorted(set(counts) - set(names))
        return [Category(id=c, name=names.get(c, c), articles=counts[c]) for c in order if c in counts]

    def generation(self) -> int:
        return self._current().generation

    def _current(self) -> _Snapshot:
        """The snapshot, refreshed from the store at most once per refresh interval."""
        with self._refresh_lock:
            now = self._monotonic()
            if self._snapshot is not None and now - self._checked_at < self._refresh_seconds:
                return self._snapshot
            self._checked_at = now
            generation = self._store.generation()
            if self._snapshot is None or generation != self._snapshot.generation:
                self._snapshot = self._load(generation, self._snapshot)
            return self._snapshot

    def _load(self, generation: int, previous: _Snapshot | None) -> _Snapshot:
        """Apply only what changed since the previous snapshot; a lexicon change rebuilds the analyzer."""
        lexicon, lexicon_generation = self._store.lexicon()
        incremental = previous is not None and previous.lexicon_generation == lexicon_generation
        since = previous.generation if incremental else 0
        articles = dict(previous.articles) if incremental else {}
        changed: dict[str, Article] = {}
        removed: list[str] = []
        for stored in self._store.articles(since_generation=since):
            articles.pop(stored.id, None)
            removed.append(stored.id)
            if stored.status is ArticleStatus.PUBLISHED:
                try:
                    articles[stored.id] = changed[stored.id] = parse_article(stored.markdown)
                except ArticleInvalid as invalid:  # stored content is validated on write; this is a safety net
                    log.error("stored article %s does not parse: %s", stored.id, invalid)
        if incremental:
            engine, index = previous.engine, previous.index
            index.apply([engine.index_article(a) for a in changed.values()], removed)
        else:
            engine = self._engine_for(lexicon)
            index = engine.build(engine.index_article(a) for a in articles.values())
        return _Snapshot(generation, lexicon_generation, lexicon, articles, engine, index)


def _may_read(article: Article, reader: Reader, today: dt.date) -> bool:
    """Everyone reads only what is in force; citizens only public articles."""
    return article.in_force(today) and (reader is Reader.AGENT or article.audience is Audience.PUBLIC)
