"""The editorial workflow's commands: drafts, versions, review, publishing; the reading side is editorial_reads.py."""

import datetime as dt
import re
from collections.abc import Callable

from chalicelib.clock import china_today, utc_now
from chalicelib.errors import Conflict, InvalidInput, NotReady
from chalicelib.knowledge.editorial_reads import EditorialReads, VersionText, problems_of
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.models.content import SLUG_PATTERN, Article, ArticleStatus
from chalicelib.knowledge.models.editing import (
    AuditEntry,
    Draft,
    EditorialState,
    MarkdownRequest,
    PublishRequest,
    RollbackRequest,
    Version,
    WorkingCopy,
)
from chalicelib.knowledge.parsing import content_hash, draft_fields
from chalicelib.knowledge.store.articles import ArticleChange, ArticleStore, LiveChange
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.workflow import (
    Step,
    check_four_eyes,
    next_state,
    require_future,
    required_revision,
    with_contributor,
)
from chalicelib.people.access import Action, Principal
from chalicelib.people.directory import Directory
from chalicelib.search.documents import encode_document


class EditorialService:
    """Every change is one ArticleChange: the working copy, its audit entry and (if any) a new version or a
    new live article, written in one transaction; based on a stated revision, so concurrent edits never
    overwrite each other. What editors read is `reads` (EditorialReads), which the commands read through too."""

    def __init__(
        self,
        articles: ArticleStore,
        lexicon: LexiconStore,
        directory: Callable[[], Directory],
        now: Callable[[], dt.datetime] = utc_now,
        today: Callable[[], dt.date] = china_today,
    ) -> None:
        self.reads = EditorialReads(articles, lexicon, directory, now, today)
        self._articles = articles
        self._lexicon_store = lexicon
        self._now = now
        self._engine: tuple[int, SearchEngine] | None = None  # loads jieba: kept for the container's life

    # Writing a version

    def create(self, request: MarkdownRequest, principal: Principal) -> Draft:
        """A new article's first version; saved even with lint problems, once its id and department are known."""
        principal.require(Action.EDIT)
        fields = draft_fields(request.markdown)
        article_id = fields.get("id", "")
        if not re.fullmatch(SLUG_PATTERN, article_id) or len(article_id) > 80:
            raise InvalidInput(
                "文件头里要有编号（id），只用小写字母、数字和连字符，例如 id: heating-fee-payment", field="markdown"
            )
        text = self.reads.text(request.markdown, None)
        principal.require_covers(text.department)
        return self._write(None, article_id, text, principal, Step.CREATE, None, request.message)

    def save(self, article_id: str, request: MarkdownRequest, based_on: int | None, principal: Principal) -> Draft:
        """A new version of the working copy; problems are listed with it and must be fixed before submitting."""
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        based_on = required_revision(based_on)
        written_id = draft_fields(request.markdown).get("id")
        if written_id is not None and written_id != article_id:
            raise InvalidInput(
                f"文件头里的编号“{written_id}”必须保持为“{article_id}”；要写新文章请新建", field="markdown"
            )
        text = self.reads.text(request.markdown, head)
        principal.require_covers(text.department)
        return self._write(head, article_id, text, principal, Step.SAVE, based_on, request.message)

    def rollback(self, article_id: str, request: RollbackRequest, based_on: int | None, principal: Principal) -> Draft:
        """A new version with the text of an old one; it goes through review like any other change."""
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        based_on = required_revision(based_on)
        old = self.reads.version_of(article_id, request.version, "version")
        text = self.reads.text(old.markdown, head)
        principal.require_covers(text.department)
        message = request.message or f"rollback to version {request.version}"
        return self._write(head, article_id, text, principal, Step.ROLLBACK, based_on, message)

    def import_article(
        self, article: Article, principal: Principal, publish: bool, message: str, source_hash: str | None = None
    ) -> Draft:
        """A version from a file (kb sync, kb import): published at once if asked, else submitted for review."""
        head = self._articles.head(article.id)
        state = EditorialState.PUBLISHED if publish else EditorialState.IN_REVIEW
        text = self.reads.text(article.markdown, head)
        return self._write(
            head, article.id, text, principal, Step.SYNC, head.revision if head else None, message, state, source_hash
        )

    def note_source(self, article_id: str, source_hash: str, principal: Principal) -> Draft:
        """Remember that a file's text is already the latest version (kb sync found nothing to write)."""
        head = self.reads.existing(article_id)
        return self._transition(
            head, Step.SYNC, principal, None, head.state, "file already saved", source_hash=source_hash
        )

    # Moving through review

    def submit(self, article_id: str, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        state = next_state(head.state, Step.SUBMIT)
        self.reads.require_ready(head)
        return self._transition(
            head,
            Step.SUBMIT,
            principal,
            based_on,
            state,
            comment,
            submitted_by=principal.name,
            contributors=with_contributor(head.contributors, principal.identity, principal.name),
        )

    def approve(self, article_id: str, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.APPROVE)
        check_four_eyes(principal.identity, head.contributors)
        self.reads.require_ready(head)
        return self._transition(head, Step.APPROVE, principal, based_on, state, comment, comment=comment)

    def reject(self, article_id: str, comment: str, based_on: int | None, principal: Principal) -> Draft:
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.REJECT)
        check_four_eyes(principal.identity, head.contributors)
        return self._transition(head, Step.REJECT, principal, based_on, state, comment, comment=comment)

    def publish(self, article_id: str, request: PublishRequest, based_on: int | None, principal: Principal) -> Draft:
        """Publish the approved version now, or schedule it; the live version changes in the same transaction."""
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        check_four_eyes(principal.identity, head.contributors)
        if request.at is not None:
            require_future(request.at, self._now())
            state = next_state(head.state, Step.SCHEDULE)
            self.reads.require_ready(head)
            return self._transition(
                head,
                Step.SCHEDULE,
                principal,
                based_on,
                state,
                f"scheduled for {request.at.isoformat()}",
                scheduled_at=request.at,
            )
        next_state(head.state, Step.PUBLISH)
        return self._go_live(head, principal, based_on)

    def archive(self, article_id: str, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        """Take the article out of search at once (and out of review); its versions stay."""
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        check_four_eyes(principal.identity, head.contributors)
        return self._archive(head, comment, based_on, principal)

    def _archive(self, head: WorkingCopy, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        article_id = head.id
        state = next_state(head.state, Step.ARCHIVE)
        live = None
        if head.published_version is not None:
            shown = self.reads.version_of(article_id, head.published_version, "version")
            live = LiveChange(ArticleStatus.ARCHIVED, shown.version, shown.markdown, shown.content_hash, None)
        return self._transition(
            head, Step.ARCHIVE, principal, based_on, state, comment, live=live, published_version=None
        )

    def archive_source(self, article_id: str, principal: Principal) -> Draft:
        """kb sync: the article's file is gone, so the article leaves search (admin path, no review)."""
        return self._archive(
            self.reads.existing(article_id), "its file was removed from the knowledge folder", None, principal
        )

    def promote_due(self, principal: Principal) -> int:
        """Publish every scheduled article whose time has come; returns how many went live."""
        published = 0
        for article_id, at in self._articles.due_schedules(self._now()):
            head = self._articles.head(article_id)
            if head is not None and head.state is EditorialState.SCHEDULED and head.scheduled_at == at:
                try:
                    self._go_live(head, principal, head.revision)
                    published += 1
                except Conflict:
                    continue  # changed this very moment (say, withdrawn by a new save): the next round decides
            self._articles.drop_schedule(article_id, at)
        return published

    # The machinery

    def _write(
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
            message=message or step.value,
            content_hash=content_hash(text.markdown),
            title=text.title,
            markdown=text.markdown,
        )
        state = state or next_state(head.state if head else None, step)
        publish = state is EditorialState.PUBLISHED
        live = None
        if publish:  # only a file import publishes as it writes, and only a valid file is imported
            article = _valid(text)
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
        )
        entry = self._entry(updated, step, principal, head.state if head else None, message, now)
        reply = self.reads.as_draft(updated, text.markdown)  # made before writing: nothing read after it can fail it
        self._articles.write(ArticleChange(updated, based_on if head else None, entry, version=version, live=live))
        return reply

    def _go_live(self, head: WorkingCopy, principal: Principal, based_on: int | None, **changes: object) -> Draft:
        """The latest version goes live; the next change starts a new round of contributors."""
        version = self.reads.version_of(head.id, head.version, "version")
        article = _valid(self.reads.text(version.markdown, head))
        search = encode_document(self._search_engine().index_article(article))
        live = LiveChange(ArticleStatus.PUBLISHED, version.version, version.markdown, version.content_hash, search)
        return self._transition(
            head,
            Step.PUBLISH,
            principal,
            based_on,
            EditorialState.PUBLISHED,
            None,
            live=live,
            published_version=version.version,
            contributors=[],
            **changes,
        )

    def _transition(
        self,
        head: WorkingCopy,
        step: Step,
        principal: Principal,
        based_on: int | None,
        state: EditorialState,
        note: str | None = None,
        live: LiveChange | None = None,
        **changes: object,
    ) -> Draft:
        """The working copy moves to a new state (and some of its fields change); no new version."""
        now = self._now()
        updated = head.model_copy(
            update={
                "state": state,
                "revision": head.revision + 1,
                "updated_at": now,
                "updated_by": principal.name,
                "updated_by_id": principal.identity,
                "scheduled_at": changes.pop("scheduled_at", None),
                **changes,
            }
        )
        entry = self._entry(updated, step, principal, head.state, note, now)
        expected = head.revision if based_on is None else based_on
        schedule_at = updated.scheduled_at if step is Step.SCHEDULE else None
        reply = self.reads.complete(updated)  # made before writing: a landed change is never reported as failed
        self._articles.write(ArticleChange(updated, expected, entry, live=live, schedule_at=schedule_at))
        return reply

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


def _valid(text: VersionText) -> Article:
    """The article, for going live; a version with problems never gets this far (NotReady first)."""
    if text.linted.article is None or text.linted.problems:
        raise NotReady("这个版本还有问题，不能发布", field="markdown", problems=[p.model_dump() for p in text.problems])
    return text.linted.article
