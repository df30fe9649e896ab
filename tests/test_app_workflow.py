"""The editorial workflow through HTTP: ETags, If-Match, roles, departments, history, audit, as_of."""

import datetime as dt
import json
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.people.keys import KeyRing
from chalicelib.wiring import Stores
from tests.conftest import article_text

ARTICLE = "heating-radiator-not-warm"


@pytest.fixture
def auth(synced_store: Stores) -> dict[str, dict[str, str]]:
    """Authorization headers by person: two heating editors, two heating reviewers, a gas reviewer, an agent."""
    ring = KeyRing(synced_store.keys, synced_store.directory.departments)
    now = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    people = {
        "editor": ("editor", "王编辑", "heating-company"),
        "editor2": ("editor", "赵编辑", "heating-company"),
        "reviewer": ("reviewer", "李审核", "heating-company"),
        "reviewer2": ("reviewer", "周审核", "heating-company"),
        "gas": ("reviewer", "钱审核", "gas-company"),
        "agent": ("agent", "孙坐席", "hotline-12345"),
    }
    return {
        person: {"Authorization": f"Bearer {ring.create(role, name, [department], now)[1]}"}
        for person, (role, name, department) in people.items()
    }


def call(client: Client, method: str, path: str, headers: dict[str, str], body: object | None = None):
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
    send = getattr(client.http, method.lower())
    if method in ("POST", "PUT"):
        return send(path, headers={"Content-Type": "application/json", **headers}, body=data)
    return send(path, headers=headers)


def revision(response) -> dict[str, str]:
    """The If-Match header that continues from a reply's ETag."""
    return {"If-Match": response.headers["ETag"]}


def reading(client: Client, article: str, headers: dict[str, str]) -> dict[str, str]:
    """The caller's headers and the If-Match of the working copy as the caller reads it now (when it may)."""
    loaded = call(client, "GET", f"/api/articles/{article}/draft", headers)
    return {**headers, **revision(loaded)} if loaded.status_code == 200 else headers


def touch(client: Client, who: dict[str, str]) -> None:
    """Save the article again with one more newline: a new version, back in draft."""
    loaded = call(client, "GET", f"/api/articles/{ARTICLE}/draft", who)
    saved = call(
        client,
        "PUT",
        f"/api/articles/{ARTICLE}/draft",
        {**who, **revision(loaded)},
        {"markdown": loaded.json_body["markdown"] + "\n"},
    )
    assert saved.status_code == 200, saved.json_body


def test_the_whole_life_of_an_article_through_the_api(client: Client, auth):
    created = call(client, "POST", "/api/articles", auth["editor"], {"markdown": article_text("heating-new-rule")})
    assert created.status_code == 201 and created.json_body["state"] == "draft"
    assert created.headers["ETag"] == f'"{created.json_body["revision"]}"'
    assert call(client, "GET", "/api/articles/heating-new-rule", {}).status_code == 404  # not published yet
    text = article_text("heating-new-rule", title="新的供暖报修规定")
    saved = call(
        client,
        "PUT",
        "/api/articles/heating-new-rule/draft",
        {**auth["editor"], **revision(created)},
        {"markdown": text, "message": "改标题"},
    )
    assert saved.status_code == 200 and saved.json_body["version"] == 2
    for step, person in [("submit", "editor"), ("approve", "reviewer"), ("publish", "reviewer")]:
        moved = call(
            client,
            "POST",
            f"/api/articles/heating-new-rule/{step}",
            reading(client, "heating-new-rule", auth[person]),
            {},
        )
        assert moved.status_code == 200, moved.json_body
    assert moved.json_body["state"] == "published" and moved.json_body["published_version"] == 2
    live = call(client, "GET", "/api/articles/heating-new-rule", {})
    assert live.status_code == 200 and live.json_body["title"] == "新的供暖报修规定"
    asked = call(client, "POST", "/api/articles/heating-new-rule/archive", auth["editor"], {"comment": "过时"})
    assert asked.json_body["state"] == "in_review" and asked.json_body["archive_request"]["name"] == "王编辑"
    assert call(client, "GET", "/api/articles/heating-new-rule", {}).status_code == 200  # live until confirmed
    archived = call(
        client, "POST", "/api/articles/heating-new-rule/approve", {**auth["reviewer"], **revision(asked)}, {}
    )
    assert archived.json_body["state"] == "archived" and archived.json_body["published_version"] is None
    assert call(client, "GET", "/api/articles/heating-new-rule", {}).status_code == 404
    audit = call(client, "GET", "/api/audit?article=heating-new-rule", auth["editor"]).json_body["entries"]
    actions = ["archive", "request_archive", "publish", "approve", "submit", "save", "create"]
    assert [e["action"] for e in audit] == actions
    assert audit[0]["from_state"] == "in_review" and audit[0]["actor"] == "李审核" and audit[0]["comment"] == "过时"
    assert audit[1]["from_state"] == "published" and audit[1]["actor"] == "王编辑"


def test_a_draft_edit_needs_if_match_and_a_stale_one_is_a_409(client: Client, auth):
    loaded = call(client, "GET", f"/api/articles/{ARTICLE}/draft", auth["editor"])
    markdown = loaded.json_body["markdown"]
    path = f"/api/articles/{ARTICLE}/draft"
    missing = call(client, "PUT", path, auth["editor"], {"markdown": markdown})
    assert missing.status_code == 428 and missing.json_body["error"]["field"] == "If-Match"
    first = call(client, "PUT", path, {**auth["editor"], **revision(loaded)}, {"markdown": markdown + "\n"})
    assert first.status_code == 200
    second = call(client, "PUT", path, {**auth["editor2"], **revision(loaded)}, {"markdown": markdown + "\n\n"})
    assert second.status_code == 409
    assert second.json_body["error"]["revision"] == first.json_body["revision"]
    assert call(client, "GET", path, auth["editor"]).json_body["markdown"] == markdown + "\n"
    current = call(client, "GET", path, auth["editor"]).json_body["revision"]
    for opaque in ("yesterday", '"abc"', '"²"', '"' + "9" * 50 + '"', 'W/"-1"'):
        refused = call(client, "PUT", path, {**auth["editor"], "If-Match": opaque}, {"markdown": markdown})
        assert refused.status_code == 409, opaque  # never a 400: it simply does not match
        assert refused.json_body["error"]["revision"] == current


def test_an_archive_is_asked_with_a_reason_and_confirmed_with_the_revision_read(client: Client, auth):
    path = f"/api/articles/{ARTICLE}"

    def searchable() -> bool:
        hits = call(client, "GET", f"/api/search?q={quote('暖气不热')}", {}).json_body["hits"]
        return any(hit["id"] == ARTICLE for hit in hits)

    assert call(client, "POST", f"{path}/archive", auth["agent"], {"comment": "过时"}).status_code == 403
    assert call(client, "POST", f"{path}/archive", auth["editor"], {}).status_code == 400  # the reason is required
    asked = call(client, "POST", f"{path}/archive", auth["editor"], {"comment": "过时"})
    assert asked.status_code == 200 and asked.json_body["archive_request"]["reason"] == "过时"
    missing = call(client, "POST", f"{path}/approve", auth["reviewer"], {})
    assert missing.status_code == 428 and missing.json_body["error"]["field"] == "If-Match"
    stale = call(client, "POST", f"{path}/approve", {**auth["reviewer"], "If-Match": '"1"'}, {})
    assert stale.status_code == 409 and stale.json_body["error"]["revision"] == asked.json_body["revision"]
    assert call(client, "POST", f"{path}/archive/withdraw", auth["editor2"], {}).status_code == 403  # not theirs
    assert searchable() and call(client, "GET", path, {}).status_code == 200
    confirmed = call(client, "POST", f"{path}/approve", {**auth["reviewer"], **revision(asked)}, {})
    assert confirmed.status_code == 200 and confirmed.json_body["state"] == "archived"
    # Out of the FAQ at once; out of search at the next index refresh (test_archive_requests.py).
    assert call(client, "GET", path, {}).status_code == 404


def test_checks_come_in_order_401_then_428_then_the_body(client: Client, auth):
    path = f"/api/articles/{ARTICLE}/draft"
    bad_bodies = [b"", b"not json", b"[]", json.dumps({"markdown": ""}).encode(), json.dumps({"x": 1}).encode()]
    for body in bad_bodies:
        for method, route in [
            ("PUT", path),
            ("POST", "/api/articles"),
            ("POST", "/api/preview"),
            ("POST", f"/api/articles/{ARTICLE}/reject"),
            ("PUT", "/api/departments/x"),
        ]:
            send = getattr(client.http, method.lower())
            anonymous = send(route, headers={"Content-Type": "application/json"}, body=body)
            assert anonymous.status_code == 401, (method, route, body)
    # An editor's save without If-Match is a 428 whatever the body, even Markdown full of problems.
    for body in [b"{}", json.dumps({"markdown": "---\nid: [\n"}).encode()]:
        missing = client.http.put(path, headers={**auth["editor"], "Content-Type": "application/json"}, body=body)
        assert missing.status_code == 428 and missing.json_body["error"]["field"] == "If-Match"
    # A role that may not do it at all hears so before its body is looked at.
    agent = client.http.put(path, headers={**auth["agent"], "Content-Type": "application/json"}, body=b"[]")
    assert agent.status_code == 403


def test_self_approval_and_other_departments_are_refused(client: Client, auth):
    touch(client, auth["reviewer"])
    call(client, "POST", f"/api/articles/{ARTICLE}/submit", auth["reviewer"], {})
    own = call(client, "POST", f"/api/articles/{ARTICLE}/approve", reading(client, ARTICLE, auth["reviewer"]), {})
    assert own.status_code == 403 and "需由另一位审核员审核" in own.json_body["error"]["message"]
    read = {"If-Match": reading(client, ARTICLE, auth["reviewer2"])["If-Match"]}
    for outsider in ("gas", "editor2", "agent"):  # another department's reviewer, an editor, an agent
        assert (
            call(client, "POST", f"/api/articles/{ARTICLE}/approve", {**auth[outsider], **read}, {}).status_code == 403
        )
    assert call(client, "POST", f"/api/articles/{ARTICLE}/approve", {}, {}).status_code == 401
    approved = call(client, "POST", f"/api/articles/{ARTICLE}/approve", reading(client, ARTICLE, auth["reviewer2"]), {})
    assert approved.status_code == 200


def test_approving_and_publishing_name_the_revision_the_reviewer_read(client: Client, auth):
    """Editor submits v1, the reviewer loads it, the editor saves v2 and submits again: approving what was read
    (v1) is refused, and so is approving without saying what was read."""
    touch(client, auth["editor"])
    call(client, "POST", f"/api/articles/{ARTICLE}/submit", reading(client, ARTICLE, auth["editor"]), {})
    read_by_reviewer = reading(client, ARTICLE, auth["reviewer"])
    touch(client, auth["editor"])
    call(client, "POST", f"/api/articles/{ARTICLE}/submit", reading(client, ARTICLE, auth["editor"]), {})
    stale = call(client, "POST", f"/api/articles/{ARTICLE}/approve", read_by_reviewer, {})
    assert stale.status_code == 409
    for step in ("approve", "publish"):
        unnamed = call(client, "POST", f"/api/articles/{ARTICLE}/{step}", auth["reviewer"], {})
        assert unnamed.status_code == 428 and unnamed.json_body["error"]["field"] == "If-Match"
    approved = call(client, "POST", f"/api/articles/{ARTICLE}/approve", reading(client, ARTICLE, auth["reviewer"]), {})
    assert approved.status_code == 200 and approved.json_body["version"] == 3


def test_a_wrong_state_is_a_409_and_a_reject_needs_a_comment(client: Client, auth):
    wrong = call(client, "POST", f"/api/articles/{ARTICLE}/approve", reading(client, ARTICLE, auth["reviewer"]), {})
    assert wrong.status_code == 409 and wrong.json_body["error"]["code"] == "conflict"
    touch(client, auth["editor"])
    call(client, "POST", f"/api/articles/{ARTICLE}/submit", auth["editor"], {})
    bare = call(client, "POST", f"/api/articles/{ARTICLE}/reject", auth["reviewer"], {})
    assert bare.status_code == 400 and bare.json_body["error"]["field"] == "comment"
    rejected = call(client, "POST", f"/api/articles/{ARTICLE}/reject", auth["reviewer"], {"comment": "电话号码不对"})
    assert rejected.json_body["state"] == "draft" and rejected.json_body["comment"] == "电话号码不对"


def test_a_schedule_in_the_past_is_a_400_naming_at_and_publishing_now_still_works(client: Client, auth):
    touch(client, auth["editor"])
    for step, person in [("submit", "editor"), ("approve", "reviewer")]:
        moved = call(client, "POST", f"/api/articles/{ARTICLE}/{step}", reading(client, ARTICLE, auth[person]), {})
        assert moved.status_code == 200
    path = f"/api/articles/{ARTICLE}/publish"
    refused = call(client, "POST", path, reading(client, ARTICLE, auth["reviewer"]), {"at": "2020-01-01T08:00:00"})
    assert refused.status_code == 400
    error = refused.json_body["error"]
    assert error["code"] == "invalid_input" and error["field"] == "at"
    assert "2020-01-01 08:00" in error["message"] and "立即发布" in error["message"]
    draft = call(client, "GET", f"/api/articles/{ARTICLE}/draft", auth["reviewer"]).json_body
    assert draft["state"] == "approved" and draft["scheduled_at"] is None
    published = call(client, "POST", path, reading(client, ARTICLE, auth["reviewer"]), {})
    assert published.status_code == 200 and published.json_body["state"] == "published"


def test_versions_diff_and_rollback(client: Client, auth):
    loaded = call(client, "GET", f"/api/articles/{ARTICLE}/draft", auth["editor"])
    first = loaded.json_body["version"]
    changed = loaded.json_body["markdown"].replace("title: 暖气不热怎么办", "title: 屋里暖气不热怎么办")
    saved = call(
        client,
        "PUT",
        f"/api/articles/{ARTICLE}/draft",
        {**auth["editor"], **revision(loaded)},
        {"markdown": changed, "message": "标题更口语"},
    )
    versions = call(client, "GET", f"/api/articles/{ARTICLE}/versions", auth["editor"]).json_body["versions"]
    assert [v["version"] for v in versions] == [first + 1, first] and versions[0]["message"] == "标题更口语"
    diff = call(client, "GET", f"/api/articles/{ARTICLE}/diff?from={first}&to={first + 1}", auth["editor"]).json_body
    assert {"op": "+", "text": "title: 屋里暖气不热怎么办"} in diff["lines"] and diff["from"] == first
    rolled = call(
        client, "POST", f"/api/articles/{ARTICLE}/rollback", {**auth["editor"], **revision(saved)}, {"version": first}
    )
    assert rolled.status_code == 200 and rolled.json_body["version"] == first + 2
    assert rolled.json_body["markdown"] == loaded.json_body["markdown"]
    old = call(client, "GET", f"/api/articles/{ARTICLE}/versions/{first}", auth["editor"]).json_body
    assert old["markdown"] == loaded.json_body["markdown"]
    missing = call(client, "GET", f"/api/articles/{ARTICLE}/diff?from=1&to=99", auth["editor"])
    assert missing.status_code == 404 and missing.json_body["error"]["field"] == "to"
    bad = call(client, "GET", f"/api/articles/{ARTICLE}/diff?from=one&to=2", auth["editor"])
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "from"


def test_preview_reports_lint_problems_by_line_and_saves_nothing(client: Client, auth, synced_store):
    text = article_text("preview-only", answer="太短。")
    preview = call(client, "POST", "/api/preview", auth["editor"], {"markdown": text})
    assert preview.status_code == 200 and preview.json_body["ok"] is False
    problem = preview.json_body["problems"][0]
    assert "标准答复" in problem["message"] and text.split("\n")[problem["line"] - 1].startswith("## 标准答复")
    assert (
        "<h2>" in call(client, "POST", "/api/preview", auth["editor"], {"markdown": article_text()}).json_body["html"]
    )
    assert synced_store.articles.head("preview-only") is None
    saved = call(client, "POST", "/api/articles", auth["editor"], {"markdown": text})  # a draft may have problems
    assert saved.status_code == 201 and saved.json_body["problems"][0]["line"] == problem["line"]
    assert saved.json_body["state"] == "draft"


def test_as_of_shows_the_old_text_after_a_newer_publish_and_needs_a_key(client: Client, auth, synced_store):
    before = call(client, "GET", f"/api/articles/{ARTICLE}", auth["agent"]).json_body
    moment = dt.datetime.now(dt.UTC).isoformat()
    loaded = call(client, "GET", f"/api/articles/{ARTICLE}/draft", auth["editor"])
    changed = loaded.json_body["markdown"].replace("title: 暖气不热怎么办", "title: 暖气不热的处理办法")
    call(client, "PUT", f"/api/articles/{ARTICLE}/draft", {**auth["editor"], **revision(loaded)}, {"markdown": changed})
    for step, person in [("submit", "editor"), ("approve", "reviewer"), ("publish", "reviewer")]:
        moved = call(client, "POST", f"/api/articles/{ARTICLE}/{step}", reading(client, ARTICLE, auth[person]), {})
        assert moved.status_code == 200
    assert call(client, "GET", f"/api/articles/{ARTICLE}", auth["agent"]).json_body["title"] == "暖气不热的处理办法"
    then = call(client, "GET", f"/api/articles/{ARTICLE}?as_of={quote(moment)}", auth["agent"])
    assert then.status_code == 200 and then.json_body["title"] == before["title"] == "暖气不热怎么办"
    hits = call(client, "GET", f"/api/search?q={quote('暖气不热')}&as_of={quote(moment)}", auth["agent"])
    assert hits.json_body["hits"][0]["title"] == "暖气不热怎么办"
    assert call(client, "GET", f"/api/search?q={quote('暖气不热')}&as_of={quote(moment)}", {}).status_code == 401
    bad = call(client, "GET", f"/api/articles/{ARTICLE}?as_of=last-tuesday", auth["agent"])
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "as_of"


def test_worklist_lists_by_state_and_department(client: Client, auth):
    everything = call(client, "GET", "/api/worklist", auth["editor"]).json_body["articles"]
    assert everything and all(a["department"].startswith("heating-company") and "markdown" in a for a in everything)
    assert all(a["markdown"] is None for a in everything)
    drafts = call(client, "GET", "/api/worklist?state=draft", auth["editor"]).json_body["articles"]
    assert drafts == []
    gas = call(client, "GET", "/api/worklist", auth["gas"]).json_body["articles"]
    assert gas and all(a["department"].startswith("gas-company") for a in gas)
    assert call(client, "GET", "/api/worklist?state=lost", auth["editor"]).status_code == 400
    assert call(client, "GET", "/api/worklist", auth["agent"]).status_code == 403


def test_articles_can_be_browsed_by_category(client: Client):
    listed = call(client, "GET", "/api/articles?category=heating", {}).json_body["articles"]
    assert listed and {a["category"] for a in listed} == {"heating"}
    assert ARTICLE in [a["id"] for a in listed]


def test_a_step_with_nothing_to_say_needs_no_body(client: Client, auth):
    touch(client, auth["editor"])
    submitted = client.http.post(f"/api/articles/{ARTICLE}/submit", headers=auth["editor"])
    assert submitted.status_code == 200 and submitted.json_body["state"] == "in_review"
    bad = client.http.post(
        f"/api/articles/{ARTICLE}/approve",
        headers={**reading(client, ARTICLE, auth["reviewer"]), "Content-Type": "application/json"},
        body=b"[1]",
    )
    assert bad.status_code == 400


def test_a_draft_with_problems_is_saved_over_http_and_submit_refuses_until_fixed(client: Client, auth):
    path = f"/api/articles/{ARTICLE}/draft"
    loaded = call(client, "GET", path, auth["editor"])
    markdown = loaded.json_body["markdown"]
    answer = markdown.split("## 标准答复\n\n", 1)[1].split("\n\n", 1)[0]
    short = markdown.replace(answer, "暖气不热请报修。", 1)
    saved = call(
        client,
        "PUT",
        path,
        {**auth["editor"], **revision(loaded)},
        {"markdown": short, "message": "先存一下，稍后补全"},
    )
    assert saved.status_code == 200 and saved.json_body["problems"]
    assert call(client, "GET", path, auth["editor"]).json_body["markdown"] == short
    refused = call(client, "POST", f"/api/articles/{ARTICLE}/submit", auth["editor"], {})
    assert refused.status_code == 409 and refused.json_body["error"]["code"] == "has_problems"
    assert refused.json_body["error"]["problems"][0]["line"] >= 1
    impossible = markdown.replace("review_by: ", "review_by: 2025-13-01\nold_review_by: ", 1)
    for route, method in [("/api/preview", "POST"), (path, "PUT")]:
        headers = {**auth["editor"], **revision(call(client, "GET", path, auth["editor"]))}
        reply = call(client, method, route, headers, {"markdown": impossible})
        assert reply.status_code == 200, reply.json_body
        assert reply.json_body["problems"], reply.json_body


def test_the_reviewer_sees_the_changed_words_of_the_changed_lines_only(client: Client, auth):
    touch(client, auth["editor"])
    loaded = call(client, "GET", f"/api/articles/{ARTICLE}/draft", auth["editor"])
    markdown = loaded.json_body["markdown"].replace("title: 暖气不热怎么办", "title: 暖气片不热怎么办", 1)
    call(
        client, "PUT", f"/api/articles/{ARTICLE}/draft", {**auth["editor"], **revision(loaded)}, {"markdown": markdown}
    )
    version = loaded.json_body["version"] + 1
    diff = call(client, "GET", f"/api/articles/{ARTICLE}/diff?from={version - 1}&to={version}", auth["reviewer"])
    changes = diff.json_body["changes"]
    assert len(changes) == 1 and changes[0]["old_line"] == changes[0]["new_line"] == 3
    assert {"op": "+", "text": "片"} in changes[0]["segments"]
    assert "".join(s["text"] for s in changes[0]["segments"] if s["op"] != "-") == "title: 暖气片不热怎么办"
