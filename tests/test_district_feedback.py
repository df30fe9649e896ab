"""Clicks, 好差评 and flags carry the district the answer was shown for, and count in that district's report (live,
from the day and hour summaries, and in its gaps) as well as the city's; records from before count for the city only.
"""

import datetime as dt
from typing import Any

from boto3.dynamodb.conditions import Key
from chalice.test import Client

from chalicelib.clock import china_date
from chalicelib.desk.feedback import FeedbackDesk
from chalicelib.desk.models.feedback import ClickRequest, FeedbackRequest, FlagRequest
from chalicelib.desk.reports import ReportDesk
from chalicelib.paging import PageParams
from chalicelib.people.access import Principal, Role
from chalicelib.wiring import Stores
from tests.conftest import Clock, knowledge_service
from tests.test_app import keys, post
from tests.test_reports import (
    CARD_LOSS,
    RADIATOR,
    at,
    clicked,
    desk,
    few_articles_table,
    report,
    report_desk,
    summariser,
    synced_store,
)

__all__ = ["desk", "few_articles_table", "keys", "synced_store"]  # fixtures, shared with test_reports.py

TUESDAY = "2026-11-24"  # in the week of Wednesday 2026-11-25, the report desk's today
AGENT = Principal(Role.AGENT, "孙坐席", frozenset({"hotline-12345"}), principal_id="p_sun")
OTHER_AGENT = Principal(Role.AGENT, "钱坐席", frozenset({"hotline-12345"}), principal_id="p_qian")
EDITOR = Principal(Role.EDITOR, "编辑", frozenset({"heating-company"}))


def feedback_desk(store: Stores, moment: dt.datetime) -> FeedbackDesk:
    return FeedbackDesk(store.desk_log, knowledge_service(store), now=Clock(moment))


def click(desk: FeedbackDesk, article_id: str, district: str | None, settles: bool = False) -> None:
    request = ClickRequest(query="暖气不热", article_id=article_id, position=1, settles=settles, district=district)
    desk.click(request, AGENT, "c1")


def vote(desk: FeedbackDesk, helpful: bool, query: str, district: str | None) -> None:
    request = FeedbackRequest(article_id=RADIATOR, helpful=helpful, query=query, district=district)
    desk.feedback(request, Principal(Role.ANONYMOUS), "c2")


def old_records(store: Stores, moment: dt.datetime) -> None:
    """A click, a vote (kept by day) and a task as a release before districts wrote them: no `district` at all."""
    clicked(store, moment, "暖气不热", RADIATOR)
    record = {"article_id": RADIATOR, "helpful": False, "query": "暖气不热", "role": "anonymous", "client": "c"}
    store.records.add(f"VOTES#{china_date(moment).isoformat()}", {**record, "at": moment.isoformat()}, moment)
    task = {"article_id": RADIATOR, "article_title": "t", "department": "heating-company-stations", "comment": "旧的"}
    store.records.add("TASKS", {**task, "flagged_by": "坐席", "created_at": moment.isoformat()}, moment)


def made_for_districts(store: Stores, moment: dt.datetime) -> None:
    """河西区: two clicks (one settling its search), a 有帮助, a 没帮助 and a flag; 南开区: a click on another article,
    a 没帮助, a flag of its own and a repeat of 河西区's (counted on that task); one click for no district."""
    desk = feedback_desk(store, moment)
    click(desk, RADIATOR, "河西", settles=True)  # a name or alias, kept as the district's code
    click(desk, RADIATOR, "hexi")
    click(desk, CARD_LOSS, "nankai")
    click(desk, RADIATOR, None)
    vote(desk, True, "暖气不热", "hexi")
    vote(desk, False, "暖气片冰凉", "hexi")
    vote(desk, False, "家里温度只有十五度", "南开区")
    desk.flag(RADIATOR, FlagRequest(comment="报修电话错了", district="hexi"), AGENT)
    desk.flag(RADIATOR, FlagRequest(comment="报修电话错了！", district="nankai"), OTHER_AGENT)  # a repeat
    desk.flag(RADIATOR, FlagRequest(comment="热价调整了", district="nankai"), OTHER_AGENT)


def figures(week: dict[str, Any]) -> dict[str, Any]:
    """What a report says of clicks, votes and flags: 点开答案, the articles' counts, the gaps' 没帮助."""
    articles = {a["id"]: (a["views"], a["helpful"], a["unhelpful"], a["flags"]) for a in week["articles"]}
    return {
        "clicks": week["clicks"],
        "searches": week["searches"],
        RADIATOR: articles[RADIATOR],
        CARD_LOSS: articles[CARD_LOSS],
        "unhelpful": sorted((g["question"], g["unhelpful"]) for g in week["gaps"] if g["unhelpful"]),
    }


CITY = {
    "clicks": 5,  # four made for districts or none, one from before
    "searches": 1,
    RADIATOR: (4, 1, 3, 3),  # views, helpful, unhelpful, flags (tasks raised: 河西区's, 南开区's, an old one)
    CARD_LOSS: (1, 0, 0, 0),
    "unhelpful": [("家里温度只有十五度", 1), ("暖气不热", 1), ("暖气片冰凉", 1)],
}
HEXI = {
    "clicks": 2,
    "searches": 1,  # the search its click settled, made for it
    RADIATOR: (2, 1, 1, 1),
    CARD_LOSS: (0, 0, 0, 0),
    "unhelpful": [("暖气片冰凉", 1)],
}
NANKAI = {
    "clicks": 1,
    "searches": 0,
    RADIATOR: (0, 0, 1, 1),  # its own flag's task; its repeat of 河西区's counts on that one
    CARD_LOSS: (1, 0, 0, 0),
    "unhelpful": [("家里温度只有十五度", 1)],
}
NOTHING = {"clicks": 0, "searches": 0, RADIATOR: (0, 0, 0, 0), CARD_LOSS: (0, 0, 0, 0), "unhelpful": []}


def forget_raw_records(store: Stores, *partitions: str) -> None:
    """The raw records gone (as after their TTL): what a report shows then comes from the summaries alone."""
    for pk in partitions:
        for item in store.table.query(KeyConditionExpression=Key("pk").eq(pk))["Items"]:
            store.table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})


def test_a_districts_report_counts_its_clicks_votes_and_flags_and_the_city_counts_them_all(
    synced_store: Stores, desk: ReportDesk, clock: Clock
):
    synced_store.records.mark_once("votes-by-day", "2026-11-01")  # votes are read from their copies by day
    made_for_districts(synced_store, at(TUESDAY))
    old_records(synced_store, at(TUESDAY, 11))

    assert figures(report(desk, "week", TUESDAY)) == CITY
    assert figures(report(desk, "week", TUESDAY, district="河西区")) == HEXI
    assert figures(report(desk, "week", TUESDAY, district="nankai")) == NANKAI
    assert figures(report(desk, "week", TUESDAY, district="binhai")) == NOTHING

    # The maintenance job's summaries keep the same, though the raw records are gone by the time they are read.
    summariser(desk, synced_store, clock).summarise_closed_days(limit=40)
    forget_raw_records(synced_store, f"CLICKS#{TUESDAY}", f"VOTES#{TUESDAY}", f"QUERYLOG#{TUESDAY}", "TASKS")
    fresh = report_desk(synced_store, clock)
    for district, expected in [(None, CITY), ("hexi", HEXI), ("nankai", NANKAI), ("binhai", NOTHING)]:
        assert figures(report(fresh, "week", TUESDAY, district=district)) == expected, district
        assert figures(report(fresh, "day", TUESDAY, district=district)) == expected, district
    assert figures(report(fresh, "month", TUESDAY, district="hexi")) == HEXI


def test_todays_hour_summaries_keep_a_districts_clicks_votes_and_flags(
    synced_store: Stores, desk: ReportDesk, clock: Clock
):
    synced_store.records.mark_once("votes-by-day", "2026-11-01")
    wednesday = china_date(clock.now).isoformat()
    made_for_districts(synced_store, at(wednesday, 9))
    summariser(desk, synced_store, clock).summarise_closed_hours(limit=24)  # the hours up to 11:00 are closed
    forget_raw_records(synced_store, f"CLICKS#{wednesday}", f"VOTES#{wednesday}", f"QUERYLOG#{wednesday}", "TASKS")
    fresh = report_desk(synced_store, clock)
    assert figures(report(fresh, "day", wednesday, district="hexi")) == HEXI
    assert figures(report(fresh, "day", wednesday, district="nankai")) == NANKAI
    assert figures(report(fresh, "day", wednesday))["clicks"] == 4


def test_a_districts_gaps_list_counts_the_unhelpful_votes_made_for_it(synced_store: Stores):
    desk = feedback_desk(synced_store, at(TUESDAY))
    vote(desk, False, "暖气片冰凉", "hexi")
    vote(desk, False, "暖气还是不热", "nankai")
    vote(desk, False, "暖气一直不热", None)

    def gaps(district: str | None) -> list[tuple[str, int]]:
        return [(g.query, g.unhelpful) for g in desk.unanswered(EDITOR, days=1, limit=50, district=district)]

    assert gaps("河西") == [("暖气片冰凉", 1)]
    assert gaps("nankai") == [("暖气还是不热", 1)]
    assert set(gaps(None)) == {("暖气一直不热", 1), ("暖气还是不热", 1), ("暖气片冰凉", 1)}


def test_a_district_the_directory_does_not_know_is_a_400_naming_it_and_nothing_is_kept(
    client: Client, synced_store: Stores, keys: dict[str, dict[str, str]]
):
    unknown = {"district": "atlantis"}
    clicks = {"query": "暖气不热", "article_id": RADIATOR, "position": 1, **unknown}
    for path, body, caller in [
        ("/api/clicks", clicks, "anonymous"),
        ("/api/clicks", {**clicks, "settles": True}, "anonymous"),
        ("/api/feedback", {"article_id": RADIATOR, "helpful": False, "query": "暖气不热", **unknown}, "anonymous"),
        (f"/api/articles/{RADIATOR}/flags", {"comment": "报修电话错了", **unknown}, "agent"),
    ]:
        reply = post(client, path, body, keys[caller])
        assert reply.status_code == 400 and reply.json_body["error"]["field"] == "district", (path, reply.json_body)
    kept = [item["pk"] for item in synced_store.table.scan()["Items"]]
    assert not [pk for pk in kept if pk.split("#")[0] in ("CLICKS", "QUERYLOG", "FEEDBACK", "VOTES", "TASKS")], kept

    ok = post(client, "/api/clicks", {**clicks, "district": "河西区"})
    assert ok.status_code == 202
    [stored] = synced_store.desk_log.clicks_between(china_date(dt.datetime.now(dt.UTC)), *_today())
    assert stored.district == "hexi"


def _today() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(days=1), now + dt.timedelta(minutes=1)


def test_a_click_vote_or_task_from_before_districts_reads_as_the_citys(synced_store: Stores):
    old_records(synced_store, at(TUESDAY))
    day, start, end = dt.date.fromisoformat(TUESDAY), at(TUESDAY, 0), at(TUESDAY, 23)
    log = synced_store.desk_log
    read = [*log.clicks_between(day, start, end), *log.votes_on(day, start, end), *log.tasks.between(start, end)]
    assert [type(r).__name__ for r in read] == ["Click", "Vote", "FlagTask"]
    assert [r.district for r in read] == [None, None, None]


def test_an_editor_reads_which_districts_answer_a_task_was_raised_on(synced_store: Stores):
    desk = feedback_desk(synced_store, at(TUESDAY))
    made_for_districts(synced_store, at(TUESDAY))
    old_records(synced_store, at(TUESDAY, 11))
    stations_editor = Principal(Role.EDITOR, "编辑", frozenset({"heating-company-stations"}))  # the article's unit
    listed = desk.tasks(stations_editor, PageParams(limit=10)).items
    seen = {(t.comment, t.district, t.district_name) for t in listed}
    assert seen == {
        ("报修电话错了", "hexi", "河西区"),  # its repeat from 南开区 is counted on it, not raised again
        ("热价调整了", "nankai", "南开区"),
        ("旧的", None, None),  # raised before flags carried a district: the city's
    }


def test_an_agents_own_flags_say_which_districts_answer_they_flagged(synced_store: Stores):
    desk = feedback_desk(synced_store, at(TUESDAY))
    made_for_districts(synced_store, at(TUESDAY))
    mine = {(f.comment, f.district, f.district_name) for f in desk.my_flags(OTHER_AGENT, 10)}
    # Their repeat of 河西区's problem was flagged on 南开区's answer, though it is counted on 河西区's task.
    assert mine == {("热价调整了", "nankai", "南开区"), ("报修电话错了！", "nankai", "南开区")}
    assert {(f.comment, f.district) for f in desk.my_flags(AGENT, 10)} == {("报修电话错了", "hexi")}
