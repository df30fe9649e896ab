"""Use cases: search, suggest, read an article, list articles and categories. Audience rules live here."""

import datetime as dt
import logging
from collections.abc import Callable

from chalicelib import observability
from chalicelib.clock import china_date, china_today
from chalicelib.errors import NotFound, Unauthorized
from chalicelib.knowledge.live import LiveIndex
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
from chalicelib.people.access import Reader
from chalicelib.people.directory import Directory
from chalicelib.search.documents import SearchDocument, Visibility
from chalicelib.search.index import RankedHit
from chalicelib.search.ranking import decide
from chalicelib.search.referrals import ReferralGroup

log = logging.getLogger(__name__)


class KnowledgeService:
    """Answers readers from the published knowledge base: the live index (kept in step with the table by
    LiveIndex) for searches and listings, the table for an article's page. Who may see what is decided here."""

    def __init__(self, live: LiveIndex, articles: ArticleStore, today: Callable[[], dt.date] = china_today) -> None:
        self._live = live
        self._articles = articles
        self._today = today

    def search(self, params: SearchParams, reader: Reader) -> SearchResult:
        live = self._live.current()
        index, today = live.index, self._today().isoformat()
        if params.as_of is not None:
            _require_staff(reader)
            index, today = self._live.as_of(params.as_of), china_date(params.as_of).isoformat()

        def visible(doc: Visibility) -> bool:
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
        live = self._live.current()
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
        directory = self._live.current().directory
        return ArticleView(
            **article.model_dump(exclude={"sections", "markdown", "content_hash"}),
            department_name=directory.name_of(article.department),
            dispatch=directory.dispatch(article.department),
            sections=sections,
            html=render_sections(sections),
            version=version,
        )

    def articles(self, params: ArticleListParams, reader: Reader) -> list[ArticleSummary]:
        """Every article the reader may see (in one category), by title: for browsing without a query."""
        today = self._today().isoformat()
        live = self._live.current()
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
        live = self._live.current()
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
        return self._live.directory()

    def health(self) -> Health:
        """The index generation, and whether queries are matched by meaning (the model loads) or by words only."""
        live = self._live.current()
        with_vectors = live.index.with_vectors
        ready = live.engine.embedder.available()
        problem = None if ready and with_vectors else (live.engine.embedder.problem or "no article has meaning vectors")
        return Health(
            status="ok" if problem is None else "degraded",
            generation=live.generation,
            documents=live.index.size,
            meaning=MeaningHealth(available=problem is None, documents_with_vectors=with_vectors, problem=problem),
        )


def _hit(hit: RankedHit, directory: Directory) -> SearchHit:
    department = directory.dispatch(hit.document.department)
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
        department = directory.dispatch(group.department)
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


def _may_read(doc: SearchDocument | Visibility, reader: Reader, today: str) -> bool:
    """Everyone reads only what is in force (ISO dates compare as text); citizens only public articles."""
    in_force = doc.effective_from <= today and (not doc.expires or today < doc.expires)
    return in_force and _audience_allows(doc.audience, reader)
