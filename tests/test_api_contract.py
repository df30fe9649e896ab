"""schemathesis generates requests from /api/openapi.json against the running service: none may get a 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_no_request_the_spec_allows_gets_a_server_error(live_server: str, demo_keys: dict[str, str]):
    # Driven by hand: schemathesis' pytest plugin does not load under pytest 9.
    schema = schemathesis.openapi.from_url(f"{live_server}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 24  # every operation but the document's own path
    failures: list[str] = []
    calls = []

    def checker(headers: dict[str, str]):
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:
            response = case.call(timeout=30, headers=headers)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        return check

    # Anonymous, and as an editor (who may write drafts but not publish, so the shared server stays intact).
    for headers in ({}, {"Authorization": f"Bearer {demo_keys['editor']}"}):
        for operation in operations:
            given(case=operation.as_strategy())(checker(headers))()
    assert len(calls) > 24 * 2 * 5 and failures == []
