"""`make run` underneath: kb serve starts the embedded DynamoDB, loads knowledge/ and answers HTTP."""

import json
import urllib.error
import urllib.request
from urllib.parse import quote


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_readme_search_finds_the_heating_article(live_server: str):
    status, body = fetch(f"{live_server}/api/search?q={quote('暖气不热')}")
    assert status == 200 and body["hits"][0]["id"] == "heating-radiator-not-warm"


def test_an_internal_article_is_404_for_an_anonymous_caller(live_server: str):
    status, body = fetch(f"{live_server}/api/articles/center-repair-request")
    assert status == 404 and body["error"]["code"] == "not_found"
