"""Use cases of the editorial workflow: drafts, versions, review, publishing, history and audit."""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.access import Action, Principal
from chalicelib.articles import Problem, content_hash, draft_fields, render_sections
from chalicelib.directory import Directory
from chalicelib.documents import encode_document
from chalicelib.engine import SearchEngine
from chalicelib.errors import Conflict, InvalidInput, NotFound, NotReady, PreconditionRequired
from chalicelib.lexicon import Lexicon
from chalicelib.lint import Linted, lint_article
from chalicelib.models import (
    SLUG_PATTERN,
    Article,
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
from chalicelib.store.articles import ArticleChange, ArticleStore, LiveChange
from chalicelib.store.lexicon import LexiconStore
from chalicelib.workflow import Step, changed_lines, check_four_eyes, line_diff, next_state, with_contributor


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class _Text:
    """A version's Markdown and what the working copy records about it, read even when it has problems."""

    markdown: str
    title: str
    category: str
    department: str
    review_by: dt.date
    linted: Linted

    @property
    def problems(self) -> list[LintProblem]:
        return _problems(self.linted.problems)


class EditorialService:
    """Every change is one ArticleChange: the working copy, its audit entry and (if any) a new version or a
    new live article, written in one transaction; based on a stated revision, so concurrent edits never
    overwrite each other."""

    def __init__(
        self,
        articles: ArticleStore,
        lexicon: LexiconStore,
        directory: Callable[[], Directory],
        now: Callable[[], dt.datetime] = utc_now,
        today: Callable[[], dt.date] = china_today,
    ) -> None:
        self._articles = articles
        self._lexicon_store = lexicon
        self._directory = directory
        self._now = now
        self._today = today
        self._engine: tuple[int, SearchEngine] | None = None  # loads jieba: kept for the container's life

    # Reading

    def draft(self, article_id: str, principal: Principal) -> Draft:
        return self._complete(self._head(article_id, principal, Action.EDIT))

    def worklist(self, params: WorklistParams, principal: Principal) -> list[Draft]:
        principal.require(Action.EDIT)
        directory = self._directory()
        drafts = [
            self._with_staleness(head, directory)
            for head in self._articles.heads()
            if principal.covers(head.department)
            and (params.state is None or head.state is params.state)
            and (params.department is None or head.department in directory.with_descendants([params.department]))
        ]
        drafts = [d for d in drafts if params.stale is None or d.stale is params.stale]
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    def versions(self, article_id: str, principal: Principal) -> list[VersionInfo]:
        self._head(article_id, principal, Action.EDIT)
        return self._articles.versions(article_id)

    def version(self, article_id: str, number: int, principal: Principal) -> Version:
        self._head(article_id, principal, Action.EDIT)
        return self._version(article_id, number, "version")

    def diff(self, article_id: str, old: int, new: int, principal: Principal) -> Diff:
        self._head(article_id, principal, Action.EDIT)
        before, after = self._version(article_id, old, "from"), self._version(article_id, new, "to")
        lines, unified = line_diff(before.markdown, after.markdown, f"version {old}", f"version {new}")
        changes = changed_lines(before.markdown, after.markdown)
        return Diff(from_version=old, to_version=new, lines=lines, changes=changes, unified=unified)

    def audit(self, principal: Principal, article_id: str | None = None) -> list[AuditEntry]:
        principal.require(Action.EDIT)
        if article_id is not None:
            self._head(article_id, principal, Action.EDIT)
        return [e for e in self._articles.audit(article_id) if principal.covers(e.department)]

    def preview(self, markdown: str, principal: Principal) -> Preview:
        """Lint and render without saving: what the article would look like, and what is wrong with it."""
        principal.require(Action.EDIT)
        linted = self._lint(markdown)
        article = linted.article
        return Preview(
            ok=not linted.problems,
            problems=_problems(linted.problems),
            notices=_problems(linted.notices),
            title=article.title if article else draft_fields(markdown).get("title"),
            html=render_sections(article.sections) if article else "",
        )

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
        text = self._text(request.markdown, None)
        principal.require_covers(text.department)
        return self._write(None, article_id, text, principal, Step.CREATE, None, request.message)

    def save(self, article_id: str, request: MarkdownRequest, based_on: int | None, principal: Principal) -> Draft:
        """A new version of the working copy; problems are listed with it and must be fixed before submitting."""
        head = self._head(article_id, principal, Action.EDIT)
        based_on = _required(based_on)
        written_id = draft_fields(request.markdown).get("id")
        if written_id is not None and written_id != article_id:
            raise InvalidInput(
                f"文件头里的编号“{written_id}”必须保持为“{article_id}”；要写新文章请新建", field="markdown"
            )
        text = self._text(request.markdown, head)
        principal.require_covers(text.department)
        return self._write(head, article_id, text, principal, Step.SAVE, based_on, request.message)

    def rollback(self, article_id: str, request: RollbackRequest, based_on: int | None, principal: Principal) -> Draft:
        """A new version with the text of an old one; it goes through review like any other change."""
        head = self._head(article_id, principal, Action.EDIT)
        based_on = _required(based_on)
        old = self._version(article_id, request.version, "version")
        text = self._text(old.markdown, head)
        principal.require_covers(text.department)
        message = request.message or f"rollback to version {request.version}"
        return self._write(head, article_id, text, principal, Step.ROLLBACK, based_on, message)

    def import_article(
        self, article: Article, principal: Principal, publish: bool, message: str, source_hash: str | None = None
    ) -> Draft:
        """A version from a file (kb sync, kb import): published at once if asked, else submitted for review."""
        head = self._articles.head(article.id)
        state = EditorialState.PUBLISHED if publish else EditorialState.IN_REVIEW
        text = self._text(article.markdown, head)
        return self._write(
            head, article.id, text, principal, Step.SYNC, head.revision if head else None, message, state, source_hash
        )

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
        self._require_ready(head)
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
        head = self._head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.APPROVE)
        check_four_eyes(principal.identity, head.contributors)
        self._require_ready(head)
        return self._transition(head, Step.APPROVE, principal, based_on, state, comment, comment=comment)

    def reject(self, article_id: str, comment: str, based_on: int | None, principal: Principal) -> Draft:
        head = self._head(article_id, principal, Action.REVIEW)
        state = next_state(head.state, Step.REJECT)
        check_four_eyes(principal.identity, head.contributors)
        return self._transition(head, Step.REJECT, principal, based_on, state, comment, comment=comment)

    def publish(self, article_id: str, request: PublishRequest, based_on: int | None, principal: Principal) -> Draft:
        """Publish the approved version now, or schedule it; the live version changes in the same transaction."""
        head = self._head(article_id, principal, Action.REVIEW)
        check_four_eyes(principal.identity, head.contributors)
        if request.at is not None and request.at > self._now():
            state = next_state(head.state, Step.SCHEDULE)
            self._require_ready(head)
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
        check_four_eyes(principal.identity, head.contributors)
        return self._archive(head, comment, based_on, principal)

    def _archive(self, head: Draft, comment: str | None, based_on: int | None, principal: Principal) -> Draft:
        article_id = head.id
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
        return self._archive(
            self._existing(article_id), "its file was removed from the knowledge folder", None, principal
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
        head: Draft | None,
        article_id: str,
        text: _Text,
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
        updated = Draft(
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
            markdown=text.markdown,
            problems=text.problems,
            notices=_problems(text.linted.notices),
            contributors=contributors,
            updated_at=now,
            updated_by=principal.name,
            updated_by_id=principal.identity,
            submitted_by=principal.name if state is EditorialState.IN_REVIEW else None,
            comment=None,
            source_hash=source_hash if source_hash is not None else (head.source_hash if head else None),
        )
        entry = self._entry(updated, step, principal, head.state if head else None, message, now)
        change = ArticleChange(updated, based_on if head else None, entry, version=version, live=live)
        saved = self._articles.write(change)
        return self._with_staleness(saved)  # it still holds the Markdown just written

    def _go_live(self, head: Draft, principal: Principal, based_on: int | None, **changes: object) -> Draft:
        """The latest version goes live; the next change starts a new round of contributors."""
        version = self._version(head.id, head.version, "version")
        article = _valid(self._text(version.markdown, head))
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
                "updated_by_id": principal.identity,
                "scheduled_at": changes.pop("scheduled_at", None),
                **changes,
            }
        )
        entry = self._entry(updated, step, principal, head.state, note, now)
        expected = head.revision if based_on is None else based_on
        schedule_at = updated.scheduled_at if step is Step.SCHEDULE else None
        saved = self._articles.write(ArticleChange(updated, expected, entry, live=live, schedule_at=schedule_at))
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

    def _head(self, article_id: str, principal: Principal, action: Action) -> Draft:
        principal.require(action)
        head = self._articles.head(article_id)
        if head is None:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        principal.require_covers(head.department)
        return head

    def _existing(self, article_id: str) -> Draft:
        """The working copy of an article the caller (a tool, not a request) knows to exist."""
        head = self._articles.head(article_id)
        if head is None:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        return head

    def _version(self, article_id: str, number: int, field: str) -> Version:
        version = self._articles.version(article_id, number)
        if version is None:
            raise NotFound(f"article '{article_id}' has no version {number}", field=field)
        return version

    def _lint(self, markdown: str) -> Linted:
        return lint_article(markdown, self._lexicon(), directory=self._directory())

    def _text(self, markdown: str, head: Draft | None) -> _Text:
        """What a version records, from its text; where the text cannot say (it has problems), the working
        copy's values stay. A new article needs at least a department from the directory, to know whose it is."""
        linted = self._lint(markdown)
        fields = draft_fields(markdown)
        if linted.article is not None:
            a = linted.article
            fields = {"title": a.title, "category": a.category, "department": a.department}
            review_by: dt.date | None = a.review_by
        else:
            review_by = _date(fields.get("review_by"))
        directory = self._directory()
        department = fields.get("department", "")
        if department not in directory:
            if head is None:
                close = "、".join(f"{d.code}（{d.name}）" for d in directory.close_matches(department))
                hint = f"；相近的有：{close}" if close else "；请从派单目录中选择编码"
                raise InvalidInput(f"承办单位“{department}”不在派单目录中{hint}", field="markdown")
            department = head.department
        return _Text(
            markdown,
            fields.get("title") or (head.title if head else fields.get("id", "")),
            fields.get("category") or (head.category if head else ""),
            department,
            review_by or (head.review_by if head else self._today()),
            linted,
        )

    def _require_ready(self, head: Draft) -> None:
        """Submit, approve and publish need a latest version without lint problems (checked afresh)."""
        linted = self._lint(self._version(head.id, head.version, "version").markdown)
        if linted.problems:
            first = linted.problems[0]
            raise NotReady(
                f"还有 {len(linted.problems)} 个问题，改完才能提交审核或发布；第 {first.line} 行：{first.message}",
                field="markdown",
                problems=[p.model_dump() for p in _problems(linted.problems)],
            )

    def _complete(self, head: Draft) -> Draft:
        """A working copy as callers see it: with its Markdown (kept in its latest version) and staleness."""
        markdown = self._version(head.id, head.version, "version").markdown
        linted = self._lint(markdown)  # afresh: the lexicon or the directory may have changed since
        problems, notices = _problems(linted.problems), _problems(linted.notices)
        return self._with_staleness(
            head.model_copy(update={"markdown": markdown, "problems": problems, "notices": notices})
        )

    def _with_staleness(self, head: Draft, directory: Directory | None = None) -> Draft:
        name = (directory or self._directory()).name_of(head.department)
        return head.model_copy(update={"stale": head.review_by < self._today(), "department_name": name})

    def _lexicon(self) -> Lexicon:
        return self._lexicon_store.current()[0]

    def _search_engine(self) -> SearchEngine:
        """The engine of the current lexicon, so a published article is indexed as `kb sync` would."""
        lexicon, generation = self._lexicon_store.current()
        if self._engine is None or self._engine[0] != generation:
            self._engine = (generation, SearchEngine(lexicon))
        return self._engine[1]


def _valid(text: _Text) -> Article:
    """The article, for going live; a version with problems never gets this far (NotReady first)."""
    if text.linted.article is None or text.linted.problems:
        raise NotReady("这个版本还有问题，不能发布", field="markdown", problems=[p.model_dump() for p in text.problems])
    return text.linted.article


def _problems(problems: list[Problem]) -> list[LintProblem]:
    return [LintProblem(line=p.line, message=p.message) for p in problems]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _required(based_on: int | None) -> int:
    if based_on is None:
        raise PreconditionRequired(
            "send If-Match with the revision your edit is based on (the ETag of the draft you loaded)",
            field="If-Match",
        )
    return based_on
