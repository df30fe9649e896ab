"""Pydantic models at the boundaries: article front matter, stored records, API requests and replies."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    search: bytes | None = Field(default=None, repr=False, description="the encoded search document")


class SearchParams(BaseModel):
    """The query string of GET /api/search."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=10, ge=1, le=50)
    category: str | None = Field(default=None, pattern=SLUG_PATTERN)


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
    department: str


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
    department: str
    phone: str | None
    questions: list[str]
    keywords: list[str]
    effective_from: dt.date
    expires: dt.date | None
    review_by: dt.date
    source: Source | None
    sections: dict[str, str]
    html: str


class Category(BaseModel):
    id: str
    name: str
    articles: int


class ApiKey(BaseModel):
    """An API key as stored: never the key itself, only its hash."""

    key_id: str
    name: str
    role: str
    departments: list[str]
    created_at: dt.datetime
    revoked: bool = False


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
    department: str
    comment: str
    flagged_by: str
    created_at: dt.datetime
    status: str = "open"


class Accepted(BaseModel):
    id: str
    status: str = "accepted"
