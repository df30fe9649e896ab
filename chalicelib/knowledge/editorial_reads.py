"""What editors read of the workflow: working copies, the worklist, versions, diffs, audit, previews."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.clock import china_today, utc_now
from chalicelib.errors import InvalidInput, NotFound, NotReady
from chalicelib.knowledge.districts import as_written
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.lint import Linted, lint_article
from chalicelib.knowledge.models.editing import (
    AuditEntry,
    Diff,
    Draft,
    LintProblem,
    Preview,
    Version,
    VersionInfo,
    WorkingCopy,
    WorklistParams,
)
from chalicelib.knowledge.parsing import Problem, draft_fields, render_sections
from chalicelib.knowledge.store.articles import ArticleStore
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.workflow import changed_lines, line_diff
from chalicelib.paging import Page, page_of
from chalicelib.people.access import Action, Principal
from chalicelib.people.directory import Directory


@dataclass(frozen=True)
class VersionText:
    """A version's Markdown and what the working copy records about it, read even when it has problems."""

    markdown: str
    title: str
    category: str
    department: str
    review_by: dt.date
    linted: Linted

    @property
    def problems(self) -> list[LintProblem]:
        return problems_of(self.linted.problems)


class EditorialReads:
    """The read-only side of the workflow; EditorialService holds one and adds the commands that change an article."""

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

    def draft(self, article_id: str, principal: Principal) -> Draft:
        return self.complete(self.checked_head(article_id, principal, Action.EDIT))

    def worklist(self, params: WorklistParams, principal: Principal) -> Page[Draft]:
        principal.require(Action.EDIT)
        directory = self._directory()
        drafts = [
            self.as_draft(head, directory=directory)
            for head in self._articles.heads()
            if principal.covers(head.department)
            and (params.state is None or head.state is params.state)
            and (params.department is None or head.department in directory.with_descendants([params.department]))
        ]
        drafts = [d for d in drafts if params.stale is None or d.stale is params.stale]
        return page_of(drafts, lambda d: f"{d.updated_at.isoformat()}|{d.id}", params)

    def versions(self, article_id: str, principal: Principal) -> list[VersionInfo]:
        self.checked_head(article_id, principal, Action.EDIT)
        return self._articles.versions(article_id)

    def version(self, article_id: str, number: int, principal: Principal) -> Version:
        self.checked_head(article_id, principal, Action.EDIT)
        return self.version_of(article_id, number, "version")

    def diff(self, article_id: str, old: int, new: int, principal: Principal) -> Diff:
        self.checked_head(article_id, principal, Action.EDIT)
        before, after = self.version_of(article_id, old, "from"), self.version_of(article_id, new, "to")
        lines, unified = line_diff(before.markdown, after.markdown, f"version {old}", f"version {new}")
        changes = changed_lines(before.markdown, after.markdown)
        return Diff(from_version=old, to_version=new, lines=lines, changes=changes, unified=unified)

    def audit(self, principal: Principal, article_id: str | None = None) -> list[AuditEntry]:
        principal.require(Action.EDIT)
        if article_id is not None:
            self.checked_head(article_id, principal, Action.EDIT)
        return [e for e in self._articles.audit(article_id) if principal.covers(e.department)]

    def preview(self, markdown: str, principal: Principal) -> Preview:
        """Lint and render without saving: what the article would look like, and what is wrong with it."""
        principal.require(Action.EDIT)
        linted = self._lint(markdown)
        article = linted.article
        return Preview(
            ok=not linted.problems,
            problems=problems_of(linted.problems),
            notices=problems_of(linted.notices),
            title=article.title if article else draft_fields(markdown).get("title"),
            html=render_sections(as_written(article)) if article else "",
        )

    # What the commands read too

    def checked_head(self, article_id: str, principal: Principal, action: Action) -> WorkingCopy:
        principal.require(action)
        head = self._articles.head(article_id)
        if head is None:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        principal.require_covers(head.department)
        return head

    def existing(self, article_id: str) -> WorkingCopy:
        """The working copy of an article the caller (a tool, not a request) knows to exist."""
        head = self._articles.head(article_id)
        if head is None:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        return head

    def version_of(self, article_id: str, number: int, field: str) -> Version:
        version = self._articles.version(article_id, number)
        if version is None:
            raise NotFound(f"article '{article_id}' has no version {number}", field=field)
        return version

    def _lint(self, markdown: str) -> Linted:
        return lint_article(markdown, self._lexicon(), directory=self._directory())

    def complete(self, head: WorkingCopy) -> Draft:
        """A working copy as editors read it: with its Markdown (kept in its latest version), lint afresh (the
        lexicon or the directory may have changed since), its department's name and staleness."""
        markdown = self.version_of(head.id, head.version, "version").markdown
        linted = self._lint(markdown)
        problems, notices = problems_of(linted.problems), problems_of(linted.notices)
        return self.as_draft(head.model_copy(update={"problems": problems, "notices": notices}), markdown)

    def as_draft(self, head: WorkingCopy, markdown: str | None = None, directory: Directory | None = None) -> Draft:
        """The reply for a working copy: its department's name and whether its review is due."""
        name = (directory or self._directory()).name_of(head.department)
        stale = head.review_by < self._today()
        kept = {field: getattr(head, field) for field in WorkingCopy.model_fields}
        return Draft(**kept, department_name=name, stale=stale, markdown=markdown)

    def text(self, markdown: str, head: WorkingCopy | None) -> VersionText:
        """What a version records, from its text; where the text cannot say (it has problems), the working
        copy's values stay. A new article needs at least a department from the directory, to know whose it is."""
        linted = self._lint(markdown)
        if linted.article is not None:
            a = linted.article
            fields = {"title": a.title, "category": a.category, "department": a.department}
            review_by: dt.date | None = a.review_by
        else:  # read what can be read from the text with problems
            fields = draft_fields(markdown)
            review_by = _date(fields.get("review_by"))
        directory = self._directory()
        department = fields.get("department", "")
        if department not in directory:
            if head is None:
                close = "、".join(f"{d.code}（{d.name}）" for d in directory.close_matches(department))
                hint = f"；相近的有：{close}" if close else "；请从派单目录中选择编码"
                raise InvalidInput(f"承办单位“{department}”不在派单目录中{hint}", field="markdown")
            department = head.department
        return VersionText(
            markdown,
            fields.get("title") or (head.title if head else fields.get("id", "")),
            fields.get("category") or (head.category if head else ""),
            department,
            review_by or (head.review_by if head else self._today()),
            linted,
        )

    def require_ready(self, head: WorkingCopy) -> None:
        """Submit, approve and publish need a latest version without lint problems (checked afresh)."""
        linted = self._lint(self.version_of(head.id, head.version, "version").markdown)
        if linted.problems:
            first = linted.problems[0]
            raise NotReady(
                f"还有 {len(linted.problems)} 个问题，改完才能提交审核或发布；第 {first.line} 行：{first.message}",
                field="markdown",
                problems=[p.model_dump() for p in problems_of(linted.problems)],
            )

    def _lexicon(self) -> Lexicon:
        return self._lexicon_store.current()[0]


def problems_of(problems: list[Problem]) -> list[LintProblem]:
    return [LintProblem(line=p.line, message=p.message) for p in problems]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
