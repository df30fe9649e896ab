"""What readers tell us, through HTTP: settled searches, clicks, 没帮助 in the gaps, the comment after a vote."""

import datetime as dt
from urllib.parse import quote

import pytest
from boto3.dynamodb.conditions import Key
from chalice.test import Client

from chalicelib import wiring
from chalicelib.clock import china_today
from chalicelib.desk.feedback import FeedbackDesk
from chalicelib.knowledge.models.reading import SearchParams
from chalicelib.people.access import Principal, Reader, Role
from chalicelib.web import callers
from chalicelib.wiring import Stores
from tests.conftest import Clock, knowledge_service
from tests.test_app import get, keys, post

__all__ = ["keys"]  # the fixture, shared with test_app.py

ARTICLE = "heating-radiator-not-warm"
AGENT = Principal(Role.AGENT, "坐席")
EDITOR = Principal(Role.EDITOR, "编辑", frozenset({"heating-company"}))


def today() -> str:
    return china_today().isoformat()


def logged(store: Stores) -> list[dict]:
    return store.records.all(f"QUERYLOG#{today()}")


def gaps(client: Client, keys: dict[str, dict[str, str]]) -> list[dict]:
    return get(client, "/api/unanswered?days=1", keys["editor"]).json_body["queries"]


def click(client: Client, query: str = "暖气不热", position: int = 1, **extra: object):
    return post(client, "/api/clicks", {"query": query, "article_id": ARTICLE, "position": position, **extra})


def test_as_you_type_searches_are_never_logged_or_counted(
    client: Client, synced_store: Stores, keys: dict[str, dict[str, str]]
):
    for query in ["暖", "暖气", "暖气不热", "今天天气怎么样"]:
        assert get(client, "/api/search?q=" + quote(query)).status_code == 200
    assert get(client, "/api/search?settled=false&q=" + quote("足球比赛")).status_code == 200
    assert logged(synced_store) == []
    assert get(client, "/api/popular").json_body == {"articles": []}
    assert gaps(client, keys) == []


def test_a_settled_search_is_logged_once_and_counted(
    client: Client, synced_store: Stores, keys: dict[str, dict[str, str]]
):
    get(client, "/api/search?q=" + quote("暖气不热"))  # typed on the way
    get(client, "/api/search?settled=true&q=" + quote("暖气不热"))  # then Enter
    get(client, "/api/search?settled=1&q=" + quote("今天天气怎么样"))
    assert [(r["query"], r["answered"]) for r in logged(synced_store)] == [
        ("暖气不热", True),
        ("今天天气怎么样", False),
    ]
    assert [(a["id"], a["hits"]) for a in get(client, "/api/popular").json_body["articles"]] == [(ARTICLE, 1)]
    assert gaps(client, keys) == [
        {"query": "今天天气怎么样", "asked": "今天天气怎么样", "count": 1, "searches": 1, "unhelpful": 0}
    ]


def test_a_click_is_stored_with_its_position_and_the_query_masked(client: Client, synced_store: Stores):
    response = click(client, "我电话13912345678暖气不热", position=3)
    assert response.status_code == 202 and response.json_body["id"]
    [stored] = synced_store.table.query(KeyConditionExpression=Key("pk").eq(f"CLICKS#{today()}"))["Items"]
    assert stored["query"] == "我电话[手机号]暖气不热"
    assert (stored["article_id"], stored["position"], stored["role"]) == (ARTICLE, 3, "anonymous")
    assert len(stored["client"]) == 16 and stored["ttl"] > dt.datetime.now(dt.UTC).timestamp() + 170 * 86_400
    assert logged(synced_store) == []  # a click alone, without `settles`, logs no search


def test_a_click_settles_its_search_only_when_the_page_says_it_had_not(
    client: Client, synced_store: Stores, keys: dict[str, dict[str, str]]
):
    assert click(client, "暖气不热", settles=True).status_code == 202  # clicked before Enter or the pause
    get(client, "/api/search?settled=true&q=" + quote("社保卡丢了"))
    assert click(client, "社保卡丢了", position=2).status_code == 202  # already settled: not counted again
    assert click(client, "社保卡丢了", position=1, settles=False).status_code == 202
    assert sorted(r["query"] for r in logged(synced_store)) == ["暖气不热", "社保卡丢了"]
    hot = {a["id"]: a["hits"] for a in get(client, "/api/popular").json_body["articles"]}
    assert hot[ARTICLE] == 1 and sum(hot.values()) == 2


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"query": "暖气不热", "article_id": ARTICLE, "position": 0}, 400, "position"),
        ({"query": "暖气不热", "article_id": ARTICLE, "position": 51}, 400, "position"),
        ({"query": " ", "article_id": ARTICLE, "position": 1}, 400, "query"),
        ({"query": "长" * 201, "article_id": ARTICLE, "position": 1}, 400, "query"),
        ({"query": "暖气不热", "article_id": "no-such-article", "position": 1}, 404, "id"),
        ({"query": "会议室", "article_id": "center-meeting-room-booking", "position": 1}, 404, "id"),  # internal
        ({"query": "暖气不热", "article_id": ARTICLE, "position": 1, "extra": 1}, 400, "extra"),
    ],
)
def test_a_bad_click_says_what_is_wrong(client: Client, body: dict, status: int, field: str):
    response = post(client, "/api/clicks", body)
    assert response.status_code == status and response.json_body["error"].get("field") == field


@pytest.mark.parametrize(
    "path, raw, field",
    [
        ("/api/feedback", '{"article_id": "THE_ARTICLE", "helpful": "yes"}', "helpful"),
        ("/api/feedback", '{"article_id": "THE_ARTICLE", "helpful": 0}', "helpful"),
        ("/api/clicks", '{"query": "暖气不热", "article_id": "THE_ARTICLE", "position": true}', "position"),
        ("/api/clicks", '{"query": "暖气不热", "article_id": "THE_ARTICLE", "position": "1"}', "position"),
        ("/api/clicks", '{"query": 12345, "article_id": "THE_ARTICLE", "position": 1}', "query"),
        ("/api/feedback", '{"article_id": "THE_ARTICLE", "helpful": true, "helpful": false}', "helpful"),
    ],
)
def test_a_wrong_type_or_a_name_given_twice_is_a_400_naming_the_field(client: Client, path: str, raw: str, field: str):
    raw = raw.replace("THE_ARTICLE", ARTICLE)
    response = client.http.post(path, body=raw.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert response.json_body["error"]["field"] == field


def test_clicks_are_rate_limited_per_client(client: Client, monkeypatch: pytest.MonkeyPatch):
    get(client, "/api/health")  # the stage's settings are read in a request
    minute = dt.datetime.now(dt.UTC).replace(second=30)  # all 62 in one minute, however slow the machine
    monkeypatch.setattr(wiring.desk(), "_now", lambda: minute)
    statuses = [click(client).status_code for _ in range(62)]
    assert statuses[:60] == [202] * 60 and statuses[60:] == [429, 429]


def test_questions_rated_unhelpful_are_gaps_beside_searches_nothing_answered(
    client: Client, keys: dict[str, dict[str, str]]
):
    for helpful, query in [(False, "暖气片不热"), (False, "暖气片不热"), (True, "暖气不热"), (False, None)]:
        body = {"article_id": ARTICLE, "helpful": helpful} | ({"query": query} if query else {})
        assert post(client, "/api/feedback", body).status_code == 201
    get(client, "/api/search?settled=true&q=" + quote("今天天气怎么样"))
    assert (
        post(client, "/api/feedback", {"article_id": ARTICLE, "helpful": False, "query": "今天天氣怎麼樣"}).status_code
        == 201
    )
    assert gaps(client, keys) == [
        {
            "query": "今天天气怎么样",
            "asked": "今天天气怎么样",
            "count": 2,
            "searches": 1,
            "unhelpful": 1,
        },  # one question
        {"query": "暖气片不热", "asked": "暖气片不热", "count": 2, "searches": 0, "unhelpful": 2},
    ]


def test_a_question_is_counted_by_its_normalised_form_and_shown_as_it_was_typed(
    client: Client, synced_store: Stores, keys: dict[str, dict[str, str]]
):
    get(client, "/api/search?settled=true&q=" + quote("今天天气怎么样，明天呢？"))
    get(client, "/api/search?settled=true&q=" + quote("今天天氣怎麼樣,明天呢?"))  # the same question, otherwise typed
    assert [r["query"] for r in logged(synced_store)] == ["今天天气怎么样，明天呢？", "今天天氣怎麼樣,明天呢?"]
    assert gaps(client, keys) == [
        {
            "query": "今天天气怎么样,明天呢?",
            "asked": "今天天气怎么样，明天呢？",
            "count": 2,
            "searches": 2,
            "unhelpful": 0,
        }
    ]


def vote(client: Client, **extra: object) -> str:
    response = post(client, "/api/feedback", {"article_id": ARTICLE, "helpful": False, **extra})
    assert response.status_code == 201
    return response.json_body["id"]


def comment(client: Client, feedback_id: str, text: str = "电话13912345678打不通"):
    return post(client, f"/api/feedback/{feedback_id}/comment", {"comment": text})


def summary(client: Client, keys: dict[str, dict[str, str]]) -> dict:
    return get(client, f"/api/articles/{ARTICLE}/feedback", keys["editor"]).json_body


def test_the_comment_after_a_one_tap_vote_joins_that_vote(client: Client, keys: dict[str, dict[str, str]]):
    feedback_id = vote(client)
    assert feedback_id.startswith(ARTICLE + ".")
    assert comment(client, feedback_id).status_code == 200
    after = summary(client, keys)
    assert (after["helpful"], after["unhelpful"]) == (0, 1)  # still one vote
    assert [c["comment"] for c in after["comments"]] == ["电话[手机号]打不通"]

    again = comment(client, feedback_id, "再补一句")  # never a second comment, or a second vote
    assert again.status_code == 409 and again.json_body["error"]["code"] == "conflict"
    assert comment(client, vote(client, comment="已经写过了")).status_code == 409
    assert [c["comment"] for c in summary(client, keys)["comments"]] == ["已经写过了", "电话[手机号]打不通"]


def test_two_comments_at_once_on_one_vote_keep_the_first(synced_store: Stores):
    from chalicelib.errors import Conflict

    records, partition = synced_store.records, f"FEEDBACK#{ARTICLE}"
    vote_id = records.add(partition, {"helpful": False, "comment": None}, dt.datetime.now(dt.UTC))
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    records.fill(partition, vote_id, since, "comment", "第一条", "已有留言")
    with pytest.raises(Conflict, match="已有留言"):  # the check the desk made first passed for both
        records.fill(partition, vote_id, since, "comment", "第二条", "已有留言")
    assert records.find(partition, vote_id, since)["comment"] == "第一条"


def test_only_the_client_that_voted_may_comment(client: Client, monkeypatch: pytest.MonkeyPatch):
    feedback_id = vote(client)
    monkeypatch.setattr(callers, "client_of", lambda request: "another-client-0")
    refused = comment(client, feedback_id)
    assert refused.status_code == 403 and refused.json_body["error"]["message"] == "只有评价的人才能补充留言"


def test_a_comment_comes_within_30_minutes_of_the_vote(client: Client, monkeypatch: pytest.MonkeyPatch):
    feedback_id = vote(client)
    monkeypatch.setattr(wiring.desk(), "_now", Clock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)))
    late = comment(client, feedback_id)
    assert late.status_code == 404 and "30 分钟" in late.json_body["error"]["message"]


@pytest.mark.parametrize(
    "feedback_id, status",
    [
        (f"{ARTICLE}.{'0' * 32}", 404),  # no such vote
        (f"gas-leak-emergency.{'0' * 32}", 404),
        ("not-an-id", 400),
        (f"{ARTICLE}.{'G' * 32}", 400),
    ],
)
def test_a_comment_on_an_unknown_vote_is_refused(client: Client, feedback_id: str, status: int):
    response = comment(client, feedback_id)
    assert response.status_code == status and "error" in response.json_body


def test_an_empty_or_overlong_comment_is_a_400(client: Client):
    feedback_id = vote(client)
    for text in ("  ", "长" * 501):
        response = comment(client, feedback_id, text)
        assert response.status_code == 400 and response.json_body["error"]["field"] == "comment"


def test_the_hotlines_day_starts_at_midnight_beijing_time_not_utc(synced_store: Stores):
    """17:30 UTC on 10 January is 01:30 on 11 January in Beijing: the search belongs to the 11th's log."""
    clock = Clock(dt.datetime(2026, 1, 10, 17, 30, tzinfo=dt.UTC))
    knowledge = knowledge_service(synced_store)
    desk = FeedbackDesk(synced_store.desk_log, knowledge, now=clock)
    for words in ("暖气不热", "火星签证怎么办"):
        desk.log_search(words, knowledge.search(SearchParams(q=words), Reader.AGENT), AGENT, "c1")

    logged = sorted(r["query"] for r in synced_store.records.all("QUERYLOG#2026-01-11"))  # same time: any order
    assert logged == sorted(["暖气不热", "火星签证怎么办"])
    assert synced_store.records.all("QUERYLOG#2026-01-10") == []
    assert synced_store.records.tallies("POPULAR#2026-01-11") == {"heating-radiator-not-warm": 1}
    assert desk.unanswered(EDITOR, days=1, limit=10)[0].query == "火星签证怎么办"
    clock.now = dt.datetime(2026, 1, 11, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 12th in Beijing: a day later
    assert [gap.query for gap in desk.unanswered(EDITOR, days=1, limit=10)] == []


def test_a_vote_whose_copy_by_day_fails_is_kept_and_answered_once(
    synced_store: Stores, monkeypatch: pytest.MonkeyPatch
):
    from botocore.exceptions import ClientError

    from chalicelib.desk.models.feedback import FeedbackRequest
    from chalicelib.store.records import RecordStore

    add = RecordStore.add

    def refuse_copies_by_day(self, partition, *args, **kwargs):
        if partition.startswith("VOTES#"):
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "PutItem")
        return add(self, partition, *args, **kwargs)

    monkeypatch.setattr(RecordStore, "add", refuse_copies_by_day)
    desk = FeedbackDesk(synced_store.desk_log, knowledge_service(synced_store))
    request = FeedbackRequest(article_id="heating-radiator-not-warm", helpful=False, query="暖气不热")
    accepted = desk.feedback(request, Principal(Role.AGENT, "坐席"), "c")
    votes = synced_store.desk_log.votes("heating-radiator-not-warm")
    assert [v.id for v in votes] == [accepted.id.split(".")[1]]  # kept, once: the caller has no reason to retry


def test_the_gaps_list_is_cut_by_the_district_the_search_was_made_for(
    client: Client, synced_store: Stores, keys: dict[str, dict[str, str]]
):
    get(client, "/api/search?settled=true&district=hexi&q=" + quote("火星签证怎么办"))
    get(client, "/api/search?settled=true&q=" + quote("河西区的火星驾照"))  # the district the question names
    get(client, "/api/search?settled=true&q=" + quote("土星驾照怎么考"))  # no district: the city's alone
    listed = get(client, "/api/unanswered?days=1&district=" + quote("河西"), keys["editor"]).json_body["queries"]
    assert {gap["query"] for gap in listed} == {"火星签证怎么办", "河西区的火星驾照"}
    assert len(gaps(client, keys)) == 3
    unknown = get(client, "/api/unanswered?district=atlantis", keys["editor"])
    assert unknown.status_code == 400 and unknown.json_body["error"]["field"] == "district"
