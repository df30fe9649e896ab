from urllib.parse import quote

import pytest
from chalice.test import Client

from app import app
from chalicelib.store import KnowledgeStore


@pytest.fixture
def client(synced_store: KnowledgeStore):
    with Client(app, stage_name="dev") as chalice_client:
        yield chalice_client


def get(client: Client, path: str):
    return client.http.get(path)


def test_search_finds_the_heating_article(client: Client):
    response = get(client, "/api/search?q=" + quote("暖气不热"))
    assert response.status_code == 200
    body = response.json_body
    assert body["query"] == "暖气不热" and body["answered"] is True
    assert body["hits"][0]["id"] == "heating-radiator-not-warm"
    assert set(body["hits"][0]) == {"id", "title", "category", "score", "snippet", "marks", "department"}


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


def test_health_reports_the_generation(client: Client):
    body = get(client, "/api/health").json_body
    assert body["status"] == "ok" and body["generation"] > 0
