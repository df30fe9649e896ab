"""How an editorial command becomes one ArticleChange (a new version, a move to another state, or going live), and
who is told once a version went live."""

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chalicelib.errors import NotReady
from chalicelib.knowledge.editorial_reads import EditorialReads, VersionText, problems_of
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.models.content import Article, ArticleStatus
from chalicelib.knowledge.models.editing import AuditEntry, Draft, EditorialState, Version, WorkingCopy
from chalicelib.knowledge.parsing import content_hash
from chalicelib.knowledge.store.articles import ArticleChange, ArticleStore, LiveChange
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.workflow import UNNOTED, Step, next_state, with_contributor
from chalicelib.people.access import Principal
from chalicelib.search.documents import encode_document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """A version that went live, for whoever waits on one (the desk closes the tasks it fixed)."""

    article_id: str
    version: int
    written_at: dt.datetime  # when that version was saved: a problem flagged after it cannot have been fixed by it
    by: str  # who published it (for a scheduled publish, who scheduled it)
    at: dt.datetime


PublishListener = Callable[[Published], object]  # what it returns is not used


class ChangeWriter:
    """Builds each change from the working copy it is based on and writes it as one transaction; then tells the
    listeners what went live. The commands (EditorialService) decide whether a change may happen."""

    def __init__(
        self,
        articles: ArticleStore,
        lexicon: LexiconStore,
        reads: EditorialReads,
        now: Callable[[], dt.datetime],
        listeners: Sequence[PublishListener] = (),
    ) -> None:
        self._articles = articles
        self._lexicon_store = lexicon
        self._reads = reads
        self._now = now
        self._listeners = tuple(listeners)
        self._engine: tuple[int, SearchEngine] | None = None  # loads jieba: kept for the container's life

    def version(
        self,
        head: WorkingCopy | None,
        article_id: str,
        text: VersionText,
        principal: Principal,
        step: Step,
        based_on: int | None,
        message: str | None,
        state: EditorialState | None = None,
        source_hash: str | None = None,
    ) -> Draft:
        """A new version: a draft, or (file imports) submitted for review or published at once."""
        now = self._now()
        number = head.version + 1 if head else 1
        version = Version(
            version=number,
            author=principal.name,
            author_id=principal.identity,
            created_at=now,
            message=message or UNNOTED.get(step, step.value),
            content_hash=content_hash(text.markdown),
            title=text.title,
            markdown=text.markdown,
        )
        state = state or next_state(head.state if head else None, step)
        publish = state is EditorialState.PUBLISHED
        live = None
        if publish:  # only a file import publishes as it writes, and only a valid file is imported
            article = valid(text)
            search = encode_document(self._search_engine().index_article(article))
            live = LiveChange(ArticleStatus.PUBLISHED, number, article.markdown, article.content_hash, search)
        contributors = (
            [] if publish else with_contributor(head.contributors if head else [], principal.identity, principal.name)
        )
        updated = WorkingCopy(
            id=article_id,
            state=state,
            revision=(head.revision + 1) if head else 1,
            version=number,
            published_version=number if publish else (head.published_version if head else None),
            scheduled_at=None,
            title=text.title,
            category=text.category,
            department=text.department,
            review_by=text.review_by,
            problems=text.problems,
            notices=problems_of(text.linted.notices),
            contributors=contributors,
            updated_at=now,
            updated_by=principal.name,
            updated_by_id=principal.identity,
            submitted_by=principal.name if state is EditorialState.IN_REVIEW else None,
            comment=None,
            source_hash=source_hash if source_hash is not None else (head.source_hash if head else None),
        )  # no archive_request: a new version withdraws a pending one, as it withdraws a submitted change
        entry = self._entry(updated, step, principal, head.state if head else None, message, now)
        reply = self._reads.as_draft(updated, text.markdown)  # made before writing: nothing read after it can fail it
        change = ArticleChange(updated, based_on if head else None, entry, version=version, live=live)
        self._write(change, Published(article_id, number, now, principal.name, now) if publish else None)
        return reply

    def go_live(self, head: WorkingCopy, principal: Principal, based_on: int | None, **changes: object) -> Draft:
        """The latest version goes live; the next change starts a new round of contributors."""
        version = self._reads.version_of(head.id, head.version, "version")
        article = valid(self._reads.text(version.markdown, head))
        search = encode_document(self._search_engine().index_article(article))
        live = LiveChange(ArticleStatus.PUBLISHED, version.version, version.markdown, version.content_hash, search)
        # A scheduled version is published by the maintenance job; the person is the one who scheduled it.
        by = head.updated_by if head.state is EditorialState.SCHEDULED else principal.name
        published = Published(head.id, version.version, version.created_at, by, self._now())
        return self.move(
            head,
            Step.PUBLISH,
            principal,
            based_on,
            EditorialState.PUBLISHED,
            None,
            live=live,
            published=published,
            published_version=version.version,
            contributors=[],
            **changes,
        )

    def move(
        self,
        head: WorkingCopy,
        step: Step,
        principal: Principal,
        based_on: int | None,
        state: EditorialState,
        note: str | None = None,
        live: LiveChange | None = None,
        published: Published | None = None,
        **changes: object,
    ) -> Draft:
        """The working copy moves to a new state (and some of its fields change); no new version."""
        now = published.at if published else self._now()
        updated = head.model_copy(
            update={
                "state": state,
                "revision": head.revision + 1,
                "updated_at": now,
                "updated_by": principal.name,
                "updated_by_id": principal.identity,
                "scheduled_at": changes.pop("scheduled_at", None),
                "archive_request": changes.pop("archive_request", head.archive_request),  # ended by the steps on it
                **changes,
            }
        )
        entry = self._entry(updated, step, principal, head.state, note, now)
        expected = head.revision if based_on is None else based_on
        schedule_at = updated.scheduled_at if step is Step.SCHEDULE else None
        reply = self._reads.complete(updated)  # made before writing: a landed change is never reported as failed
        self._write(ArticleChange(updated, expected, entry, live=live, schedule_at=schedule_at), published)
        return reply

    def _write(self, change: ArticleChange, published: Published | None) -> None:
        self._articles.write(change)
        if published is None:
            return
        for listener in self._listeners:
            try:
                listener(published)
            except Exception:  # noqa: BLE001 - the version is live; a listener's failure must not report it as failed
                log.exception("a listener of %s version %d failed", published.article_id, published.version)

    def _entry(
        self,
        head: WorkingCopy,
        step: Step,
        principal: Principal,
        before: EditorialState | None,
        comment: str | None,
        now: dt.datetime,
    ) -> AuditEntry:
        return AuditEntry(
            at=now,
            actor=principal.name,
            actor_id=principal.identity,
            role=principal.role.value,
            action=step.value,
            article_id=head.id,
            department=head.department,
            from_state=before,
            to_state=head.state,
            version=head.version,
            comment=comment,
        )

    def _search_engine(self) -> SearchEngine:
        """The engine of the current lexicon, so a published article is indexed as `kb sync` would."""
        lexicon, generation = self._lexicon_store.current()
        if self._engine is None or self._engine[0] != generation:
            self._engine = (generation, SearchEngine(lexicon))
        return self._engine[1]


def valid(text: VersionText) -> Article:
    """The article, for going live; a version with problems never gets this far (NotReady first)."""
    if text.linted.article is None or text.linted.problems:
        raise NotReady("这个版本还有问题，不能发布", field="markdown", problems=[p.model_dump() for p in text.problems])
    return text.linted.article
