"""What readers and agents say about answers: 好差评, flags and tasks, unanswered questions (FeedbackDesk)."""

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.knowledge.models.content import SLUG_PATTERN
from chalicelib.knowledge.models.reading import district_field


class FeedbackRequest(BaseModel):
    """POST /api/feedback: 好差评 on one article."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    article_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    helpful: bool
    comment: str | None = Field(default=None, max_length=500)
    query: str | None = Field(default=None, max_length=200)
    district: str | None = district_field(
        "the district the article was read for (as GET /api/articles/{id}'s `district`): the vote counts "
        "for it too; none: for the city only; unknown: 400"
    )


# A rating's id names its article, so the comment that follows finds it with one short query.
FEEDBACK_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*\.[0-9a-f]{32}$"


class CommentRequest(BaseModel):
    """POST /api/feedback/{id}/comment: the optional words after a one-tap 好差评."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    comment: str = Field(min_length=1, max_length=500)


class ClickRequest(BaseModel):
    """POST /api/clicks: which hit of a search a reader opened."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    query: str = Field(min_length=1, max_length=200)
    article_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    position: int = Field(ge=1, le=50, description="1 for the first hit shown")
    settles: bool = Field(
        default=False,
        description="true when the page has not yet sent this query with settled=true: the click settles it, "
        "and the query is logged now; false (default) when it was already logged",
    )
    district: str | None = district_field(
        "the district the hits were shown for (the `district` of GET /api/search's reply, or its "
        "parameter): the click counts for it too, and a search the click settles is made for it; none: for the city "
        "only; unknown: 400"
    )


class FlagRequest(BaseModel):
    """POST /api/articles/{id}/flags: an agent says the answer is outdated or wrong."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    comment: str = Field(min_length=2, max_length=1000)
    district: str | None = district_field(
        "the district the article was read for: a task this flag raises counts for it too; none: for the "
        "city only; unknown: 400"
    )


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
    status: str = Field(
        default="open", description="open, or done once an editor has dealt with it or a new version was published"
    )
    closed_by: str | None = Field(default=None, description="who marked it done, or who published the fix")
    closed_at: dt.datetime | None = None
    fixed_version: int | None = Field(default=None, description="the published version that closed it, if one did")
    repeats: int = Field(default=0, description="further flags of the same problem while the task was open")
    district: str | None = Field(
        default=None,
        description="the code of the district the flagged answer was read for (its wording and unit); none: the "
        "city's, or raised before flags carried a district",
    )
    district_name: str | None = None


class MyFlagsParams(BaseModel):
    """The query string of GET /api/flags/mine."""

    model_config = ConfigDict(extra="ignore")
    limit: int = Field(default=10, ge=1, le=50)


class MyFlag(BaseModel):
    """One of the caller's own flags, and what has become of the task it was counted on."""

    task_id: str
    article_id: str
    article_title: str
    comment: str = Field(description="as the caller wrote it (phone and ID numbers masked)")
    flagged_at: dt.datetime
    status: str = Field(description="open, or done (fixed by `fixed_version`, or dealt with by an editor)")
    fixed_version: int | None = Field(default=None, description="the published version that fixed it")
    closed_at: dt.datetime | None = None
    district: str | None = Field(
        default=None, description="the code of the district whose answer the caller flagged; none: the city's"
    )
    district_name: str | None = None


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
    district: str | None = district_field(
        "a district's code, name or alias: the searches and 没帮助 votes made for that district alone "
        "(those made before they carried a district count for the city only); unknown: 400"
    )


class UnansweredQuery(BaseModel):
    query: str = Field(description="the question as it is counted: normalised (width, case, script), masked")
    asked: str = Field(description="as it was typed (phone and ID numbers masked), full-width punctuation and all")
    count: int = Field(description="searches plus 没帮助 votes")
    searches: int = Field(description="settled searches that found no good answer")
    unhelpful: int = Field(description="没帮助 votes sent with this question")


class Accepted(BaseModel):
    id: str
    status: str = "accepted"
