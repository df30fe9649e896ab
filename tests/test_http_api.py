"""The guard's input checks through the app: every bad input a 400 naming its field, never a 500."""

import json
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.knowledge.models.editing import MARKDOWN_MAX_CHARS
from chalicelib.people.keys import KeyRing
from chalicelib.web.http_api import MAX_BODY_BYTES
from chalicelib.wiring import Stores
from tests.conftest import NOW, article_text

ARTICLE = "/api/articles/heating-radiator-not-warm"


@pytest.fixture
def admin(synced_store: Stores) -> dict[str, str]:
    _, key = KeyRing(synced_store.keys, synced_store.directory.departments).create("admin", "测试管理员", ["*"], NOW)
    return {"Authorization": f"Bearer {key}"}


def send(client: Client, method: str, path: str, headers: dict[str, str], body: bytes | None = None):
    path = quote(path, safe="/?=&%")  # "+" in an offset must reach the app as "+", not as a space
    headers = {**headers, "Content-Type": "application/json"} if body is not None else headers
    return getattr(client.http, method.lower())(path, headers=headers, body=body)


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/search?q=暖气&as_of=9999-12-31T23:59:59-12:00", "as_of"),
        ("/api/search?q=暖气&as_of=0001-01-01T00:00:00+14:00", "as_of"),
        ("/api/search?q=暖气&as_of=1969-12-31T23:59:59", "as_of"),
        ("/api/search?q=暖气&as_of=2101-01-01", "as_of"),
        ("/api/search?q=暖气&as_of=", "as_of"),
        ("/api/search?q=暖气&as_of=２０２６-01-01", "as_of"),
        ("/api/search?q=暖气&as_of=" + "9" * 30, "as_of"),
        (f"{ARTICLE}?as_of=9999-12-31T23:59:59-12:00", "as_of"),
        ("/api/search?q=暖气&limit=²", "limit"),
        ("/api/search?q=暖气&limit=١٢", "limit"),
        ("/api/search?q=暖气&limit=" + "9" * 400, "limit"),
        ("/api/search?q=暖气&limit=", "limit"),
        ("/api/search?q=暖气&limit=51", "limit"),
        ("/api/suggest?q=暖&limit=0", "limit"),
        ("/api/popular?limit=1e3", "limit"),
        ("/api/unanswered?days=31", "days"),
        ("/api/unanswered?limit=" + "9" * 5000, "limit"),
        (f"{ARTICLE}/diff?from=1&to=" + "9" * 40, "to"),
        (f"{ARTICLE}/diff?from=²&to=1", "from"),
        (f"{ARTICLE}/diff?from=&to=1", "from"),
        (f"{ARTICLE}/versions/١", "number"),
        (f"{ARTICLE}/versions/" + "9" * 10, "number"),
        ("/api/articles/" + "a" * 81, "article_id"),
        ("/api/articles/Heating-Radiator", "article_id"),
        ("/api/articles/" + "暖" * 1000 + "/draft", "article_id"),
        ("/api/worklist?stale=", "stale"),
        ("/api/worklist?department=", "department"),
        ("/api/audit?article=", "article"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client: Client, admin: dict[str, str], path: str, field: str):
    response = send(client, "GET", path, admin)
    assert response.status_code == 400, response.body
    assert response.json_body["error"]["code"] == "invalid_input" and response.json_body["error"]["field"] == field


@pytest.mark.parametrize(
    "path, body, field",
    [
        (f"{ARTICLE}/publish", {"at": "9999-12-31T23:59:59"}, "at"),
        (f"{ARTICLE}/publish", {"at": "9999-12-31T23:59:59-12:00"}, "at"),
        (f"{ARTICLE}/publish", {"at": "0001-01-01T00:00:00Z"}, "at"),
        (f"{ARTICLE}/publish", {"at": 1e300}, "at"),
        (f"{ARTICLE}/publish", {"at": ""}, "at"),
        (f"{ARTICLE}/rollback", {"version": 10**40}, "version"),
        (f"{ARTICLE}/rollback", {"version": "١"}, "version"),
        (f"{ARTICLE}/rollback", {"version": 0}, "version"),
        ("/api/feedback", {"article_id": "", "helpful": True}, "article_id"),
        ("/api/departments/" + "x" * 61, {"name": "供热办"}, "code"),
    ],
)
def test_a_bad_body_field_is_a_400_naming_it(client: Client, admin: dict[str, str], path: str, body: dict, field: str):
    method = "PUT" if path.startswith("/api/departments/") else "POST"
    response = send(client, method, path, {**admin, "If-Match": '"1"'}, json.dumps(body).encode())
    assert response.status_code == 400, response.body
    assert response.json_body["error"]["code"] == "invalid_input" and response.json_body["error"]["field"] == field


def test_an_article_of_the_longest_chinese_markdown_saves_even_sent_as_ascii_escapes(
    client: Client, admin: dict[str, str]
):
    start = article_text("heating-long-guide")
    markdown = start + "长" * (MARKDOWN_MAX_CHARS - len(start))  # the internal notes run on to the limit
    body = json.dumps({"markdown": markdown, "message": "说明" * 100}).encode()  # ensure_ascii: 6 bytes a character
    assert len(markdown) == MARKDOWN_MAX_CHARS and len(body) > 6 * MARKDOWN_MAX_CHARS
    created = send(client, "POST", "/api/articles", admin, body)
    assert created.status_code == 201, created.body
    assert send(client, "GET", "/api/articles/heating-long-guide/draft", admin).json_body["markdown"] == markdown


def test_a_body_over_the_limit_is_a_413_and_markdown_over_its_limit_a_400(client: Client, admin: dict[str, str]):
    too_big = json.dumps({"markdown": "长" * (MAX_BODY_BYTES // 6 + 1)}).encode()
    response = send(client, "POST", "/api/preview", admin, too_big)
    assert response.status_code == 413 and response.json_body["error"]["code"] == "payload_too_large"
    too_long = json.dumps({"markdown": "长" * (MARKDOWN_MAX_CHARS + 1)}, ensure_ascii=False).encode()
    response = send(client, "POST", "/api/preview", admin, too_long)
    assert response.status_code == 400 and response.json_body["error"]["field"] == "markdown"
