"""Reports on a day, week or month of settled searches, clicks, votes and flags (ReportDesk)."""

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.clock import EARLIEST, LATEST, REQUEST_DATE_SCHEMA
from chalicelib.knowledge.models.reading import district_field


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"  # the calendar month


class ReportParams(BaseModel):
    """The query string of GET /api/reports."""

    model_config = ConfigDict(extra="ignore")
    period: Period = Period.WEEK
    date: dt.date = Field(
        description="a Beijing-time date inside the period (YYYY-MM-DD), 1970-2100",
        json_schema_extra=REQUEST_DATE_SCHEMA,
    )
    district: str | None = district_field(
        "a district's code, name or alias: what was made for that district alone (its callers' searches, "
        "and clicks, 好差评 and flags on answers shown for it; records without a district count for the city only); "
        "unknown: 400"
    )

    @field_validator("date")
    @classmethod
    def _within_range(cls, value: dt.date) -> dt.date:
        if not EARLIEST.date() <= value <= LATEST.date():
            raise ValueError("the date must lie between 1970-01-01 and 2100-12-31")
        return value


class TopQuestion(BaseModel):
    question: str = Field(
        description="the most frequent variant, as it was most often typed (phone and ID numbers masked)"
    )
    count: int = Field(description="settled searches of every variant")
    variants: int = Field(description="how many differently worded variants were counted together")
    article_id: str | None = Field(description="the article that topped them")
    title: str | None


class Gap(BaseModel):
    question: str = Field(description="as TopQuestion's: grouped by its normalised form, shown as typed")
    count: int = Field(description="searches nothing answered plus 没帮助 votes")
    searches: int
    unhelpful: int
    example: str = Field(description="one question as it was asked (masked)")


class ArticleActivity(BaseModel):
    id: str
    title: str
    department: str = Field(description="the department's code")
    department_name: str | None = Field(default=None, description="its name in the directory")
    views: int = Field(description="times it was opened from search results (clicks)")
    helpful: int
    unhelpful: int
    flags: int
    overdue: bool = Field(description="its review_by date has passed")


class CategoryCount(BaseModel):
    category: str
    name: str
    searches: int
    answered: int


class DayCount(BaseModel):
    date: dt.date
    searches: int
    answered: int


class HourCount(BaseModel):
    hour: int = Field(ge=0, le=23, description="Beijing time")
    searches: int


class Surge(BaseModel):
    date: dt.date
    category: str
    name: str
    district: str | None = Field(
        default=None, description="the district (code) whose callers' searches surged; null: the city's searches"
    )
    district_name: str | None = None
    searches: int
    baseline: float = Field(description="the same weekday's average over the four weeks before")
    ratio: float = Field(description="searches / baseline (a baseline under 1 counts as 1)")
    top_questions: list[str]


class Change(BaseModel):
    searches: float | None = Field(description="relative: 0.25 is +25 %; null when the previous was 0")
    answered_rate: float | None = Field(description="the difference of the two rates (0.05 = 5 points)")
    abstained: float | None
    clicks: float | None


class PreviousPeriod(BaseModel):
    """The period before, over the same span: a period still running is compared with as many days of the
    previous one (Monday with last Monday, the 1st-7th with the 1st-7th), never with all of it."""

    start: dt.date
    end: dt.date
    like_for_like: bool = Field(
        default=False, description="true when the period is still running: only as many of its days count"
    )
    searches: int
    answered_rate: float | None
    abstained: int
    clicks: int
    change: Change


class ReportFigure(BaseModel):
    """One figure of the summary as shown: now, before, the change and whether it is good news."""

    name: str
    value: str
    previous: str
    change: str = Field(description="↑ 25%, ↓ 7%, for a rate ↑ 4.0 个百分点; 持平; —（上期无数据）")
    tone: Literal["good", "bad", ""] = Field(description="the change's colour: fewer unanswered searches is good")


class ReportChart(BaseModel):
    """One chart as SVG, drawn on the server (desk/charts.py) for the console and `kb report` alike."""

    caption: str
    svg: str


class DistrictRef(BaseModel):
    code: str
    name: str


class Report(BaseModel):
    """One period's figures, as the caller's departments see them (and, with a district, its callers' alone)."""

    period: Period
    district: DistrictRef | None = Field(
        default=None, description="the district the report is cut by; null: the whole city"
    )
    start: dt.date = Field(description="the first Beijing-time day, inclusive")
    end: dt.date = Field(description="the last Beijing-time day, inclusive")
    searches: int
    answered: int
    answered_rate: float | None
    abstained: int
    clicks: int
    top_questions: list[TopQuestion]
    gaps: list[Gap]
    articles: list[ArticleActivity]
    by_category: list[CategoryCount]
    by_day: list[DayCount]
    by_hour: list[HourCount]
    surges: list[Surge]
    previous: PreviousPeriod


class DrawnReport(Report):
    """A report with its summary and charts as the console shows them, drawn on the server (desk/charts.py)."""

    title: str = Field(description="知答 周报 2026-11-23 至 2026-11-29")
    compared: str = Field(description="what the changes are measured against, in words")
    figures: list[ReportFigure] = Field(description="the summary as shown")
    charts: list[ReportChart] = Field(description="the charts as shown, in reading order")
