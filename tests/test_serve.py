"""`make run` underneath: kb serve starts the embedded DynamoDB, loads knowledge/ and answers HTTP."""

import json
import signal
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from tests.conftest import article_text, running_server, server_keys


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


def test_an_edit_made_through_the_api_survives_ctrl_c_and_a_new_run(tmp_path: Path):
    data = tmp_path / "local.jsonl"
    markdown = article_text("heating-restart-check", title="重启以后还在吗")
    with running_server(data, stop_signal=signal.SIGINT) as url:
        editor = {"Authorization": f"Bearer {server_keys(url)['editor']}", "Content-Type": "application/json"}
        body = json.dumps({"markdown": markdown}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(f"{url}/api/articles", data=body, headers=editor, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
    assert data.is_file()
    with running_server(data) as url:
        editor = {"Authorization": f"Bearer {server_keys(url)['editor']}"}
        request = urllib.request.Request(f"{url}/api/articles/heating-restart-check/draft", headers=editor)
        with urllib.request.urlopen(request, timeout=30) as response:
            draft = json.loads(response.read())
    assert draft["markdown"] == markdown and draft["state"] == "draft" and draft["updated_by"] == "demo editor"
