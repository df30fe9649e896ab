"""Use cases: search, suggest, read an article, list articles and categories. Audience rules live here."""

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Literal

from chalicelib import observability
from chalicelib.clock import china_date, china_today
from chalicelib.errors import NotFound, Unauthorized
from chalicelib.knowledge.districts import dispatch_for, resolve
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.content import ArticleStatus, Audience
from chalicelib.knowledge.models.reading import (
    ArticleListParams,
    ArticleSummary,
    ArticleView,
    CallerDistrict,
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
from chalicelib.people.directory import Department, Directory
from chalicelib.search.documents import SearchDocument, Visibility
from chalicelib.search.index import RankedHit
from chalicelib.search.ranking import decide
from chalicelib.search.referrals import ReferralGroup

log = logging.getLogger(__name__)
Source = Literal["param", "query"]
# What naming a district leaves behind once its words are out: "（滨海新区）" an empty pair, "河西区，" a comma.
_EMPTY_BRACKETS = re.compile(r"[（(【\[]\s*[)）】\]]")
_LOOSE_ENDS = " \t，,。、：:；;"


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

        district, source, text = _district_of(params.district, params.q, live.directory)
        found = index.find(text, limit=params.limit, allow=visible)
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
            hits=[_hit(h, live.directory, district) for h in decision.hits],
            referral=_referral(found.referral, live.directory) if found.referral else None,
            district=_caller(district, source),
        )

    def suggest(self, params: SuggestParams, reader: Reader) -> SuggestResult:
        live = self._live.current()
        today = self._today().isoformat()
        found = live.index.suggest(params.q, limit=params.limit, allow=lambda doc: _may_read(doc, reader, today))
        return SuggestResult(query=params.q, suggestions=[Suggestion(text=t, id=d.id) for t, d in found])

    def article(
        self, article_id: str, reader: Reader, as_of: dt.datetime | None = None, district: str | None = None
    ) -> ArticleView:
        """The live version of an article, or (as_of) the version that was live at that moment; for a caller of
        `district` (code, name or alias), with its unit and wording where the article has them."""
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
        directory = self._live.current().directory
        chosen = directory.district_given(district)
        resolved = resolve(article, chosen.code if chosen else None, directory)
        worded = resolved.wording.sections.items()
        sections = {k: v for k, v in worded if reader is Reader.AGENT or k != INTERNAL_NOTES}
        department = resolved.dispatch.department
        return ArticleView(
            **article.model_dump(
                exclude={"sections", "variants", "department", "districts", "markdown", "content_hash"}
            ),
            department=department,
            department_name=directory.name_of(department),
            dispatch=directory.dispatch(department),
            district=_caller(chosen, "param"),
            dispatch_scope=resolved.dispatch.scope,
            wording_scope=resolved.wording.scope,
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


def _district_of(key: str | None, query: str, directory: Directory) -> tuple[Department | None, Source, str]:
    """(district, where it came from, the text to search): the parameter's, else the one the query names. The words
    naming the district are left out of the search (they say whose answer, not which), unless nothing else is left."""
    district = directory.district_given(key)
    source: Source = "param"
    named = directory.named_district(query)
    if district is None and named is not None:
        district, source = named[0], "query"
    if named is not None and named[0] == district:
        rest = _EMPTY_BRACKETS.sub("", query.replace(named[1], "", 1)).strip(_LOOSE_ENDS)
        query = rest or query
    return district, source, query


def _caller(district: Department | None, source: Source) -> CallerDistrict | None:
    return CallerDistrict(code=district.code, name=district.name, source=source) if district else None


def _hit(hit: RankedHit, directory: Directory, district: Department | None) -> SearchHit:
    document = hit.document
    chosen = dispatch_for(document.department, dict(document.districts), district, directory)
    department = directory.dispatch(chosen.department)
    return SearchHit(
        id=document.id,
        title=document.title,
        category=document.category,
        score=hit.score,
        snippet=hit.snippet,
        marks=[list(m) for m in hit.marks],
        department=chosen.department,
        department_name=directory.name_of(chosen.department),
        dispatch_phone=department.phone if department else None,
        dispatch_scope=chosen.scope,
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
