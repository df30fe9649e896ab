"""Reports: Beijing-time periods, grouped questions, gaps, surges, departments, and the summaries behind them."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.clock import CHINA_TIME, china_date
from chalicelib.desk import charts
from chalicelib.desk.feedback import FeedbackDesk
from chalicelib.desk.figures import ArticleFacts
from chalicelib.desk.models.reports import Period, ReportParams
from chalicelib.desk.periods import period_bounds
from chalicelib.desk.questions import group_questions
from chalicelib.desk.reports import ReportDesk
from chalicelib.desk.store.log import Vote
from chalicelib.desk.store.reports import QuestionCount
from chalicelib.desk.summaries import Summariser
from chalicelib.knowledge.models.reading import SearchHit, SearchResult
from chalicelib.people.access import Principal, Role
from chalicelib.people.keys import KeyRing
from chalicelib.wiring import Stores
from tests.conftest import Clock, a_few_articles, knowledge_service, store_copy, synced_table_of
from tools.kb.knowledge import LoadedKnowledge

ADMIN = Principal(Role.ADMIN, "admin", frozenset({"*"}))
HRSS_EDITOR = Principal(Role.EDITOR, "社保编辑", frozenset({"hrss"}))
RADIATOR = "heating-radiator-not-warm"  # heating, heating-company-stations
CARD_LOSS = "si-card-loss-report"  # social-insurance, hrss
# Wednesday 2026-11-25, 12:00 in Beijing
WEDNESDAY = dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)


def at(day: str, hour: int = 10) -> dt.datetime:
    """A Beijing-time hour of a day, as the UTC moment the log keys it by."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), CHINA_TIME).astimezone(dt.UTC)


def searched(
    store: Stores, moment: dt.datetime, query: str, top: str | None, answered: bool = True, district: str | None = None
) -> None:
    """One settled search in the query log, as FeedbackDesk.log_search writes it (older records have no district)."""
    record = {"query": query, "answered": answered, "top": top, "hits": 1 if top else 0, "role": "agent", "client": "c"}
    if district:
        record["district"] = district
    store.records.add(f"QUERYLOG#{china_date(moment).isoformat()}", record, moment, ttl_days=180)


def clicked(store: Stores, moment: dt.datetime, query: str, article_id: str) -> None:
    record = {"query": query, "article_id": article_id, "position": 1, "role": "agent", "client": "c"}
    store.records.add(f"CLICKS#{china_date(moment).isoformat()}", record, moment, ttl_days=180)


def voted(store: Stores, moment: dt.datetime, article_id: str, helpful: bool, query: str) -> None:
    record = {"article_id": article_id, "helpful": helpful, "query": query, "role": "agent", "client": "c"}
    store.records.add(f"FEEDBACK#{article_id}", {**record, "at": moment.isoformat()}, moment)


def flagged(store: Stores, moment: dt.datetime, article_id: str, department: str) -> None:
    record = {"article_id": article_id, "article_title": "t", "department": department, "comment": "过时了"}
    store.records.add("TASKS", {**record, "flagged_by": "坐席", "created_at": moment.isoformat()}, moment)


# Reports read each article's votes, one query per article: these tests need a few articles, not all fifty.
FEW = {RADIATOR, CARD_LOSS, "heating-fee-payment", "heating-radiator-bleed-air", "si-card-apply", "biz-annual-report"}


@pytest.fixture(scope="module")
def few_articles_table(knowledge: LoadedKnowledge) -> bytes:
    return synced_table_of(a_few_articles(knowledge, FEW))


@pytest.fixture
def synced_store(aws: None, few_articles_table: bytes) -> Stores:
    """This module's tables hold a few articles (the `client` fixture reads this one too)."""
    return store_copy(few_articles_table)


@pytest.fixture
def desk(synced_store: Stores, clock: Clock) -> ReportDesk:
    clock.now = WEDNESDAY
    return report_desk(synced_store, clock)


def report_desk(synced_store: Stores, clock: Clock, **options: Any) -> ReportDesk:
    knowledge = knowledge_service(synced_store)

    def facts() -> list[ArticleFacts]:
        heads = synced_store.articles.heads()
        return [ArticleFacts(h.id, h.title, h.category, h.department, h.review_by) for h in heads]

    return ReportDesk(synced_store.reports, synced_store.desk_log, knowledge, facts, now=clock, **options)


def summariser(desk: ReportDesk, store: Stores, clock: Clock) -> Summariser:
    """The maintenance job's summaries, reading what the desk reads, at the desk's time."""
    return Summariser(store.reports, desk.reader, now=clock)


def report(
    desk: ReportDesk, period: str, day: str, principal: Principal = ADMIN, district: str | None = None
) -> dict[str, Any]:
    params = ReportParams(period=Period(period), date=dt.date.fromisoformat(day), district=district)
    return desk.report(params, principal).model_dump(mode="json")


def test_weeks_run_monday_to_sunday_and_months_are_calendar_months():
    assert period_bounds(Period.WEEK, dt.date(2026, 11, 25)) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert period_bounds(Period.WEEK, dt.date(2026, 11, 29)) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert period_bounds(Period.MONTH, dt.date(2026, 2, 14)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_bounds(Period.MONTH, dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert period_bounds(Period.DAY, dt.date(2026, 11, 25)) == (dt.date(2026, 11, 25), dt.date(2026, 11, 25))


def test_a_search_at_1730_utc_belongs_to_the_next_beijing_day(synced_store: Stores, desk: ReportDesk):
    clock = Clock(dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC))
    feedback = FeedbackDesk(synced_store.desk_log, knowledge_service(synced_store), now=clock)
    hit = SearchHit.model_validate(
        {"id": RADIATOR, "title": "暖气不热怎么办", "category": "heating", "department": "heating-company-stations"}
        | {"department_name": "供热站", "score": 1.0, "snippet": ""}
    )
    feedback.log_search(
        "暖气不热", SearchResult(query="暖气不热", answered=True, state="answered", hits=[hit]), ADMIN, "c"
    )

    assert report(desk, "day", "2026-11-23")["searches"] == 0
    tuesday = report(desk, "day", "2026-11-24")
    assert tuesday["searches"] == 1 and tuesday["answered"] == 1
    assert [h["searches"] for h in tuesday["by_hour"]][:3] == [0, 1, 0]  # 01:30 Beijing time
    assert len(tuesday["by_hour"]) == 24


def test_variants_of_one_question_count_together_under_the_most_asked_wording(synced_store: Stores, desk: ReportDesk):
    for query, top, times in [
        ("暖气不热怎么办", RADIATOR, 3),
        ("暖气不热怎么办啊", RADIATOR, 2),
        ("暖气不热怎么办", RADIATOR, 0),
        ("暖气片不热怎么办", RADIATOR, 1),
        ("社保卡丢了怎么补办", CARD_LOSS, 2),
        ("暖气不热怎么回事呢", CARD_LOSS, 1),  # close wording, another article: another question
    ]:
        for _ in range(times):
            searched(synced_store, at("2026-11-24"), query, top)

    top = report(desk, "week", "2026-11-24")["top_questions"]
    assert top[0] == {
        "question": "暖气不热怎么办",
        "count": 6,
        "variants": 3,
        "article_id": RADIATOR,
        "title": "暖气不热怎么办",
    }
    assert top[1]["question"] == "社保卡丢了怎么补办" and top[1]["count"] == 2
    assert sum(q["count"] for q in top) == 9


def test_gaps_hold_unanswered_searches_and_unhelpful_votes_with_an_example(synced_store: Stores, desk: ReportDesk):
    for _ in range(3):
        searched(synced_store, at("2026-11-24"), "电动车 充电桩 怎么装", None, answered=False)
    searched(synced_store, at("2026-11-24"), "电动车充电桩怎么装", None, answered=False)
    voted(synced_store, at("2026-11-24"), CARD_LOSS, False, "社保卡丢了去哪补")

    gaps = report(desk, "week", "2026-11-24")["gaps"]
    assert gaps[0]["count"] == 4 and gaps[0]["searches"] == 4 and gaps[0]["example"] == "电动车 充电桩 怎么装"
    assert {"question": "社保卡丢了去哪补", "count": 1, "searches": 0, "unhelpful": 1} == {
        k: v for k, v in gaps[1].items() if k != "example"
    }


def test_a_question_is_grouped_by_its_normalised_form_and_shown_as_it_was_typed(synced_store: Stores, desk: ReportDesk):
    hour = iter(range(9, 20))  # one after another: the day's first wording is the one typed first
    for query, top, times in [
        ("暖气不热，怎么办？", RADIATOR, 2),
        ("暖气不热,怎么办?", RADIATOR, 1),
        ("充电桩，怎么装", None, 1),
    ]:
        for _ in range(times):
            searched(synced_store, at("2026-11-24", next(hour)), query, top, answered=top is not None)
    week = report(desk, "week", "2026-11-24")
    assert [(q["question"], q["count"]) for q in week["top_questions"]][0] == ("暖气不热，怎么办？", 3)  # one question
    assert [(g["question"], g["example"]) for g in week["gaps"]] == [("充电桩，怎么装", "充电桩，怎么装")]


def test_the_previous_period_and_the_change_against_it(synced_store: Stores, desk: ReportDesk, clock: Clock):
    clock.now = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)  # the Monday after: the week is closed
    for day, answered in [("2026-11-23", True)] * 4 + [("2026-11-24", False)]:
        searched(synced_store, at(day), "暖气不热", RADIATOR, answered)
    for day, answered in [("2026-11-16", True), ("2026-11-22", True), ("2026-11-20", False), ("2026-11-20", False)]:
        searched(synced_store, at(day), "暖气不热", RADIATOR, answered)
    clicked(synced_store, at("2026-11-23"), "暖气不热", RADIATOR)

    week = report(desk, "week", "2026-11-25")
    assert (week["start"], week["end"]) == ("2026-11-23", "2026-11-29")
    assert (week["searches"], week["answered"], week["abstained"], week["clicks"]) == (5, 4, 1, 1)
    assert week["answered_rate"] == 0.8
    assert week["previous"] == {
        "start": "2026-11-16",
        "end": "2026-11-22",
        "like_for_like": False,
        "searches": 4,
        "answered_rate": 0.5,
        "abstained": 2,
        "clicks": 0,
        "change": {"searches": 0.25, "answered_rate": 0.3, "abstained": -0.5, "clicks": None},
    }
    assert [d["searches"] for d in week["by_day"]] == [4, 1, 0, 0, 0, 0, 0]


def test_a_period_still_running_is_compared_with_as_many_days_of_the_previous_one(
    synced_store: Stores, desk: ReportDesk
):
    for day in ["2026-11-16", "2026-11-18", "2026-11-20", "2026-11-20", "2026-11-22", "2026-11-23", "2026-11-25"]:
        searched(synced_store, at(day), "暖气不热", RADIATOR)

    week = report(desk, "week", "2026-11-25")  # on Wednesday: Monday to Wednesday against Monday to Wednesday
    previous = week["previous"]
    assert (previous["start"], previous["end"], previous["like_for_like"]) == ("2026-11-16", "2026-11-18", True)
    assert (week["searches"], previous["searches"], previous["change"]["searches"]) == (2, 2, 0.0)
    assert desk.drawn(ReportParams(period=Period.WEEK, date=dt.date(2026, 11, 25)), ADMIN).compared == (
        "本期尚未结束，与上期同期（2026-11-16 至 2026-11-18）相比"
    )

    month = report(desk, "month", "2026-11-25")["previous"]  # the 1st to the 25th of October
    assert (month["start"], month["end"], month["like_for_like"]) == ("2026-10-01", "2026-10-25", True)
    closed = report(desk, "week", "2026-11-18")["previous"]
    assert (closed["start"], closed["end"], closed["like_for_like"]) == ("2026-11-09", "2026-11-15", False)


def test_an_empty_period_has_no_rates(desk: ReportDesk):
    empty = report(desk, "month", "1999-05-05")
    assert empty["searches"] == 0 and empty["answered_rate"] is None and empty["previous"]["change"]["searches"] is None
    assert len(empty["by_day"]) == 31


def surge_traffic(store: Stores, today_count: int, on: str = "2026-11-24") -> None:
    """Four searches on each of the four Tuesdays before, then `today_count` on one Tuesday."""
    for week in range(1, 5):
        day = (dt.date.fromisoformat(on) - dt.timedelta(weeks=week)).isoformat()
        for hour in range(4):
            searched(store, at(day, 9 + hour), "暖气不热", RADIATOR)
    for n in range(today_count):
        searched(store, at(on, 8 + n % 10), "暖气不热怎么办" if n % 3 else "暖气片不热", RADIATOR)


def test_a_category_above_three_times_its_same_weekday_average_is_a_surge(synced_store: Stores, desk: ReportDesk):
    surge_traffic(synced_store, 25)
    for _ in range(19):  # 19 against nothing at all: too few to be a surge
        searched(synced_store, at("2026-11-24"), "社保卡丢了", CARD_LOSS)

    surges = report(desk, "week", "2026-11-24")["surges"]
    assert surges == [
        {
            "date": "2026-11-24",
            "category": "heating",
            "name": "供暖",
            "district": None,  # the city's searches
            "district_name": None,
            "searches": 25,
            "baseline": 4.0,
            "ratio": 6.25,
            "top_questions": ["暖气不热怎么办", "暖气片不热"],  # too far apart to be one question
        }
    ]


def test_twelve_searches_against_an_average_of_four_is_no_surge(synced_store: Stores, desk: ReportDesk):
    surge_traffic(synced_store, 12)
    assert report(desk, "day", "2026-11-24")["surges"] == []


def test_no_surge_before_the_log_has_four_weeks_to_compare_with(synced_store: Stores, desk: ReportDesk):
    for _ in range(40):
        searched(synced_store, at("2026-11-24"), "暖气不热", RADIATOR)
    assert report(desk, "day", "2026-11-24")["surges"] == []


def test_todays_surge_is_worked_out_live(synced_store: Stores, desk: ReportDesk):
    surge_traffic(synced_store, 30, on="2026-11-25")
    assert [s["date"] for s in report(desk, "day", "2026-11-25")["surges"]] == ["2026-11-25"]


def test_the_maintenance_job_records_a_surge_once_with_its_day(synced_store: Stores, desk: ReportDesk, clock: Clock):
    surge_traffic(synced_store, 25)
    summariser(desk, synced_store, clock).summarise_closed_days(limit=40)
    stored = synced_store.reports.day(dt.date(2026, 11, 24))
    assert stored is not None and [s.category for s in stored.surges] == ["heating"]
    assert all(not synced_store.reports.day(dt.date(2026, 11, 24) - dt.timedelta(weeks=k)).surges for k in (1, 2))


def test_editors_see_their_departments_and_every_gap(synced_store: Stores, desk: ReportDesk):
    searched(synced_store, at("2026-11-24"), "社保卡丢了", CARD_LOSS)
    searched(synced_store, at("2026-11-24"), "暖气不热", RADIATOR)
    searched(synced_store, at("2026-11-24"), "暖气不热", RADIATOR, answered=False)
    searched(synced_store, at("2026-11-24"), "小区停车位租赁", None, answered=False)
    clicked(synced_store, at("2026-11-24"), "暖气不热", RADIATOR)
    voted(synced_store, at("2026-11-24"), RADIATOR, False, "暖气还是不热")

    mine = report(desk, "week", "2026-11-24", HRSS_EDITOR)
    assert (mine["searches"], mine["answered"], mine["clicks"]) == (2, 1, 0)  # their article's, and the one no article
    assert {q["article_id"] for q in mine["top_questions"]} == {CARD_LOSS, None}
    gaps = {g["question"]: (g["searches"], g["unhelpful"]) for g in mine["gaps"]}
    assert gaps == {"暖气不热": (1, 1), "小区停车位租赁": (1, 0)}  # other departments' too; the vote's wording is close
    assert {a["department"] for a in mine["articles"]} == {"hrss"}
    assert [c["category"] for c in mine["by_category"]] == ["social-insurance"]

    everything = report(desk, "week", "2026-11-24", ADMIN)
    assert everything["searches"] == 4 and everything["clicks"] == 1
    radiator = next(a for a in everything["articles"] if a["id"] == RADIATOR)
    assert (radiator["views"], radiator["helpful"], radiator["unhelpful"]) == (1, 0, 1)
    assert radiator["overdue"] is True  # review_by 2026-09-30


def test_precomputed_days_give_the_report_the_raw_log_gives(synced_store: Stores, desk: ReportDesk, clock: Clock):
    for n, day in enumerate(["2026-11-16", "2026-11-18", "2026-11-23", "2026-11-24", "2026-11-25"]):
        for hour in (0, 8, 13, 23):
            searched(synced_store, at(day, hour), "社保卡丢了怎么办", CARD_LOSS, answered=hour != 23)
            searched(synced_store, at(day, hour), f"第{n}个没有答案的问题", None, answered=False)
        clicked(synced_store, at(day, 9), "暖气不热", RADIATOR)
        voted(synced_store, at(day, 9), CARD_LOSS, n % 2 == 0, "社保卡丢了")
        flagged(synced_store, at(day, 11), RADIATOR, "heating-company-stations")
    surge_traffic(synced_store, 22)
    raw = {p: report(desk, p, "2026-11-25") for p in ("day", "week", "month")}
    raw_editor = report(desk, "week", "2026-11-25", HRSS_EDITOR)

    summarised: list[dt.date] = []
    while ran := summariser(desk, synced_store, clock).summarise_closed_days():
        assert len(ran) <= 3  # a few days per run
        summarised += ran
    assert summarised[-1] == dt.date(2026, 11, 24)  # every closed day, never today
    assert synced_store.reports.cursor().day == dt.date(2026, 11, 24)
    assert {p: report(desk, p, "2026-11-25") for p in ("day", "week", "month")} == raw
    assert report(desk, "week", "2026-11-25", HRSS_EDITOR) == raw_editor
    assert raw["week"]["searches"] == 3 * 8 + 22 and raw["week"]["surges"][0]["category"] == "heating"
    assert json.dumps(raw["month"], ensure_ascii=False)  # plain JSON all through


def test_the_job_starts_a_few_weeks_back_and_catches_up_a_few_days_a_run(
    synced_store: Stores, desk: ReportDesk, clock: Clock
):
    first = summariser(desk, synced_store, clock).summarise_closed_days()
    assert first == [dt.date(2026, 10, 21), dt.date(2026, 10, 22), dt.date(2026, 10, 23)]  # 35 days back
    assert summariser(desk, synced_store, clock).summarise_closed_days()[0] == dt.date(2026, 10, 24)


@pytest.fixture
def headers(synced_store: Stores) -> dict[str, dict[str, str]]:
    ring = KeyRing(synced_store.keys, synced_store.directory.departments)
    now = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    made = {role: ring.create(role, f"报表{role}", [department], now)[1] for role, department in ROLES}
    return {role: {"Authorization": f"Bearer {key}"} for role, key in made.items()}


ROLES = [("agent", "hotline-12345"), ("editor", "hrss"), ("admin", "*")]


def test_editors_and_admins_get_reports_and_agents_do_not(client, headers: dict[str, dict[str, str]]):
    reply = client.http.get("/api/reports?period=month&date=2026-11-05", headers=headers["editor"])
    assert reply.status_code == 200
    body = reply.json_body
    assert (body["period"], body["start"], body["end"]) == ("month", "2026-11-01", "2026-11-30")
    assert set(body) == {
        *("period", "district", "start", "end", "searches", "answered", "answered_rate", "abstained", "clicks"),
        *("top_questions", "gaps", "articles", "by_category", "by_day", "by_hour", "surges", "previous"),
    }
    assert client.http.get("/api/reports?period=day&date=2026-11-05", headers=headers["admin"]).status_code == 200
    assert client.http.get("/api/reports?period=day&date=2026-11-05", headers=headers["agent"]).status_code == 403
    assert client.http.get("/api/reports?period=day&date=2026-11-05").status_code == 401


def test_the_console_gets_the_report_with_the_summary_and_charts_kb_report_draws(client, headers):
    query = "period=month&date=2026-11-05"
    report = client.http.get(f"/api/reports?{query}", headers=headers["editor"]).json_body
    drawn = client.http.get(f"/api/reports/drawn?{query}", headers=headers["editor"]).json_body
    assert {key: drawn[key] for key in report} == report
    assert [(chart["caption"], chart["svg"]) for chart in drawn["charts"]] == charts.charts(report)
    assert [figure["name"] for figure in drawn["figures"]] == ["搜索次数", "解答率", "转 12345（未答）", "点开答案"]
    assert client.http.get(f"/api/reports/drawn?{query}", headers=headers["agent"]).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=year&date=2026-11-05", "period"),
        ("period=week&date=2026-13-01", "date"),
        ("period=week&date=1969-12-31", "date"),
        ("period=week&date=2101-01-01", "date"),
        ("period=week", "date"),
    ],
)
def test_a_bad_period_or_date_is_a_400_naming_the_field(client, headers, query: str, field: str):
    reply = client.http.get(f"/api/reports?{query}", headers=headers["editor"])
    assert reply.status_code == 400
    assert reply.json_body["error"]["field"] == field


def test_kb_report_writes_a_sheet_per_section(synced_store: Stores, desk: ReportDesk, tmp_path: Path):
    from openpyxl import load_workbook

    from tools.kb.report import SHEETS, make_report, write_xlsx

    surge_traffic(synced_store, 25)
    made = make_report(desk, "week", dt.date(2026, 11, 24))
    write_xlsx(made, tmp_path / "week.xlsx")
    book = load_workbook(tmp_path / "week.xlsx")
    assert book.sheetnames == ["概览", *(title for title, _ in SHEETS.values())]
    assert (book["概览"]["B4"].value, book["概览"]["C4"].value) == (made["searches"], 4) == (25, 4)
    assert book["激增"]["B2"].value == "heating" and book["每小时"].max_row == 25


def test_kb_report_html_is_the_printable_page(desk: ReportDesk, tmp_path: Path):
    from tools.kb.report import make_report, write_html

    write_html(make_report(desk, "month", dt.date(2026, 11, 24)), tmp_path / "month.html")
    page = (tmp_path / "month.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "<svg" in page


def test_a_question_never_answered_never_shows_an_answer():
    never = QuestionCount(
        "楼上装修噪音太大找谁", "heating-illegal-modification", searches=12, unanswered=12, example="楼上装修"
    )
    answered = QuestionCount("暖气不热", "heating-radiator-not-warm", searches=9, unanswered=2, example="暖气不热")
    groups = {g.question: g for g in group_questions([never, answered], gaps=False)}
    assert groups["楼上装修噪音太大找谁"].top is None and groups["楼上装修噪音太大找谁"].weight == 12
    assert groups["暖气不热"].top == "heating-radiator-not-warm"


def test_the_articles_table_names_each_department(synced_store: Stores, desk: ReportDesk):
    searched(synced_store, at("2026-11-24"), "社保卡丢了怎么办", CARD_LOSS)
    names = {d.code: d.name for d in synced_store.directory.departments()}
    articles = report(desk, "week", "2026-11-24")["articles"]
    assert articles and all(a["department_name"] == names[a["department"]] for a in articles)
    assert all(a["department_name"] != a["department"] for a in articles)  # a name, not the code again


def test_a_report_asked_again_soon_is_the_containers_copy_for_callers_who_see_the_same(
    synced_store: Stores, clock: Clock
):
    clock.now = WEDNESDAY
    seconds = Clock(0.0)
    desk = report_desk(synced_store, clock, keep_seconds=30.0, monotonic=seconds)
    searched(synced_store, at("2026-11-24"), "社保卡丢了怎么办", CARD_LOSS)
    assert report(desk, "week", "2026-11-24")["searches"] == 1
    searched(synced_store, at("2026-11-24"), "社保卡丢了怎么办", CARD_LOSS)
    seconds.now = 29.0
    assert report(desk, "week", "2026-11-25")["searches"] == 1  # the same week, read 29 s ago
    assert report(desk, "week", "2026-11-25", HRSS_EDITOR)["searches"] == 2  # another scope: worked out
    seconds.now = 31.0
    assert report(desk, "week", "2026-11-24")["searches"] == 2


def partitions_queried(store: Stores) -> list[str]:
    """The partition of every Query the store's client makes from now on."""
    queried: list[str] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        values = json.loads(params["body"]).get("ExpressionAttributeValues", {})
        queried.extend(v["S"] for v in values.values() if "S" in v and "#" in v["S"])

    store.table.meta.client.meta.events.register("before-call.dynamodb.Query", note)
    return queried


def test_votes_kept_by_day_are_read_with_one_query_whatever_the_number_of_articles(
    synced_store: Stores, desk: ReportDesk
):
    synced_store.records.mark_once("votes-by-day", "2026-11-01")  # this table keeps every vote by day
    for article_id, helpful in [(CARD_LOSS, False), (RADIATOR, True), (RADIATOR, False)]:
        vote = Vote(article_id, helpful, "社保卡丢了去哪补", None, "agent", "c", at("2026-11-24"))
        synced_store.desk_log.add_vote(vote, ttl_days=180)
    queried = partitions_queried(synced_store)
    day = report(desk, "day", "2026-11-24")
    radiator = next(a for a in day["articles"] if a["id"] == RADIATOR)
    assert (radiator["helpful"], radiator["unhelpful"]) == (1, 1)
    assert "VOTES#2026-11-24" in queried and not [p for p in queried if p.startswith("FEEDBACK#")], queried


def test_the_first_vote_a_table_keeps_by_day_counts_from_the_next_day_and_todays_report_misses_none(
    synced_store: Stores, desk: ReportDesk
):
    voted(synced_store, at("2026-11-25", 8), RADIATOR, True, "暖气不热")  # before this release: under its article
    vote = Vote(RADIATOR, False, "暖气不热", None, "agent", "c", at("2026-11-25", 9))
    synced_store.desk_log.add_vote(vote, ttl_days=180)
    assert synced_store.desk_log.votes_by_day_since() == dt.date(2026, 11, 26)
    radiator = next(a for a in report(desk, "day", "2026-11-25")["articles"] if a["id"] == RADIATOR)
    assert (radiator["helpful"], radiator["unhelpful"]) == (1, 1)


# By district (issue 27): a search logged with its caller's district counts for the city and for that district.


def test_a_districts_report_counts_its_callers_searches_and_older_records_count_for_the_city_only(
    synced_store: Stores, desk: ReportDesk
):
    searched(synced_store, at("2026-11-17"), "暖气不热", RADIATOR, district="hexi")  # the week before
    searched(synced_store, at("2026-11-24"), "暖气不热", RADIATOR, district="hexi")
    searched(synced_store, at("2026-11-24"), "暖气还是不热", RADIATOR, answered=False, district="hexi")
    searched(synced_store, at("2026-11-24"), "小区停车位租赁", None, answered=False, district="hexi")
    searched(synced_store, at("2026-11-24"), "社保卡丢了", CARD_LOSS, district="nankai")
    searched(synced_store, at("2026-11-24"), "暖气不热", RADIATOR)  # logged before districts were

    hexi = report(desk, "week", "2026-11-24", district="河西")  # a name or alias, as the search takes it
    assert hexi["district"] == {"code": "hexi", "name": "河西区"}
    assert (hexi["searches"], hexi["answered"], hexi["previous"]["searches"]) == (3, 1, 1)
    assert {g["question"] for g in hexi["gaps"]} == {"暖气还是不热", "小区停车位租赁"}
    assert [(c["category"], c["searches"]) for c in hexi["by_category"]] == [("heating", 2)]
    assert [d["searches"] for d in hexi["by_day"]][1] == 3

    city = report(desk, "week", "2026-11-24")
    assert city["district"] is None and (city["searches"], city["previous"]["searches"]) == (5, 1)
    assert report(desk, "week", "2026-11-24", district="binhai")["searches"] == 0
    assert "河西区" in charts.title(hexi) and "河西区" not in charts.title(city)


def test_an_unknown_district_is_a_400_naming_the_field(client, headers):
    reply = client.http.get("/api/reports?period=week&date=2026-11-24&district=atlantis", headers=headers["editor"])
    assert reply.status_code == 400 and reply.json_body["error"]["field"] == "district"
    ok = client.http.get("/api/reports?period=week&date=2026-11-24&district=hexi", headers=headers["editor"])
    assert ok.status_code == 200 and ok.json_body["district"]["name"] == "河西区"


def district_outage(store: Stores, on: str = "2026-11-24") -> None:
    """The city's heating searches as usual (20 on each Tuesday, none with a district), and one or two from 河西区 a
    Tuesday; then, on one Tuesday, 河西区's callers search 21 times: the city's total moves from 21 to 41 alone."""
    for week in range(0, 5):
        day = (dt.date.fromisoformat(on) - dt.timedelta(weeks=week)).isoformat()
        for n in range(20):
            searched(store, at(day, 8 + n % 10), "暖气不热", RADIATOR)
        for n in range(21 if week == 0 else 1):
            searched(
                store, at(day, 8 + n % 10), "暖气不热怎么办" if n % 3 else "家里暖气片冰凉", RADIATOR, district="hexi"
            )


def test_a_districts_heating_outage_is_a_surge_before_the_citys_total_moves(
    synced_store: Stores, desk: ReportDesk, clock: Clock
):
    district_outage(synced_store)
    city = report(desk, "day", "2026-11-24")
    assert [(s["district"], s["district_name"], s["category"], s["searches"]) for s in city["surges"]] == [
        ("hexi", "河西区", "heating", 21)  # the city's 41 against 21 is no surge; 河西区's 21 against 1 is
    ]
    assert report(desk, "day", "2026-11-24", district="hexi")["surges"] == city["surges"]
    assert report(desk, "day", "2026-11-24", district="nankai")["surges"] == []

    summariser(desk, synced_store, clock).summarise_closed_days(limit=40)  # the same from the stored summaries
    stored = synced_store.reports.day(dt.date(2026, 11, 24))
    assert stored is not None and [(s.district, s.category) for s in stored.surges] == [("hexi", "heating")]
    fresh = report_desk(synced_store, clock)
    assert report(fresh, "week", "2026-11-24")["surges"] == city["surges"]
    assert report(fresh, "week", "2026-11-24", district="hexi")["searches"] == 21


def test_summaries_written_before_districts_read_as_the_citys(synced_store: Stores, desk: ReportDesk):
    """A day summarised by a release without districts: its surge is the city's, and no district has figures."""
    old_surge = {"date": "2026-11-24", "category": "heating", "name": "供暖", "searches": 25, "baseline": 4.0,
                 "ratio": 6.25, "top_questions": ["暖气不热"]}  # fmt: skip
    figures = {"searches": 25, "answered": 25, "clicks": 0, "hours": [0] * 24, "categories": {"heating": [25, 25]},
               "questions": [["暖气不热", RADIATOR, 25, 0, 0, "暖气不热"]], "articles": {}}  # fmt: skip
    pk = "REPORT#2026-11-24"
    for sk, data in (("DEPT#heating-company-stations", figures), ("SURGE#heating", old_surge)):
        synced_store.table.put_item(Item={"pk": pk, "sk": sk, "data": json.dumps(data, ensure_ascii=False)})
    synced_store.table.put_item(Item={"pk": pk, "sk": "DONE"})
    desk_before = report(desk, "day", "2026-11-24")
    assert (desk_before["searches"], [s["district"] for s in desk_before["surges"]]) == (25, [None])
    hexi = report(desk, "day", "2026-11-24", district="hexi")
    assert (hexi["searches"], hexi["surges"]) == (0, [])
