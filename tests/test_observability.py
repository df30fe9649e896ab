"""Each request: one JSON log line and one CloudWatch metrics record (EMF), with no query text in either."""

import io
import json
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib import observability

QUERY = "我电话13912345678暖气不热"


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch):
    """The Powertools logger's output, as lines; its handler writes wherever stdout was when it was made."""
    buffer = io.StringIO()
    handler = observability.logger.registered_handler
    previous = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    handler.setStream(previous)


def emf_records(printed: str) -> list[dict]:
    records = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    return [r for r in records if "_aws" in r]


def values(record: dict, name: str) -> list[float]:
    """An EMF metric's values: one number, or a list of them."""
    value = record[name]
    return value if isinstance(value, list) else [value]


def test_a_search_writes_one_log_line_and_one_metrics_record_without_its_words(
    client: Client, log_lines, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    reply = client.http.get(f"/api/search?settled=true&q={quote(QUERY)}")
    assert reply.status_code == 200

    [line] = [entry for entry in log_lines() if entry["message"] == "request"]
    assert line["route"] == "/api/search" and line["method"] == "GET" and line["status"] == 200
    assert line["role"] == "anonymous" and line["answered"] is True and line["settled"] is True
    assert line["generation"] > 0 and line["hits"] > 0 and isinstance(line["latency_ms"], float)
    assert line["service"] == "zhida" and line["level"] == "INFO"
    [record] = emf_records(capsys.readouterr().out)
    [directive] = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Zhida"
    assert {m["Name"] for m in directive["Metrics"]} >= {"Requests", "Latency", "ServerErrors", "Answered", "Abstained"}
    assert record["route"] == "/api/search" and values(record, "Answered") == [1.0] == values(record, "Requests")
    assert values(record, "Abstained") == [0.0]
    for written in (json.dumps(line, ensure_ascii=False), json.dumps(record, ensure_ascii=False)):
        assert "13912345678" not in written and "暖气" not in written


def test_a_refused_request_is_logged_with_its_status(client: Client, log_lines) -> None:
    client.http.get("/api/tasks")

    [line] = [entry for entry in log_lines() if entry["message"] == "request"]
    assert line["route"] == "/api/tasks" and line["status"] == 401
