"""The editorial workflow's records and requests: working copies, versions, diffs, audit (EditorialService)."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.knowledge.models.content import SLUG_PATTERN, RequestTime
from chalicelib.paging import PageParams


class EditorialState(StrEnum):
    """Where an article's working copy stands in the review flow."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Contributor(BaseModel):
    """Someone who wrote a version or submitted it, by stable principal id (and name, for reading)."""

    principal: str
    name: str


class LintProblem(BaseModel):
    line: int
    message: str = Field(description="plain Chinese, without the line; shown as 第 {line} 行：{message}")


class PendingArchive(BaseModel):
    """A request to take the article out of search, waiting for another reviewer to confirm (approve) it."""

    principal: str = Field(description="who asked, by stable principal id")
    name: str
    at: dt.datetime
    reason: str
    returns_to: EditorialState = Field(description="the state the working copy goes back to if withdrawn or rejected")


class WorkingCopy(BaseModel):
    """An article's working copy as the workflow keeps it (its HEAD item): where it stands, what is live, and
    what lint said of its latest version. Its Markdown is kept in that version."""

    id: str
    state: EditorialState
    revision: int = Field(description="raised by every change; send it back in If-Match")
    version: int = Field(description="the latest version, the one the working copy holds")
    published_version: int | None = Field(default=None, description="the version search answers from, if any")
    scheduled_at: dt.datetime | None = None
    title: str
    category: str
    department: str = Field(description="the owning department's code")
    review_by: dt.date
    problems: list[LintProblem] = Field(
        default_factory=list, description="what must be fixed before the latest version can be submitted"
    )
    notices: list[LintProblem] = Field(default_factory=list, description="what was accepted leniently")
    contributors: list[Contributor] = Field(
        default_factory=list, description="who wrote a version or submitted since the last publish"
    )
    updated_at: dt.datetime
    updated_by: str
    updated_by_id: str | None = Field(default=None, description="the stable principal id of updated_by")
    submitted_by: str | None = None
    comment: str | None = Field(default=None, description="the last reviewer's comment")
    source_hash: str | None = Field(default=None, description="content hash of the file kb sync last read")
    archive_request: PendingArchive | None = Field(
        default=None, description="a request to take it out of search, until confirmed, withdrawn or rejected"
    )


class Draft(WorkingCopy):
    """The working copy as an editor reads it: with its latest Markdown, its department's name, and whether its
    review is due."""

    department_name: str | None = Field(default=None, description="its name in the directory")
    stale: bool = Field(default=False, description="review_by has passed")
    markdown: str | None = None


class VersionInfo(BaseModel):
    """One immutable saved version of an article."""

    version: int
    author: str
    author_id: str | None = Field(default=None, description="the author's stable principal id")
    created_at: dt.datetime
    message: str
    content_hash: str
    title: str


class Version(VersionInfo):
    markdown: str


class DiffLine(BaseModel):
    op: str = Field(description="' ' unchanged, '+' only in `to`, '-' only in `from`")
    text: str


class DiffSegment(BaseModel):
    op: str = Field(description="' ' in both, '+' added, '-' removed")
    text: str


class ChangedLine(BaseModel):
    """A line that differs: removed (old_line only), added (new_line only) or changed (both, word by word)."""

    old_line: int | None = None
    new_line: int | None = None
    segments: list[DiffSegment]


class Diff(BaseModel):
    from_version: int = Field(serialization_alias="from")
    to_version: int = Field(serialization_alias="to")
    lines: list[DiffLine]
    changes: list[ChangedLine] = Field(description="only the changed lines, with word-level changes")
    unified: str


class AuditEntry(BaseModel):
    """Who did what to which article, when, and from which state."""

    at: dt.datetime
    actor: str
    actor_id: str | None = None
    role: str
    action: str
    article_id: str
    department: str
    from_state: EditorialState | None = None
    to_state: EditorialState | None = None
    version: int | None = None
    comment: str | None = None


class Preview(BaseModel):
    ok: bool
    problems: list[LintProblem]
    notices: list[LintProblem] = Field(default_factory=list)
    title: str | None
    html: str


MARKDOWN_MAX_CHARS = 15_000
VERSION_MAX = 999_999_999  # as many digits as a version in a path may have


class MarkdownRequest(BaseModel):
    """POST /api/articles, PUT /api/articles/{id}/draft, POST /api/preview."""

    model_config = ConfigDict(extra="forbid")
    markdown: str = Field(min_length=1, max_length=MARKDOWN_MAX_CHARS)
    message: str | None = Field(default=None, max_length=200)


class MessageRequest(BaseModel):
    """POST …/submit, …/approve, …/archive/withdraw: an optional note for the audit trail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    message: str | None = Field(default=None, max_length=500)
    comment: str | None = Field(default=None, max_length=500)

    @property
    def note(self) -> str | None:
        """The note, sent as either field."""
        return self.comment or self.message


class ArchiveRequest(BaseModel):
    """POST …/archive: why the article should leave search (a second person confirms it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    comment: str = Field(min_length=2, max_length=500, description="the reason, for the reviewer and the audit trail")


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    comment: str = Field(min_length=2, max_length=500)


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: RequestTime | None = Field(
        default=None,
        description="publish later, at a time still to come (a past one is refused: publish now instead), "
        "up to 2100; without an offset it is Beijing time",
    )


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int = Field(ge=1, le=VERSION_MAX)
    message: str | None = Field(default=None, max_length=200)


class DiffParams(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_version: int = Field(alias="from", ge=1, le=VERSION_MAX)
    to_version: int = Field(alias="to", ge=1, le=VERSION_MAX)


class WorklistParams(PageParams):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    state: EditorialState | None = None
    department: str | None = Field(default=None, min_length=1, max_length=60)
    stale: bool | None = None


class AuditParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    article: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=80)
