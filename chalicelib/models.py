"""Pydantic models at the boundaries: article front matter, stored records, API requests and replies."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.directory import Department

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Audience(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Reader(StrEnum):
    """Who is asking: decides which articles and sections they may see."""

    CITIZEN = "public"
    AGENT = "agent"


class Source(BaseModel):
    """The policy document an article rests on."""

    model_config = ConfigDict(extra="forbid")
    issuer: str = Field(min_length=2, description="发文单位")
    number: str | None = Field(default=None, description="文号")


class FrontMatter(BaseModel):
    """The YAML header of an article file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    title: str = Field(min_length=4, max_length=40)
    category: str = Field(pattern=SLUG_PATTERN)
    audience: Audience
    department: str = Field(min_length=2, max_length=60)
    phone: str | None = Field(default=None, pattern=r"^[0-9][0-9-]{2,19}$")
    questions: list[str] = Field(default_factory=list, max_length=12)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    effective_from: dt.date
    expires: dt.date | None = None
    review_by: dt.date
    source: Source | None = None

    @field_validator("questions", "keywords")
    @classmethod
    def _no_blank_entries(cls, values: list[str]) -> list[str]:
        if any(not isinstance(v, str) or not v.strip() for v in values):
            raise ValueError("entries must be non-empty text")
        return [v.strip() for v in values]

    @model_validator(mode="after")
    def _expires_after_start(self) -> "FrontMatter":
        if self.expires is not None and self.expires <= self.effective_from:
            raise ValueError(f"expires ({self.expires}) must be after effective_from ({self.effective_from})")
        return self


class Article(FrontMatter):
    """A parsed article: front matter, its body sections (Markdown) and the source text."""

    # The source text is kept byte for byte (export writes it back); front-matter fields arrive stripped.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    sections: dict[str, str]
    markdown: str
    content_hash: str

    def in_force(self, today: dt.date) -> bool:
        return self.effective_from <= today and (self.expires is None or today < self.expires)


class ArticleStatus(StrEnum):
    PUBLISHED = "published"
    ARCHIVED = "archived"


class StoredArticle(BaseModel):
    """An article as the store holds it."""

    id: str
    status: ArticleStatus
    markdown: str
    content_hash: str
    generation: int
    updated_at: dt.datetime
    updated_by: str
    version: int | None = Field(default=None, description="the editorial version that is live")
    search: bytes | None = Field(default=None, repr=False, description="the encoded search document")


# Hotlines work on Beijing time: dates (in force, stale) and times given without an offset mean UTC+8.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def china_today() -> dt.date:
    return dt.datetime.now(CHINA_TIME).date()


def _in_china_time(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=CHINA_TIME) if value is not None and value.tzinfo is None else value


class AsOfParams(BaseModel):
    """`as_of`: answer from the knowledge base as it was published at that moment."""

    model_config = ConfigDict(extra="ignore")
    as_of: dt.datetime | None = Field(default=None, description="ISO time; without an offset it is Beijing time")

    _china = field_validator("as_of")(_in_china_time)


class SearchParams(AsOfParams):
    """The query string of GET /api/search."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=10, ge=1, le=50)
    category: str | None = Field(default=None, pattern=SLUG_PATTERN)


class ArticleListParams(BaseModel):
    """The query string of GET /api/articles."""

    model_config = ConfigDict(extra="ignore")
    category: str | None = Field(default=None, pattern=SLUG_PATTERN)


class ArticleSummary(BaseModel):
    id: str
    title: str
    category: str
    department: str = Field(description="the department's code in the directory")
    department_name: str


class PopularParams(BaseModel):
    """The query string of GET /api/popular."""

    model_config = ConfigDict(extra="ignore")
    limit: int = Field(default=8, ge=1, le=20)


class PopularArticle(ArticleSummary):
    hits: int = Field(description="answered searches it topped in the last days")


class SuggestParams(BaseModel):
    """The query string of GET /api/suggest."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    q: str = Field(min_length=1, max_length=50)
    limit: int = Field(default=8, ge=1, le=20)


class Suggestion(BaseModel):
    text: str
    id: str


class SuggestResult(BaseModel):
    query: str
    suggestions: list[Suggestion]


class SearchHit(BaseModel):
    id: str
    title: str
    category: str
    score: float = Field(description="confidence in [0, 1] that this article answers the query")
    snippet: str
    marks: list[list[int]] = Field(default_factory=list, description="[start, end) spans of matched words in snippet")
    department: str = Field(description="the code of the department to dispatch to")
    department_name: str


class SearchResult(BaseModel):
    query: str
    answered: bool
    hits: list[SearchHit]


class ArticleView(BaseModel):
    """An article as a reader sees it: only the sections they may read, rendered to HTML too."""

    id: str
    title: str
    category: str
    audience: Audience
    department: str = Field(description="the code of the department to dispatch to")
    department_name: str
    dispatch: Department | None = Field(description="that department's directory record (phone, hours)")
    phone: str | None
    questions: list[str]
    keywords: list[str]
    effective_from: dt.date
    expires: dt.date | None
    review_by: dt.date
    source: Source | None
    sections: dict[str, str]
    html: str
    version: int | None = Field(default=None, description="the editorial version shown")


class Category(BaseModel):
    id: str
    name: str
    articles: int


class ApiKey(BaseModel):
    """An API key as stored: never the key itself, only its hash."""

    key_id: str
    principal: str | None = Field(default=None, description="the holder's stable id, shared by their rotated keys")
    name: str = Field(description="the holder's name, unique")
    role: str
    departments: list[str] = Field(description="department codes, or ['*'] for an admin of every department")
    created_at: dt.datetime
    revoked: bool = False


class Me(BaseModel):
    """GET /api/me: who the key belongs to, so a console shows only what its holder may do."""

    principal: str | None = Field(description="the holder's stable id; null when signed out")
    name: str
    role: str
    departments: list[str] = Field(description="department codes acted for, units under them included; '*': all")


class FeedbackRequest(BaseModel):
    """POST /api/feedback: 好差评 on one article."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    article_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    helpful: bool
    comment: str | None = Field(default=None, max_length=500)
    query: str | None = Field(default=None, max_length=200)


class FlagRequest(BaseModel):
    """POST /api/articles/{id}/flags: an agent says the answer is outdated or wrong."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    comment: str = Field(min_length=2, max_length=1000)


class Task(BaseModel):
    """Work for a department's editors, raised by an agent's flag."""

    id: str
    article_id: str
    article_title: str
    department: str = Field(description="the code of the article's department when it was flagged")
    department_name: str | None = None
    comment: str
    flagged_by: str
    created_at: dt.datetime
    status: str = Field(default="open", description="open, or done once an editor has dealt with it")
    closed_by: str | None = None
    closed_at: dt.datetime | None = None


class FeedbackComment(BaseModel):
    at: dt.datetime | None = None
    helpful: bool
    comment: str
    query: str | None = None


class FeedbackSummary(BaseModel):
    """What readers said about one article: the 好差评 counts and the latest comments."""

    article_id: str
    helpful: int
    unhelpful: int
    comments: list[FeedbackComment] = Field(description="newest first, at most 20")


class UnansweredParams(BaseModel):
    """The query string of GET /api/unanswered."""

    model_config = ConfigDict(extra="ignore")
    days: int = Field(default=7, ge=1, le=30)
    limit: int = Field(default=50, ge=1, le=200)


class UnansweredQuery(BaseModel):
    query: str = Field(description="as asked (normalised, phone and ID numbers masked)")
    count: int


class Accepted(BaseModel):
    id: str
    status: str = "accepted"


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


class Draft(BaseModel):
    """An article's working copy: its latest version, where it stands, and what is live."""

    id: str
    state: EditorialState
    revision: int = Field(description="raised by every change; send it back in If-Match")
    version: int = Field(description="the latest version, the one the working copy holds")
    published_version: int | None = Field(default=None, description="the version search answers from, if any")
    scheduled_at: dt.datetime | None = None
    title: str
    category: str
    department: str = Field(description="the owning department's code")
    department_name: str | None = Field(default=None, description="its name in the directory")
    review_by: dt.date
    stale: bool = Field(default=False, description="review_by has passed")
    markdown: str | None = None
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


class MarkdownRequest(BaseModel):
    """POST /api/articles, PUT /api/articles/{id}/draft, POST /api/preview."""

    model_config = ConfigDict(extra="forbid")
    markdown: str = Field(min_length=1, max_length=15_000)
    message: str | None = Field(default=None, max_length=200)


class MessageRequest(BaseModel):
    """POST …/submit, …/approve, …/archive: an optional note for the audit trail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    message: str | None = Field(default=None, max_length=500)
    comment: str | None = Field(default=None, max_length=500)

    @property
    def note(self) -> str | None:
        """The note, sent as either field."""
        return self.comment or self.message


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    comment: str = Field(min_length=2, max_length=500)


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: dt.datetime | None = Field(default=None, description="publish later; without an offset it is Beijing time")

    _china = field_validator("at")(_in_china_time)


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int = Field(ge=1)
    message: str | None = Field(default=None, max_length=200)


class DiffParams(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_version: int = Field(alias="from", ge=1)
    to_version: int = Field(alias="to", ge=1)


class WorklistParams(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    state: EditorialState | None = None
    department: str | None = Field(default=None, min_length=1, max_length=60)
    stale: bool | None = None


class AuditParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    article: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=80)


class MeaningHealth(BaseModel):
    """Whether search matches by meaning as well as by words, and why not."""

    available: bool
    documents_with_vectors: int
    problem: str | None = None


class Health(BaseModel):
    """status is "ok", or "degraded" while search answers from words alone."""

    status: str
    generation: int
    documents: int
    meaning: MeaningHealth
