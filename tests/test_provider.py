"""Signing in through a real OIDC provider: the local one `make run` starts (tools/kb/provider.py, Authlib),
its tokens sent to the API, the claim mapping admins keep, and sessions that end with the provider's."""

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import TABLE_NAME, provider_tokens
from tools.kb.provider import CLIENT_ID, LocalProvider, running_provider
from tools.kb.serve import map_demo_groups

PAGE = "http://127.0.0.1:9/agent"  # the page the provider sends people back to (never opened here)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalProvider]:
    with running_provider("127.0.0.1", 0, ["http://127.0.0.1:9"]) as running:
        monkeypatch.setenv("OIDC_ISSUER", running.issuer)
        monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
        yield running


@pytest.fixture
def api(provider: LocalProvider, client: Client, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)  # as the stage sets it for the app's requests
    map_demo_groups()
    return client


def tokens(provider: LocalProvider, username: str) -> dict[str, Any]:
    return provider_tokens(provider.issuer, username, provider.people[username].password, PAGE)


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers}


def token_call(provider: LocalProvider, **fields: str) -> tuple[int, dict[str, Any]]:
    data = urllib.parse.urlencode({"client_id": CLIENT_ID, **fields}).encode()
    try:
        with urllib.request.urlopen(f"{provider.issuer}/token", data=data, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_person_signed_in_at_the_provider_calls_the_api_as_themselves(provider: LocalProvider, api: Client):
    options = api.http.get("/api/sign-in").json_body["provider"]
    assert options == {"issuer": provider.issuer, "client_id": CLIENT_ID, "scopes": "openid profile"}
    signed_in = tokens(provider, "demo-editor")
    me = api.http.get("/api/me", headers=bearer(signed_in["access_token"])).json_body
    assert me["principal"] == "oidc:demo-editor" and me["name"] == "演示编辑" and me["role"] == "editor"
    assert "heating-company" in me["departments"]
    assert api.http.get("/api/me", headers=bearer(signed_in["id_token"])).json_body["role"] == "editor"
    agent = tokens(provider, "demo-agent")["access_token"]
    assert api.http.get("/api/worklist", headers=bearer(agent)).status_code == 403


def test_a_session_renews_once_per_refresh_token_and_ends_with_the_providers(provider: LocalProvider, api: Client):
    first = tokens(provider, "demo-agent")
    status, renewed = token_call(provider, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert status == 200 and api.http.get("/api/me", headers=bearer(renewed["access_token"])).status_code == 200
    status, _ = token_call(provider, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert status == 400  # a refresh token is used once: a copy someone kept is worth nothing
    provider.end_session(next(iter(provider.sessions)))  # signed out at the provider (the pages' 退出 does this)
    status, refused = token_call(provider, grant_type="refresh_token", refresh_token=renewed["refresh_token"])
    assert status == 400 and refused["error"] == "invalid_grant"


def test_the_provider_insists_on_pkce_and_on_the_registered_page(provider: LocalProvider):
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": "https://evil.example/agent"}
    query |= {"scope": "openid", "state": "s", "nonce": "n", "code_challenge": "x" * 43}
    try:
        urllib.request.urlopen(f"{provider.issuer}/authorize?{urllib.parse.urlencode(query)}", timeout=10)
        raise AssertionError("an unregistered redirect address was accepted")
    except urllib.error.HTTPError as refused:
        assert refused.code == 400
    status, refused = token_call(provider, grant_type="authorization_code", code="made-up", redirect_uri=PAGE)
    assert status == 400


def test_admins_keep_the_claim_mapping_naming_the_revision_they_read(provider: LocalProvider, api: Client):
    admin = tokens(provider, "demo-admin")["access_token"]
    editor = tokens(provider, "demo-editor")["access_token"]
    assert api.http.get("/api/sign-in/mapping", headers=bearer(editor)).status_code == 403
    read = api.http.get("/api/sign-in/mapping", headers=bearer(admin))
    assert read.status_code == 200 and read.headers["ETag"] == '"1"' and len(read.json_body["rules"]) == 4
    rules = read.json_body["rules"] + [
        {"claim": "groups", "value": "water-editors", "role": "editor", "departments": ["water-company"]}
    ]
    body = json.dumps({"rules": rules})
    assert api.http.put("/api/sign-in/mapping", body=body, headers=bearer(admin)).status_code == 428
    stale = api.http.put("/api/sign-in/mapping", body=body, headers=bearer(admin, **{"If-Match": '"0"'}))
    assert stale.status_code == 409
    changed = api.http.put("/api/sign-in/mapping", body=body, headers=bearer(admin, **{"If-Match": '"1"'}))
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert changed.json_body["changed_by"] == "oidc:demo-admin"
    audit = api.http.get("/api/changes", headers=bearer(admin)).json_body["changes"]
    recorded = [c for c in audit if c["subject"] == "mapping:claims"]
    assert recorded[0]["actor"] == "oidc:demo-admin" and recorded[0]["actor_name"] == "演示管理员"
    assert "新增：groups=water-editors → 编辑（单位 water-company）" in recorded[0]["summary"]
    assert recorded[-1]["actor"] == "tool:kb-serve"  # the demo mapping `kb serve` wrote
    wrong = json.dumps({"rules": [{"claim": "groups", "value": "x", "role": "boss", "departments": []}]})
    refused = api.http.put("/api/sign-in/mapping", body=wrong, headers=bearer(admin, **{"If-Match": '"2"'}))
    assert refused.status_code == 400 and refused.json_body["error"]["field"].startswith("rules.0.role")
