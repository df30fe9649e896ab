"""Use cases of the editorial workflow: drafts, versions, review, publishing, history and audit."""

import datetime as dt
from collections.abc import Callable

from chalicelib.access import Action, Principal
from chalicelib.articles import Article, parse_article, render_sections
from chalicelib.documents import encode_document
from chalicelib.engine import SearchEngine
from chalicelib.errors import Conflict, InvalidInput, NotFound, PreconditionRequired
from chalicelib.lexicon import Lexicon
from chalicelib.lint import lint_article
from chalicelib.models import (
    ArticleStatus,
    AuditEntry,
    Diff,
    Draft,
    EditorialState,
    LintProblem,
    MarkdownRequest,
    Preview,
    PublishRequest,
    RollbackRequest,
    Version,
    VersionInfo,
    WorklistParams,
    china_today,
)
from chalicelib.store import KnowledgeStore, LiveChange
from chalicelib.workflow import Step, check_four_eyes, line_diff, next_state


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EditorialService:
    """Every change is a transaction of the working copy, its audit entry and (if any) a new version
    or a new live article; based on a stated revision, so concurrent edits never overwrite each other."""

    def __init__(
        self,
        store: KnowledgeStore,
        now: Callable[[], dt.datetime] = utc_now,
        today: Callable[[], dt.date] = china_today,
    ) -> None:
        self._store = store
        self._now = now
        self._today = today
        self._engine: tuple[int, SearchEngine] | None = None  # loads jieba: kept for the container's life

    # Reading

    def draft(self, article_id: str, principal: Principal) -> Draft:
        return self._complete(self._head(article_id, principal, Action.EDIT))

    def worklist(self, params: WorklistParams, principal: Principal) -> list[Draft]:
        principal.require(Action.EDIT)
        drafts = [
            self._with_staleness(head)
            for head in self._store.heads()
            if principal.covers(head.department)
            and (params.state is None or head.state is params.state)
            and (params.department is None or params.department in head.department)
        ]
        drafts = [d for d in drafts if params.stale is None or d.stale is params.stale]
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    def versions(self, article_id: str, principal: Principal) -> list[VersionInfo]:
        self._head(article_id, principal, Action.EDIT)
        return self._store.versions(article_id)

    def version(self, article_id: str, number: int, principal: Principal) -> Version:
        self._head(article_id, principal, Action.EDIT)
        return self._version(article_id, number, "version")

    def diff(self, article_id: str, old: int, new: int, principal: Principal) -> Diff:
        self._head(article_id, principal, Action.EDIT)
        before, after = self._version(article_id, old, "from"), self._version(article_id, new, "to")
        lines, unified = line_diff(before.markdown, after.markdown, f"version {old}", f"version {new}")
        return Diff(from_version=old, to_version=new, lines=lines, unified=unified)

    def audit(self, principal: Principal, article_id: str | None = None) -> list[AuditEntry]:
        principal.require(Action.EDIT)
        if article_id is not None:
            self._head(article_id, principal, Action.EDIT)
        return [e for e in self._store.audit(article_id) if principal.covers(e.department)]

    def preview(self, markdown: str, principal: Principal) -> Preview:
        """Lint and render without saving: what the article would look like, and what is wrong with it."""
        principal.require(Action.EDIT)
        article, problems = lint_article(markdown, self._lexicon())
        return Preview(
            ok=not problems,
            problems=[LintProblem(line=p.line, message=p.message) for p in problems],
            title=article.title if article else None,
            html=render_sections(article.sections) if article else "",
        )

    # Writing a version

    def create(self, request: MarkdownRequest, principal: Principal) -> Draft:
        principal.require(Action.EDIT)
        article = self._valid(request.markdown)
        principal.require_covers(article.department)
        return self._write(None, article, principal, Step.CREATE, None, request.message)

    def save(self, article_id: str, request: MarkdownRequest, based_on: int | None, principal: Principal) -> Draft:
        head = self._head(article_id, principal, Action.EDIT)
        article = self._valid(request.markdown, article_id)
        principal.require_covers(article.department)
        return self._write(head, article, principal, Step.SAVE, _required(based_on), request.message)

    def rollback(self, article_id: str, request: RollbackRequest, based_on: int | None, principal: Principal) -> Draft:
        """A new version with the text of an old one; it goes through review like any other change."""
        head = self._head(article_id, principal, Action.EDIT)
        old = self._version(article_id, request.version, "version")
        article = self._valid(old.markdown, article_id)
        principal.require_covers(article.department)
        message = request.message or f"rollback to version {request.version}"
        return self._write(head, article, principal, Step.ROLLBACK, _required(based_on), message)

    def import_article(
        self, article: Article, principal: Principal, publish: bool, message: str, source_hash: str | None = None
    ) -> Draft:
        """A version from a file (kb sync, kb import): published at once if asked, else submitted for review."""
        head = self._store.head(article.id)
        state = EditorialState.PUBLISHED if publish else EditorialState.IN_REVIEW
        return self._write(
            head, article, principal, Step.SYNC, head.revision if head else None, message, state, source_hash
        )

    def publish_source(self, article_id: str, source_hash: str, principal: Principal) -> Draft:
        """kb sync --publish: the latest version already is the file's text; publish it (admin path, no review)."""
        return self._go_live(self._existing(article_id), principal, None, source_hash=source_hash)

    def note_source(self, article_id: str, source_hash: str, principal: Principal) -> Draft:
        """Remember that a file's text is already the latest version (kb sync found nothing to write)."""
        head = self._existing(article_id)
        return self._transition(
            head, Step.SYNC, principal, None, head.state, "file already saved", source_hash=source_hash
        )

    # Moving through review

    def submit(self, article_id: str, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        head = self._head(article_id, principal, Action.EDIT)
        state = next_state(head.state, Step.SUBMIT)
        return self._transition(head, Step.SUBMIT, principal, based_on, state, comment, submitted_by=principal.name)

    def approve(self, article_id: str, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        head = self._head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.APPROVE)
        check_four_eyes(principal.name, self._version(article_id, head.version, "version").author, head.submitted_by)
        return self._transition(head, Step.APPROVE, principal, based_on, state, comment, comment=comment)

    def reject(self, article_id: str, comment: str, based_on: int | None, principal: Principal) -> Draft:
        head = self._head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.REJECT)
        return self._transition(head, Step.REJECT, principal, based_on, state, comment, comment=comment)

    def publish(self, article_id: str, request: PublishRequest, based_on: int | None, principal: Principal) -> Draft:
        """Publish the approved version now, or schedule it; the live version changes in the same transaction."""
        head = self._head(article_id, principal, Action.REVIEW)
        if request.at is not None and request.at > self._now():
            state = next_state(head.state, Step.SCHEDULE)
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
        head = self._head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.ARCHIVE)
        live = None
        if head.published_version is not None:
            shown = self._version(article_id, head.published_version, "version")
            live = LiveChange(ArticleStatus.ARCHIVED, shown.version, shown.markdown, shown.content_hash, None)
        return self._transition(
            head, Step.ARCHIVE, principal, based_on, state, comment, live=live, published_version=None
        )

    def archive_source(self, article_id: str, principal: Principal) -> Draft:
        """kb sync: the article's file is gone, so the article leaves search (admin path, no review)."""
        return self.archive(article_id, "its file was removed from the knowledge folder", None, principal)

    def promote_due(self, principal: Principal) -> int:
        """Publish every scheduled article whose time has come; returns how many went live."""
        published = 0
        for article_id, at in self._store.due_schedules(self._now()):
            head = self._store.head(article_id)
            if head is not None and head.state is EditorialState.SCHEDULED and head.scheduled_at == at:
                try:
                    self._go_live(head, principal, head.revision)
                    published += 1
                except Conflict:
                    continue  # changed this very moment (say, withdrawn by a new save): the next round decides
            self._store.drop_schedule(article_id, at)
        return published

    # The machinery

    def _write(
        self,
        head: Draft | None,
        article: Article,
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
            created_at=now,
            message=message or step.value,
            content_hash=article.content_hash,
            title=article.title,
            markdown=article.markdown,
        )
        state = state or next_state(head.state if head else None, step)
        publish = state is EditorialState.PUBLISHED
        live = None
        if publish:
            search = encode_document(self._search_engine().index_article(article))
            live = LiveChange(ArticleStatus.PUBLISHED, number, article.markdown, article.content_hash, search)
        updated = Draft(
            id=article.id,
            state=state,
            revision=(head.revision + 1) if head else 1,
            version=number,
            published_version=number if publish else (head.published_version if head else None),
            scheduled_at=None,
            title=article.title,
            category=article.category,
            department=article.department,
            review_by=article.review_by,
            markdown=article.markdown,
            updated_at=now,
            updated_by=principal.name,
            submitted_by=principal.name if state is EditorialState.IN_REVIEW else None,
            comment=None,
            source_hash=source_hash if source_hash is not None else (head.source_hash if head else None),
        )
        entry = self._entry(updated, step, principal, head.state if head else None, message, now)
        saved = self._store.apply_change(updated, based_on if head else None, entry, version=version, live=live)
        return self._with_staleness(saved)  # it still holds the Markdown just written

    def _go_live(self, head: Draft, principal: Principal, based_on: int | None, **changes: object) -> Draft:
        version = self._version(head.id, head.version, "version")
        search = encode_document(self._search_engine().index_article(parse_article(version.markdown)))
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
            **changes,
        )

    def _transition(
        self,
        head: Draft,
        step: Step,
        principal: Principal,
        based_on: int | None,
        state: EditorialState,
        note: str | None = None,
        live: LiveChange | None = None,
        **changes: object,
    ) -> Draft:
        """The working copy moves to a new state (and Draft fields change); no new version."""
        now = self._now()
        updated = head.model_copy(
            update={
                "state": state,
                "revision": head.revision + 1,
                "updated_at": now,
                "updated_by": principal.name,
                "scheduled_at": changes.pop("scheduled_at", None),
                **changes,
            }
        )
        entry = self._entry(updated, step, principal, head.state, note, now)
        expected = head.revision if based_on is None else based_on
        saved = self._store.apply_change(
            updated, expected, entry, live=live, schedule_at=updated.scheduled_at if step is Step.SCHEDULE else None
        )
        return self._complete(saved)

    def _entry(
        self,
        head: Draft,
        step: Step,
        principal: Principal,
        before: EditorialState | None,
        comment: str | None,
        now: dt.datetime,
    ) -> AuditEntry:
        return AuditEntry(
            at=now,
            actor=principal.name,
            role=principal.role.value,
            action=step.value,
            article_id=head.id,
            department=head.department,
            from_state=before,
            to_state=head.state,
            version=head.version,
            comment=comment,
        )

    def _head(self, article_id: str, principal: Principal, action: Action) -> Draft:
        principal.require(action)
        head = self._store.head(article_id)
        if head is None:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        principal.require_covers(head.department)
        return head

    def _existing(self, article_id: str) -> Draft:
        """The working copy of an article the caller (a tool, not a request) knows to exist."""
        head = self._store.head(article_id)
        if head is None:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        return head

    def _version(self, article_id: str, number: int, field: str) -> Version:
        version = self._store.version(article_id, number)
        if version is None:
            raise NotFound(f"article '{article_id}' has no version {number}", field=field)
        return version

    def _valid(self, markdown: str, article_id: str | None = None) -> Article:
        """The article the Markdown describes, or a 400 listing every problem with its line."""
        article, problems = lint_article(markdown, self._lexicon())
        if article is not None and article_id is not None and article.id != article_id:
            raise InvalidInput(
                f"the Markdown's id '{article.id}' must stay '{article_id}'; create a new article instead",
                field="markdown",
            )
        if problems or article is None:
            first = problems[0]
            raise InvalidInput(
                f"the Markdown has {len(problems)} problem(s); line {first.line}: {first.message}",
                field="markdown",
                problems=[{"line": p.line, "message": p.message} for p in problems],
            )
        return article

    def _complete(self, head: Draft) -> Draft:
        """A working copy as callers see it: with its Markdown (kept in its latest version) and staleness."""
        markdown = self._version(head.id, head.version, "version").markdown
        return self._with_staleness(head.model_copy(update={"markdown": markdown}))

    def _with_staleness(self, head: Draft) -> Draft:
        return head.model_copy(update={"stale": head.review_by < self._today()})

    def _lexicon(self) -> Lexicon:
        return self._store.lexicon()[0]

    def _search_engine(self) -> SearchEngine:
        """The engine of the current lexicon, so a published article is indexed as `kb sync` would."""
        lexicon, generation = self._store.lexicon()
        if self._engine is None or self._engine[0] != generation:
            self._engine = (generation, SearchEngine(lexicon))
        return self._engine[1]


def _required(based_on: int | None) -> int:
    if based_on is None:
        raise PreconditionRequired(
            "send If-Match with the revision your edit is based on (the ETag of the draft you loaded)",
            field="If-Match",
        )
    return based_on
