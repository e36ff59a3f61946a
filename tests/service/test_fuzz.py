"""Property test of the API from its own OpenAPI description: whatever
schemathesis sends, no 500 and no reference text in any response."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("uvicorn")

from hypothesis import HealthCheck, given, settings  # noqa: E402


def test_no_server_error_and_no_leak(live_server, reference_strings, assert_no_reference):
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    failures: list[str] = []
    for operation in schema.get_all_operations():
        operation = operation.ok()

        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=live_server, timeout=60)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            assert_no_reference(response.text, reference_strings)

        run()
    assert not failures, failures
