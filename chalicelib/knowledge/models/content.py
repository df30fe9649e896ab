"""An article as content: its front matter, the parsed article, and what the store keeps of it."""

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from chalicelib.clock import REQUEST_TIME_SCHEMA, request_time

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A time in a request: Beijing time without an offset, between 1970 and 2100 (so no conversion can overflow).
RequestTime = Annotated[
    dt.datetime,
    AfterValidator(request_time),
    WithJsonSchema({"type": "string", "format": "date-time", **REQUEST_TIME_SCHEMA}),
]


class Audience(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Source(BaseModel):
    """The policy document an article rests on."""

    model_config = ConfigDict(extra="forbid")
    issuer: str = Field(min_length=2, description="发文单位")
    number: str | None = Field(default=None, description="文号")


class FrontMatter(BaseModel):
    """The YAML header of an article file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Each field's description is the label an editor reads for it (lint, the form); the form takes the
    # fields, their order and kinds from this model (front_matter_fields), never from a copy.
    id: str = Field(pattern=SLUG_PATTERN, max_length=80, description="编号")
    title: str = Field(min_length=4, max_length=40, description="标题")
    category: str = Field(pattern=SLUG_PATTERN, description="分类")
    audience: Audience = Field(description="适用对象")
    department: str = Field(min_length=2, max_length=60, description="承办单位")
    # A district whose work goes elsewhere than the directory says (district code -> department code); checked
    # against the directory by lint, so its messages can name what is known.
    districts: dict[Annotated[str, Field(min_length=1, max_length=40)], Annotated[str, Field(max_length=60)]] = Field(
        default_factory=dict, description="分区承办单位"
    )
    phone: str | None = Field(default=None, pattern=r"^[0-9][0-9-]{2,19}$", description="咨询电话")
    questions: list[str] = Field(default_factory=list, max_length=12, description="常见问法")
    keywords: list[str] = Field(default_factory=list, max_length=20, description="关键词")
    effective_from: dt.date = Field(description="生效日期")
    expires: dt.date | None = Field(default=None, description="失效日期")
    review_by: dt.date = Field(description="复审日期")
    source: Source | None = Field(default=None, description="政策依据来源")

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


class Variant(BaseModel):
    """A district's own wording of 标准答复 or 一次性告知 (`### 滨海新区`): it replaces the section, or, headed
    `### 滨海新区（补充）`, follows it."""

    section: str
    district: str = Field(description="the district as the heading names it")
    adds: bool = Field(description="（补充）: comes after the city-level text; otherwise replaces it")
    text: str
    line: int = Field(description="the heading's line in the file")


class Article(FrontMatter):
    """A parsed article: front matter, its body sections (Markdown) and the source text.

    `sections` hold the city-level text; the districts' subsections are `variants`."""

    # The source text is kept byte for byte (export writes it back); front-matter fields arrive stripped.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    sections: dict[str, str]
    variants: list[Variant] = Field(default_factory=list)
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
