"""What readers ask and get: search, suggestions, articles, categories, health (KnowledgeService)."""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.knowledge.models.content import SLUG_PATTERN, Audience, RequestTime, Source
from chalicelib.people.directory import Department


class AsOfParams(BaseModel):
    """`as_of`: answer from the knowledge base as it was published at that moment."""

    model_config = ConfigDict(extra="ignore")
    as_of: RequestTime | None = Field(
        default=None, description="ISO time, 1970-2100; without an offset it is Beijing time"
    )


DISTRICT_DESCRIPTION = (
    "the caller's district: its code, name or alias in the directory (binhai, 滨海新区, 滨海); an unknown one is a "
    "400. Answers then carry that district's unit and wording where the article has them, else the city's"
)
Scope = Literal["district", "city"]


def district_field(description: str = DISTRICT_DESCRIPTION) -> Any:
    """A request's `district`: a code, name or alias, resolved through the directory (`Directory.district_given`)."""
    return Field(default=None, min_length=1, max_length=40, description=description)


class DistrictParams(BaseModel):
    """`district`: answer a caller of that district."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    district: str | None = district_field()


class ArticleParams(AsOfParams, DistrictParams):
    """The query string of GET /api/articles/{id}."""


class CallerDistrict(BaseModel):
    """The district an answer was given for, and where it came from: the `district` parameter, or the query's words."""

    code: str
    name: str
    source: Literal["param", "query"]


class SearchParams(AsOfParams, DistrictParams):
    """The query string of GET /api/search; without `district`, a district the query names (河西区, 滨海) is used
    and its words are left out of what is searched."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=10, ge=1, le=50)
    category: str | None = Field(default=None, pattern=SLUG_PATTERN)
    settled: bool = Field(
        default=False,
        description="true (or 1) once the reader has settled on this query (Enter, a pause): only then is it "
        "logged and counted for 热门问题 and 未解答的问题; as-you-type searches leave it out",
    )


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
    department: str = Field(description="the code of the department to dispatch to (the district's unit, if any)")
    department_name: str
    dispatch_phone: str | None = Field(
        default=None, description="that department's phone from the directory; null: 电话未登记 (never the article's)"
    )
    dispatch_scope: Scope = Field(
        default="city", description="district: the department is the one for the result's district; city: the city's"
    )


class Referral(BaseModel):
    """Who handles a question no article answers: an emergency line, another hotline, or a department to dispatch to."""

    kind: Literal["emergency", "line", "department"] = Field(
        description="emergency: put the line above everything (110, 119, 120, 122, 96110); line: transfer the caller "
        "to another hotline (12367, 95598 ...); department: dispatch a work order (派单) to a directory department"
    )
    topic: str = Field(description="what the question is about, in a few characters (火灾, 出入境证件)")
    name: str = Field(description="who handles it: the line's or the department's name")
    phone: str | None = Field(description="the line, or the department's phone from the directory; null: 电话未登记")
    department: str | None = Field(default=None, description="the directory code, for kind department")
    say: str = Field(description="one sentence the agent can read out and the citizen sees")


SearchState = Literal["answered", "doubtful", "nothing"]


class SearchResult(BaseModel):
    """One rule for every page: answered shows the first hit as the answer; doubtful lists the hits as candidates
    only; nothing lists none. A referral (an emergency first of all) comes before any hit."""

    query: str
    answered: bool = Field(description="the first hit answers the query (state is answered)")
    state: SearchState = Field(
        description="answered: the first hit is the answer; doubtful: the hits are possibly related candidates, "
        "none sure; nothing: no hit worth showing"
    )
    hits: list[SearchHit] = Field(
        description="best first, in the order every page shows them; hits under the candidate floor are left out, "
        "and in an emergency only the articles that answer it remain"
    )
    referral: Referral | None = Field(
        default=None,
        description="where the caller should go: always for an emergency (then shown above everything), otherwise "
        "only when no article answers",
    )
    district: CallerDistrict | None = Field(
        default=None, description="the district the hits are resolved for; null: none was given or named (the city's)"
    )


class ArticleView(BaseModel):
    """An article as a reader sees it: only the sections they may read, rendered to HTML too; for a district, with
    that district's unit and wording where the article has them."""

    id: str
    title: str
    category: str
    audience: Audience
    department: str = Field(description="the code of the department to dispatch to (the district's unit, if any)")
    department_name: str
    dispatch: Department | None = Field(description="that department's directory record (phone, hours)")
    district: CallerDistrict | None = Field(default=None, description="the district it is shown for; null: the city")
    dispatch_scope: Scope = Field(
        default="city", description="district: the department is the one for the view's district; city: the city's"
    )
    wording_scope: Scope = Field(
        default="city", description="district: 标准答复 or 一次性告知 carry the district's own text (replaced or added)"
    )
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
