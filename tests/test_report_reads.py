"""Reports read a bounded number of summaries whatever the traffic: roll-ups for weeks and months, today's
summarised hours, and the raw records of the last hour or so alone; and they say the same as the raw log."""

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest

from chalicelib.clock import CHINA_TIME
from chalicelib.desk.reports import ReportDesk
from chalicelib.desk.store.log import Click, LoggedSearch
from chalicelib.desk.store.reports import SpanKind
from chalicelib.desk.summaries import Summariser
from chalicelib.wiring import Stores
from tests.conftest import Clock, a_few_articles, store_copy, synced_table_of
from tests.test_reports import CARD_LOSS, FEW, HRSS_EDITOR, RADIATOR, report, report_desk, summariser
from tools.kb import local
from tools.kb.knowledge import LoadedKnowledge

# Wednesday 2026-11-25, 21:30 in Beijing: six weeks of traffic behind it
NOW = dt.datetime(2026, 11, 25, 13, 30, tzinfo=dt.UTC)
FIRST = dt.date(2026, 10, 21)  # the job starts 35 days back: earlier traffic is never read
QUESTIONS = [
    ("暖气不热怎么办", RADIATOR, True),
    ("暖气片不热了", RADIATOR, True),  # heating is most of it: today's searches are enough to look for a surge
    ("社保卡丢了怎么补办", CARD_LOSS, True),
    ("小区停车位怎么租", None, False),
]


def traffic(store: Stores, per_day: int, until: dt.datetime = NOW, seed: int = 7) -> int:
    """`per_day` searches (some of them opened) on every day from FIRST up to `until`, written in batches."""
    store.records.mark_once("votes-by-day", FIRST.isoformat())  # as in any table a release with it has run on
    rng = random.Random(seed)
    day, written = FIRST, 0
    while (start := dt.datetime.combine(day, dt.time(), CHINA_TIME)) < until:
        moments = sorted(start + dt.timedelta(seconds=rng.randrange(86_400)) for _ in range(per_day))
        searches, clicks = [], []
        for moment in (m.astimezone(dt.UTC) for m in moments if m < until):
            query, top, answered = rng.choice(QUESTIONS)
            searches.append(LoggedSearch(query, answered, top, 1 if top else 0, "agent", "c", moment))
            if top and rng.random() < 0.3:
                clicks.append(Click(query, top, 1, "agent", "c", moment))
        with local.writing_directly(store.table):  # moto's own put_item: ten times as fast as its API
            store.desk_log.log_searches(day, searches, 180)
            store.desk_log.add_clicks(day, clicks, 180)
        written += len(searches)
        day += dt.timedelta(days=1)
    return written


def calls_made(store: Stores) -> Counter[str]:
    """Every DynamoDB call the store's client makes from now on, by operation; but the live index's look at the
    table's generation, which it makes every few seconds whatever the request."""
    made: Counter[str] = Counter()

    def note(event_name: str, params: dict[str, Any], **_: Any) -> None:
        if '"GENERATION"' not in params.get("body", b"").decode():
            made[event_name.rsplit(".", 1)[-1]] += 1

    store.table.meta.client.meta.events.register("before-call.dynamodb", note)
    return made


def run_the_job(summaries: Summariser) -> None:
    while summaries.summarise_closed_days(limit=10):
        pass
    summaries.roll_up_earlier_days()
    while summaries.summarise_closed_hours():
        pass


def reports_and_their_calls(store: Stores, desk: ReportDesk) -> dict[str, tuple[dict[str, Any], int]]:
    report(desk, "day", "2026-11-01")  # the container's first request loads the index: not the report's cost
    made = calls_made(store)
    read: dict[str, tuple[dict[str, Any], int]] = {}
    for name, period, day in [
        ("today", "day", "2026-11-25"),
        ("yesterday", "day", "2026-11-24"),
        ("this week", "week", "2026-11-25"),
        ("last week", "week", "2026-11-18"),
        ("this month", "month", "2026-11-25"),
        ("last month", "month", "2026-10-20"),
    ]:
        before = sum(made.values())
        read[name] = report(desk, period, day), sum(made.values()) - before
    return read


@pytest.fixture(scope="module")
def few_articles_table(knowledge: LoadedKnowledge) -> bytes:
    return synced_table_of(a_few_articles(knowledge, FEW))


@pytest.fixture
def synced_store(aws: None, few_articles_table: bytes) -> Stores:
    return store_copy(few_articles_table)


@pytest.fixture
def desk(synced_store: Stores, clock: Clock) -> ReportDesk:
    clock.now = NOW
    return report_desk(synced_store, clock)


@pytest.fixture
def summaries(synced_store: Stores, desk: ReportDesk, clock: Clock) -> Summariser:
    return summariser(desk, synced_store, clock)


@pytest.mark.slow
def test_reports_read_the_same_few_items_at_four_times_the_traffic(aws: None, few_articles_table: bytes, clock: Clock):
    calls = {}
    for per_day in (60, 240):
        store = store_copy(few_articles_table)
        clock.now = NOW
        desk = report_desk(store, clock)
        assert traffic(store, per_day) > 30 * per_day
        run_the_job(summariser(desk, store, clock))
        read = reports_and_their_calls(store, desk)
        assert read["last month"][0]["searches"] > 10 * per_day
        calls[per_day] = {name: n for name, (_, n) in read.items()}
    assert calls[60] == calls[240], calls
    assert max(calls[240].values()) <= 12, calls  # the target is 25


def test_summarised_hours_and_roll_ups_say_what_the_raw_log_says(
    synced_store: Stores, desk: ReportDesk, summaries: Summariser
):
    traffic(synced_store, 24)
    raw = {name: body for name, (body, _) in reports_and_their_calls(synced_store, desk).items()}
    editor_raw = report(desk, "month", "2026-11-25", HRSS_EDITOR)
    run_the_job(summaries)
    assert synced_store.reports.hours_done(NOW.date()) == set(range(21))  # 21:00-22:00 is still running
    summarised = {name: body for name, (body, _) in reports_and_their_calls(synced_store, desk).items()}
    assert summarised == raw
    assert report(desk, "month", "2026-11-25", HRSS_EDITOR) == editor_raw
    assert raw["last month"]["previous"]["searches"] == 0 and raw["this month"]["previous"]["like_for_like"]
    assert len(synced_store.reports.span(SpanKind.MONTH, dt.date(2026, 10, 1)).days) == 11  # from 35 days back


def test_a_day_summarised_again_replaces_its_part_of_the_roll_ups(
    synced_store: Stores, desk: ReportDesk, summaries: Summariser
):
    traffic(synced_store, 10)
    run_the_job(summaries)
    week = report(desk, "week", "2026-11-18")
    again = [dt.date(2026, 11, 17), dt.date(2026, 11, 18)]
    summaries.summarise(again)
    summaries.summarise(again)
    assert report(desk, "week", "2026-11-18") == week
    rolled = synced_store.reports.span(SpanKind.WEEK, dt.date(2026, 11, 16))
    assert sum(f.searches for f in rolled.departments.values()) == week["searches"]


def test_the_roll_up_of_a_month_lists_the_days_it_holds_and_a_report_reads_the_rest(
    synced_store: Stores, desk: ReportDesk, summaries: Summariser
):
    traffic(synced_store, 10)
    whole = report(desk, "month", "2026-11-25")
    summaries.summarise([dt.date(2026, 11, 2), dt.date(2026, 11, 3)])  # the rest of November is not summarised yet
    assert synced_store.reports.span(SpanKind.MONTH, dt.date(2026, 11, 1)).days == {
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 3),
    }
    assert report(desk, "month", "2026-11-25") == whole


def test_after_an_upgrade_the_job_rolls_up_what_an_older_release_summarised(
    synced_store: Stores, desk: ReportDesk, summaries: Summariser
):
    traffic(synced_store, 10)
    run_the_job(summaries)
    expected = {name: body for name, (body, _) in reports_and_their_calls(synced_store, desk).items()}
    table = synced_store.table  # as a release without roll-ups left it: day summaries and a cursor
    for item in table.scan()["Items"]:
        if item["pk"].startswith(("REPORT#W#", "REPORT#M#")):
            table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    table.update_item(Key={"pk": "REPORT", "sk": "CURSOR"}, UpdateExpression="REMOVE rolled_up_since, nothing_before")

    before = reports_and_their_calls(synced_store, desk)
    assert {name: body for name, (body, _) in before.items()} == expected
    assert before["last month"][1] > 25  # each day's summary read on its own
    assert len(summaries.roll_up_earlier_days()) == 31 and len(summaries.roll_up_earlier_days()) == 4  # Oct 21 - Nov 24
    assert summaries.roll_up_earlier_days() == []
    after = reports_and_their_calls(synced_store, desk)
    assert {name: body for name, (body, _) in after.items()} == expected
    assert max(calls for _, calls in after.values()) <= 12


@pytest.mark.parametrize("one_item_bytes", [300_000, 100])
def test_a_closed_hour_is_one_item_unless_too_large_and_reads_back_the_same(
    store: Stores, monkeypatch: pytest.MonkeyPatch, one_item_bytes: int
):
    from chalicelib.desk.store import reports as stored

    monkeypatch.setattr(stored, "_ONE_ITEM_BYTES", one_item_bytes)
    day, ttl = dt.date(2026, 11, 25), 2_000_000_000
    question = stored.QuestionCount("暖气不热", RADIATOR, 3, 1, 0, "暖气不热")
    departments = {
        "heating-company": stored.DepartmentFigures(searches=3, answered=2, clicks=1, questions=[question]),
        "heating-company@hexi": stored.DepartmentFigures(searches=2, answered=2),
    }
    store.reports.save_hour(day, 9, departments, ttl)
    items = store.table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "REPORT#H#2026-11-25"}
    )
    figures_items = [i["sk"] for i in items["Items"] if not i["sk"].startswith("DONE")]
    assert figures_items == (
        ["HOUR#09"] if one_item_bytes > 100 else ["DEPT#09#heating-company", "DEPT#09#heating-company@hexi"]
    )
    read = store.reports.hours(day).closed[9]
    assert read.keys() == departments.keys()
    assert (read["heating-company"].searches, read["heating-company"].questions) == (3, [question])
    assert read["heating-company@hexi"].answered == 2
