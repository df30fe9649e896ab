"""`make run` underneath: kb serve starts the embedded DynamoDB, loads knowledge/ and answers HTTP."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from tests.conftest import PROJECT_DIR


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.kb", "serve", "--port", str(port)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/health", timeout=2)
            break
        except OSError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=30)


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_readme_search_finds_the_heating_article(server_url: str):
    status, body = fetch(f"{server_url}/api/search?q={quote('暖气不热')}")
    assert status == 200 and body["hits"][0]["id"] == "heating-radiator-not-warm"


def test_an_internal_article_is_404_for_an_anonymous_caller(server_url: str):
    status, body = fetch(f"{server_url}/api/articles/center-repair-request")
    assert status == 404 and body["error"]["code"] == "not_found"
