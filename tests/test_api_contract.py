"""The API document and the routes are one: every route is documented, every reply matches its schema."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import app
from chalicelib.web.routes.running import document as _document
from tests.conftest import running_server, server_keys


def test_every_route_is_documented_and_every_documented_path_is_a_route():
    routes = {(path, method) for path, methods in app.routes.items() for method in methods}
    documented = {(path, method.upper()) for path, methods in _document()["paths"].items() for method in methods}
    assert routes == documented
    assert len(routes) > 35


def test_every_documented_error_status_has_the_error_shape():
    for path, methods in _document()["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and path.startswith("/api/"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own: the fuzzing writes, and it runs beside the browser tests' server, not after it."""
    with running_server(tmp_path_factory.mktemp("fuzzed") / "local.jsonl") as url:
        yield url


@pytest.mark.server
def test_no_request_the_spec_allows_gets_a_server_error_or_a_reply_unlike_the_spec(fuzzed_server: str):
    keys = server_keys(fuzzed_server)
    # Driven by hand: schemathesis' pytest plugin does not load under pytest 9.
    schema = schemathesis.openapi.from_url(f"{fuzzed_server}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30  # every operation but the document's own path
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
    failures: list[str] = []
    calls = []

    def checker(headers: dict[str, str]):
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:
            try:
                response = case.call_and_validate(timeout=30, headers=headers, checks=checks)
                calls.append(response.status_code)
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collect them all, then report
                failures.append(f"{case.method} {case.formatted_path}: {str(failure)[:300]}")

        return check

    # Anonymous, and as an editor (who may write drafts but not publish, so the shared server stays intact).
    for headers in ({}, {"Authorization": f"Bearer {keys['editor']}"}):
        for operation in operations:
            given(case=operation.as_strategy())(checker(headers))()
    assert failures == [] and len(calls) > 30 * 2 * 5, failures[:10]


def test_the_document_states_the_date_bounds_and_the_required_revision():
    parameters = {
        (path, parameter["name"]): parameter
        for path, methods in _document()["paths"].items()
        for operation in methods.values()
        for parameter in operation.get("parameters", [])
    }
    as_of = parameters[("/api/search", "as_of")]["schema"]
    as_of = next(option for option in as_of.get("anyOf", [as_of]) if option.get("type") == "string")
    assert as_of["formatMinimum"].startswith("1970-01-01") and as_of["formatMaximum"].startswith("2100-12-31")
    report_date = parameters[("/api/reports", "date")]["schema"]
    assert (report_date["formatMinimum"], report_date["formatMaximum"]) == ("1970-01-01", "2100-12-31")
    assert parameters[("/api/articles/{article_id}/approve", "If-Match")]["required"] is True
