"""The app as Lambda runs it: raw API Gateway proxy events (stage prefix included) and the schedule's event."""

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.wiring import Stores
from tests.conftest import PROJECT_DIR

STAGE = "api"


def gateway_event(
    method: str,
    resource: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> dict[str, Any]:
    """A REST API proxy event as API Gateway sends it: the stage is in requestContext.path, not in path."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Host": "abc123.execute-api.cn-north-1.amazonaws.com.cn", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "identity": {"sourceIp": "203.0.113.9"},
            "requestId": "test-request",
        },
        "body": json.dumps(body, ensure_ascii=False) if body is not None else None,
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "zhida-dev"
    memory_limit_in_mb = 1024
    aws_request_id = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def invoke(app: Any, event: dict[str, Any]) -> dict[str, Any]:
    return app(event, LambdaContext())


@pytest.fixture
def lambda_app(synced_store: Stores, monkeypatch: pytest.MonkeyPatch):
    import app as module

    monkeypatch.setenv("TABLE_NAME", synced_store.table.name)
    wiring.reset()
    yield module.app
    wiring.reset()


def test_a_search_event_answers_json_with_hits(lambda_app) -> None:
    reply = invoke(lambda_app, gateway_event("GET", "/api/search", "/api/search", query={"q": "暖气不热"}))

    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(reply["body"])["hits"][0]["id"] == "heating-radiator-not-warm"


def test_pages_behind_the_stage_prefix_link_inside_the_stage(lambda_app) -> None:
    root = invoke(lambda_app, gateway_event("GET", "/", "/"))
    article = invoke(
        lambda_app,
        gateway_event(
            "GET",
            "/faq/{article_id}",
            "/faq/heating-radiator-not-warm",
            path_parameters={"article_id": "heating-radiator-not-warm"},
        ),
    )

    assert root["statusCode"] == article["statusCode"] == 200
    for page in (root["body"], article["body"]):
        assert 'href="/' not in page and 'src="/' not in page  # absolute links would leave /api/


def test_a_static_file_event_is_served_with_its_type(lambda_app) -> None:
    reply = invoke(
        lambda_app,
        gateway_event("GET", "/static/{name}", "/static/zhida.css", path_parameters={"name": "zhida.css"}),
    )

    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("text/css")


def test_a_bad_event_is_a_4xx_in_the_error_shape_never_a_500(lambda_app) -> None:
    reply = invoke(lambda_app, gateway_event("GET", "/api/search", "/api/search", query={"q": ""}))

    assert reply["statusCode"] == 400
    assert json.loads(reply["body"])["error"]["field"] == "q"


CORS_PROBE = """
import json, sys
from chalice.config import Config
from chalice.local import LocalGateway
from app import app

gateway = LocalGateway(app, Config())
origin = sys.argv[1]
asking = {"Origin": origin, "Access-Control-Request-Method": "GET"}
preflight = gateway.handle_request("OPTIONS", "/api/openapi.json", asking, b"")
reply = gateway.handle_request("GET", "/api/openapi.json", {"Origin": origin}, b"")
print(json.dumps({"preflight": preflight, "reply": {"statusCode": reply["statusCode"], "headers": reply["headers"]}}))
"""


def test_with_cors_on_a_preflight_names_the_origin_and_the_headers() -> None:
    """API Gateway answers the preflight itself (chalice declares it), as chalice's local gateway does.

    In a process of its own: the app reads CORS_ALLOW_ORIGIN when it is imported, and importing it again
    here would leave the pages blueprint bound to another app for the tests after this one.
    """
    origin = "https://12345.example.gov.cn"
    environment = {**os.environ, "CORS_ALLOW_ORIGIN": origin, "TABLE_NAME": "zhida-dev"}
    probe = subprocess.run(
        [sys.executable, "-c", CORS_PROBE, origin], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr
    replies = json.loads(probe.stdout.strip().splitlines()[-1])

    preflight, reply = replies["preflight"], replies["reply"]
    assert preflight["statusCode"] == 200
    assert preflight["headers"]["Access-Control-Allow-Origin"] == origin
    assert "If-Match" in preflight["headers"]["Access-Control-Allow-Headers"]
    assert reply["statusCode"] == 200 and reply["headers"]["Access-Control-Allow-Origin"] == origin


def test_the_schedule_event_runs_the_maintenance_job(synced_store: Stores, monkeypatch) -> None:
    from app import app

    ran = []
    monkeypatch.setattr(wiring, "maintenance", lambda: ran.append(True))
    with Client(app, stage_name="dev") as client:
        client.lambda_.invoke("maintenance", client.events.generate_cw_event("Scheduled Event", "aws.events", {}, []))

    assert ran == [True]
