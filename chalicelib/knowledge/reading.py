"""Use cases: search, read an article, list categories, keep the search index fresh. Audience rules live here."""

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import observability
from chalicelib.clock import china_date, china_today
from chalicelib.errors import NotFound, Unauthorized
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import ArticleStatus, Audience
from chalicelib.knowledge.models.reading import (
    ArticleListParams,
    ArticleSummary,
    ArticleView,
    Category,
    Health,
    MeaningHealth,
    Referral,
    SearchHit,
    SearchParams,
    SearchResult,
    Suggestion,
    SuggestParams,
    SuggestResult,
)
from chalicelib.knowledge.parsing import INTERNAL_NOTES, parse_article, render_sections
from chalicelib.knowledge.store.articles import ArticleStore
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.store.snapshots import Snapshot, SnapshotStore
from chalicelib.people.access import Reader
from chalicelib.people.directory import Directory
from chalicelib.people.store.directory import DirectoryStore
from chalicelib.search.documents import IndexedDocument, SearchDocument, decode_document
from chalicelib.search.index import RankedHit, SearchIndex
from chalicelib.search.ranking import decide
from chalicelib.search.referrals import ReferralGroup

log = logging.getLogger(__name__)


@dataclass
class _Live:
    """The search index as of one store generation, and the lexicon it was built with."""

    generation: int
    lexicon_generation: int
    lexicon: Lexicon
    engine: SearchEngine
    index: SearchIndex
    directory: Directory
    directory_generation: int


class KnowledgeService:
    """Answers readers from the published knowledge base, kept in step with the store.

    Cold start: the latest index snapshot plus the articles written since it. Warm: one consistent read
    of the generation counter per refresh interval, and only the articles written since then.
    """

    def __init__(
        self,
        articles: ArticleStore,
        snapshots: SnapshotStore,
        lexicon: LexiconStore,
        directory: DirectoryStore,
        refresh_seconds: float = 1.0,
        today: Callable[[], dt.date] = china_today,
        monotonic: Callable[[], float] = time.monotonic,
        engine_for: Callable[[Lexicon], SearchEngine] = SearchEngine,
    ) -> None:
        self._articles = articles
        self._snapshots = snapshots
        self._lexicon = lexicon
        self._directory = directory
        self._refresh_seconds = refresh_seconds
        self._today = today
        self._monotonic = monotonic
        self._engine_for = engine_for
        self._live: _Live | None = None
        self._checked_at = float("-inf")
        self._refresh_lock = threading.Lock()  # the local dev server is threaded; Lambda is not
        self._past: dict[frozenset[tuple[str, int]], SearchIndex] = {}  # as_of indexes, by what was live

    def search(self, params: SearchParams, reader: Reader) -> SearchResult:
        live = self._current()
        index, today = live.index, self._today().isoformat()
        if params.as_of is not None:
            index, today = self._index_as_of(params.as_of, reader, live), china_date(params.as_of).isoformat()

        def visible(doc: SearchDocument) -> bool:
            return (params.category is None or doc.category == params.category) and _may_read(doc, reader, today)

        found = index.find(params.q, limit=params.limit, allow=visible)
        decision = decide(found.hits, live.engine.settings, line_answers=not found.article_may_answer)
        # The request's log line: the outcome, never the words (a caller's number could be among them).
        observability.note(
            answered=decision.answered,
            hits=len(decision.hits),
            settled=params.settled,
            generation=live.generation,
            meaning=live.engine.embedder.available() and live.index.with_vectors > 0,
        )
        return SearchResult(
            query=params.q,
            answered=decision.answered,
            state=decision.state,
            hits=[_hit(h, live.directory) for h in decision.hits],
            referral=_referral(found.referral, live.directory) if found.referral else None,
        )

    def suggest(self, params: SuggestParams, reader: Reader) -> SuggestResult:
        live = self._current()
        today = self._today().isoformat()
        found = live.index.suggest(params.q, limit=params.limit, allow=lambda doc: _may_read(doc, reader, today))
        return SuggestResult(query=params.q, suggestions=[Suggestion(text=t, id=d.id) for t, d in found])

    def article(self, article_id: str, reader: Reader, as_of: dt.datetime | None = None) -> ArticleView:
        """The live version of an article, or (as_of) the version that was live at that moment."""
        if as_of is None:
            stored = self._articles.live(article_id)
            shown = stored.markdown if stored and stored.status is ArticleStatus.PUBLISHED else None
            version = stored.version if stored else None
            today = self._today()
        else:
            _require_staff(reader)
            version = None
            for publication in self._articles.publications(article_id):
                if publication.at <= as_of:
                    version = publication.version
            past = self._articles.version(article_id, version) if version is not None else None
            shown, today = (past.markdown if past else None), china_date(as_of)
        article = parse_article(shown) if shown is not None else None
        if article is None or not article.in_force(today) or not _audience_allows(article.audience, reader):
            raise NotFound(f"no article with id '{article_id}'", field="id")
        sections = {k: v for k, v in article.sections.items() if reader is Reader.AGENT or k != INTERNAL_NOTES}
        directory = self._current().directory
        return ArticleView(
            **article.model_dump(exclude={"sections", "markdown", "content_hash"}),
            department_name=directory.name_of(article.department),
            dispatch=directory.get(article.department),
            sections=sections,
            html=render_sections(sections),
            version=version,
        )

    def articles(self, params: ArticleListParams, reader: Reader) -> list[ArticleSummary]:
        """Every article the reader may see (in one category), by title: for browsing without a query."""
        today = self._today().isoformat()
        live = self._current()
        return sorted(
            (
                ArticleSummary(
                    id=d.id,
                    title=d.title,
                    category=d.category,
                    department=d.department,
                    department_name=live.directory.name_of(d.department),
                )
                for d in live.index.documents()
                if (params.category is None or d.category == params.category) and _may_read(d, reader, today)
            ),
            key=lambda summary: summary.title,
        )

    def categories(self, reader: Reader) -> list[Category]:
        live = self._current()
        today = self._today().isoformat()
        counts: dict[str, int] = {}
        for doc in live.index.documents():
            if _may_read(doc, reader, today):
                counts[doc.category] = counts.get(doc.category, 0) + 1
        names = live.lexicon.categories
        order = list(names) + sorted(set(counts) - set(names))
        return [Category(id=c, name=names.get(c, c), articles=counts[c]) for c in order if c in counts]

    def directory(self) -> Directory:
        """The department directory, as fresh as the index."""
        return self._current().directory

    def generation(self) -> int:
        return self._current().generation

    def health(self) -> Health:
        """The index generation, and whether queries are matched by meaning (the model loads) or by words only."""
        live = self._current()
        with_vectors = live.index.with_vectors
        ready = live.engine.embedder.available()
        problem = None if ready and with_vectors else (live.engine.embedder.problem or "no article has meaning vectors")
        return Health(
            status="ok" if problem is None else "degraded",
            generation=live.generation,
            documents=live.index.size,
            meaning=MeaningHealth(available=problem is None, documents_with_vectors=with_vectors, problem=problem),
        )

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

    def _index_as_of(self, as_of: dt.datetime, reader: Reader, live: _Live) -> SearchIndex:
        """An index of exactly the versions that were live at that moment, built from the publication records.

        Reads every publication record: fine for an occasional look back, cached for repeated ones.
        """
        _require_staff(reader)
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

    def _current(self) -> _Live:
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

    def _load(self, generation: int, previous: _Live | None) -> _Live:
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
        return _Live(generation, lexicon_generation, lexicon, engine, index, directory, directory_generation)


def _hit(hit: RankedHit, directory: Directory) -> SearchHit:
    department = directory.get(hit.document.department)
    return SearchHit(
        id=hit.document.id,
        title=hit.document.title,
        category=hit.document.category,
        score=hit.score,
        snippet=hit.snippet,
        marks=[list(m) for m in hit.marks],
        department=hit.document.department,
        department_name=directory.name_of(hit.document.department),
        dispatch_phone=department.phone if department else None,
    )


def _referral(group: ReferralGroup, directory: Directory) -> Referral:
    """A referral group as readers get it: a department's name and phone come from the directory, as fresh as it."""
    name, phone = group.name, group.phone
    if group.department:
        department = directory.get(group.department)
        name, phone = (department.name, department.phone) if department else (group.name, None)
    return Referral(
        kind=group.kind.value, topic=group.topic, name=name, phone=phone, department=group.department, say=group.say
    )


def _require_staff(reader: Reader) -> None:
    """Citizens see what is in force now; looking back is for agents and editors."""
    if reader is not Reader.AGENT:
        raise Unauthorized("as_of needs an agent's or editor's API key", field="as_of")


def _audience_allows(audience: Audience | str, reader: Reader) -> bool:
    return reader is Reader.AGENT or audience == Audience.PUBLIC


def _may_read(doc: SearchDocument, reader: Reader, today: str) -> bool:
    """Everyone reads only what is in force (ISO dates compare as text); citizens only public articles."""
    in_force = doc.effective_from <= today and (not doc.expires or today < doc.expires)
    return in_force and _audience_allows(doc.audience, reader)
