"""The editorial workflow's commands: drafts, versions, review, publishing, archiving; the reading side is
editorial_reads.py, and how a command's change is built and written is changes.py."""

import datetime as dt
import re
from collections.abc import Callable, Sequence

from chalicelib.clock import china_today, utc_now
from chalicelib.errors import Conflict, Forbidden, InvalidInput
from chalicelib.knowledge.changes import ChangeWriter, PublishListener
from chalicelib.knowledge.editorial_reads import EditorialReads
from chalicelib.knowledge.models.content import SLUG_PATTERN, Article, ArticleStatus
from chalicelib.knowledge.models.editing import (
    Draft,
    EditorialState,
    MarkdownRequest,
    PendingArchive,
    PublishRequest,
    RollbackRequest,
    WorkingCopy,
)
from chalicelib.knowledge.parsing import draft_fields
from chalicelib.knowledge.store.articles import ArticleStore, LiveChange
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.workflow import (
    ALREADY_SAVED,
    REMOVED_FROM_FOLDER,
    Step,
    check_archive_four_eyes,
    check_four_eyes,
    next_state,
    require_future,
    required_revision,
    rolled_back_to,
    with_contributor,
)
from chalicelib.people.access import Action, Principal
from chalicelib.people.directory import Directory


class EditorialService:
    """Every change is one ArticleChange: the working copy, its audit entry and (if any) a new version or a
    new live article, written in one transaction; based on a stated revision, so concurrent edits never
    overwrite each other. What editors read is `reads` (EditorialReads), which the commands read through too.
    `on_published` are told of every version that went live, once it is written."""

    def __init__(
        self,
        articles: ArticleStore,
        lexicon: LexiconStore,
        directory: Callable[[], Directory],
        now: Callable[[], dt.datetime] = utc_now,
        today: Callable[[], dt.date] = china_today,
        on_published: Sequence[PublishListener] = (),
    ) -> None:
        self.reads = EditorialReads(articles, lexicon, directory, now, today)
        self._articles = articles
        self._now = now
        self._changes = ChangeWriter(articles, lexicon, self.reads, now, on_published)

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
        return self._changes.version(None, article_id, text, principal, Step.CREATE, None, request.message)

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
        return self._changes.version(head, article_id, text, principal, Step.SAVE, based_on, request.message)

    def rollback(self, article_id: str, request: RollbackRequest, based_on: int | None, principal: Principal) -> Draft:
        """A new version with the text of an old one; it goes through review like any other change."""
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        based_on = required_revision(based_on)
        old = self.reads.version_of(article_id, request.version, "version")
        text = self.reads.text(old.markdown, head)
        principal.require_covers(text.department)
        message = request.message or rolled_back_to(request.version)
        return self._changes.version(head, article_id, text, principal, Step.ROLLBACK, based_on, message)

    def import_article(
        self, article: Article, principal: Principal, publish: bool, message: str, source_hash: str | None = None
    ) -> Draft:
        """A version from a file (kb sync, kb import): published at once if asked, else submitted for review."""
        head = self._articles.head(article.id)
        state = EditorialState.PUBLISHED if publish else EditorialState.IN_REVIEW
        text = self.reads.text(article.markdown, head)
        based_on = head.revision if head else None
        return self._changes.version(
            head, article.id, text, principal, Step.SYNC, based_on, message, state, source_hash
        )

    def note_source(self, article_id: str, source_hash: str, principal: Principal) -> Draft:
        """Remember that a file's text is already the latest version (kb sync found nothing to write)."""
        head = self.reads.existing(article_id)
        return self._changes.move(head, Step.SYNC, principal, None, head.state, ALREADY_SAVED, source_hash=source_hash)

    # Moving through review

    def submit(self, article_id: str, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        state = next_state(head.state, Step.SUBMIT)
        self.reads.require_ready(head)
        return self._changes.move(
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
        """Approve the change in review; for an archive request, confirm it: the article leaves search now."""
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        if head.archive_request is not None:
            check_archive_four_eyes(principal.identity, head.archive_request.principal, head.contributors)
            required_revision(based_on)  # the confirmation names the revision the reviewer read
            return self._archive(head, comment or head.archive_request.reason, based_on, principal)
        state = next_state(head.state, Step.APPROVE)
        check_four_eyes(principal.identity, head.contributors)
        self.reads.require_ready(head)
        return self._changes.move(head, Step.APPROVE, principal, based_on, state, comment, comment=comment)

    def reject(self, article_id: str, comment: str, based_on: int | None, principal: Principal) -> Draft:
        """Send a change back to draft; an archive request back to where the article was."""
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        asked = head.archive_request
        if asked is not None:
            check_archive_four_eyes(principal.identity, asked.principal, head.contributors)
            back = asked.returns_to
            return self._changes.move(
                head, Step.REJECT_ARCHIVE, principal, based_on, back, comment, archive_request=None, comment=comment
            )
        state = next_state(head.state, Step.REJECT)
        check_four_eyes(principal.identity, head.contributors)
        return self._changes.move(head, Step.REJECT, principal, based_on, state, comment, comment=comment)

    def publish(self, article_id: str, request: PublishRequest, based_on: int | None, principal: Principal) -> Draft:
        """Publish the approved version now, or schedule it; the live version changes in the same transaction."""
        head = self.reads.checked_head(article_id, principal, Action.REVIEW)
        check_four_eyes(principal.identity, head.contributors)
        if request.at is not None:
            require_future(request.at, self._now())
            state = next_state(head.state, Step.SCHEDULE)
            self.reads.require_ready(head)
            return self._changes.move(
                head,
                Step.SCHEDULE,
                principal,
                based_on,
                state,
                f"scheduled for {request.at.isoformat()}",
                scheduled_at=request.at,
            )
        next_state(head.state, Step.PUBLISH)
        return self._changes.go_live(head, principal, based_on)

    # Archiving: one person asks, another confirms

    def request_archive(self, article_id: str, reason: str, based_on: int | None, principal: Principal) -> Draft:
        """Ask for the article to leave search (editors too); it stays live until another reviewer confirms it
        (approve). A change waiting in review waits behind it; a scheduled publish is withdrawn (approved again if
        the request is)."""
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        if head.archive_request is not None:
            raise Conflict(f"{head.archive_request.name}已申请下线，等待审核员确认", field="state")
        state = next_state(head.state, Step.REQUEST_ARCHIVE)
        back = EditorialState.APPROVED if head.state is EditorialState.SCHEDULED else head.state
        asked = PendingArchive(
            principal=principal.identity, name=principal.name, at=self._now(), reason=reason, returns_to=back
        )
        return self._changes.move(head, Step.REQUEST_ARCHIVE, principal, based_on, state, reason, archive_request=asked)

    def withdraw_archive(
        self, article_id: str, comment: str | None, based_on: int | None, principal: Principal
    ) -> Draft:
        """The one who asked takes the request back; the article returns to where it was."""
        head = self.reads.checked_head(article_id, principal, Action.EDIT)
        asked = head.archive_request
        if asked is None:
            raise Conflict("这篇文章没有待确认的下线申请", field="state")
        if asked.principal != principal.identity:
            raise Forbidden("只有提出下线申请的人才能撤回；审核员可以退回申请", field="archive_request")
        return self._changes.move(
            head, Step.WITHDRAW_ARCHIVE, principal, based_on, asked.returns_to, comment, archive_request=None
        )

    def _archive(self, head: WorkingCopy, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        """Out of search (and out of review) now; its versions stay."""
        article_id = head.id
        state = next_state(head.state, Step.ARCHIVE)
        live = None
        if head.published_version is not None:
            shown = self.reads.version_of(article_id, head.published_version, "version")
            live = LiveChange(ArticleStatus.ARCHIVED, shown.version, shown.markdown, shown.content_hash, None)
        return self._changes.move(
            head,
            Step.ARCHIVE,
            principal,
            based_on,
            state,
            comment,
            live=live,
            published_version=None,
            archive_request=None,
        )

    def archive_source(self, article_id: str, principal: Principal) -> Draft:
        """kb sync: the article's file is gone, so the article leaves search (admin path, no review)."""
        return self._archive(self.reads.existing(article_id), REMOVED_FROM_FOLDER, None, principal)

    def promote_due(self, principal: Principal) -> int:
        """Publish every scheduled article whose time has come; returns how many went live."""
        published = 0
        for article_id, at in self._articles.due_schedules(self._now()):
            head = self._articles.head(article_id)
            if head is not None and head.state is EditorialState.SCHEDULED and head.scheduled_at == at:
                try:
                    self._changes.go_live(head, principal, head.revision)
                    published += 1
                except Conflict:
                    continue  # changed this very moment (say, withdrawn by a new save): the next round decides
            self._articles.drop_schedule(article_id, at)
        return published
