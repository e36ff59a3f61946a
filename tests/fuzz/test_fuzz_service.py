"""Fuzzing the service over ASGI (FastAPI's test client): hostile bodies and
headers from the corpus (tests/files/hostile/http/, headers.json) and
generated ones, to every grading route. Each ends in a report or one clear
error in the service's JSON shape; never a 500, never a stack trace."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import HOSTILE, ML_RUBRIC, corpus

pytest.importorskip("fastapi")

TOKEN = "fuzz-token"
ROUTES = [
    "/api/exams/ml-exam/check",
    "/api/exams/ml-exam/parts/q2.c/check",
    "/api/exams/ml-exam/grade?format=md",
]
HEADERS = json.loads((HOSTILE / "headers.json").read_text())
NORMAL_BODY = {"answer": r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"}
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from grader.service.app import ServiceSettings, create_app

    settings = ServiceSettings(
        rubrics={"ml-exam": ML_RUBRIC},
        instructor_token=TOKEN,
        workers=1,
        heavy_workers=1,
        rate_per_minute=0,
        request_timeout=15.0,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_answered(response, where: str) -> None:
    """A report, or one error of the service's shape; no 500, no trace."""
    assert response.status_code != 500, f"{where}: {response.text[:300]}"
    assert "Traceback" not in response.text, where
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["status"] == response.status_code, where
        assert error["code"] and error["message"] and "\n" not in error["message"], where


def _post(client, route: str, body: bytes, headers: dict | None = None):
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Content-Type": "application/json",
        **(headers or {}),
    }
    return client.post(route, content=body, headers=headers)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("path", corpus("http"), ids=lambda p: p.name)
def test_hostile_bodies(client, path, route):
    response = _post(client, route, path.read_bytes())
    assert_answered(response, f"{path.name} to {route}")
    if path.name.startswith(("alias-bomb-files", "python-tag-file")) and "parts" not in route:
        assert response.status_code == 400, response.text


@pytest.mark.parametrize("path", corpus("sheets")[:8], ids=lambda p: p.name)
def test_hostile_uploads(client, path):
    response = client.post(
        "/api/exams/ml-exam/grade/upload",
        files=[("files", ("sheet.md", path.read_bytes()))],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert_answered(response, path.name)


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_hostile_headers(client, name):
    headers = [(key.encode(), value.encode("latin-1")) for key, value in HEADERS[name]]
    body = json.dumps(NORMAL_BODY).encode()
    for route in ("/api/exams/ml-exam/parts/q2.c/check", "/api/exams/ml-exam/grade"):
        names = {key.lower() for key, _ in headers}
        base = [(b"content-type", b"application/json")] if b"content-type" not in names else []
        if b"content-length" in names:
            base += [(b"content-length", dict(headers)[b"content-length"])]
            headers = [h for h in headers if h[0] != b"content-length"]
        response = client.request("POST", route, content=body, headers=[*base, *headers])
        assert_answered(response, f"{name} to {route}")
    assert_answered(client.get("/api/exams", headers=headers), f"{name} to /api/exams")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.fixed_dictionaries(
        {},
        optional={
            "sheet": json_values,
            "answers": json_values,
            "files": json_values,
            "answer": json_values,
        },
    ).map(lambda body: json.dumps(body).encode()),
)


@FUZZ
@given(body=bodies, route=st.sampled_from(ROUTES))
def test_generated_bodies(client, body, route):
    assert_answered(_post(client, route, body), f"{body[:80]!r} to {route}")


header_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20).filter(
    lambda name: name not in {"content-length", "transfer-encoding", "host"}
)
header_values = st.binary(max_size=60).map(
    lambda raw: bytes(b for b in raw if b not in (0, 10, 13)).strip()
)


@FUZZ
@given(headers=st.lists(st.tuples(header_names, header_values), max_size=6))
def test_generated_headers(client, headers):
    raw = [(name.encode(), value) for name, value in headers]
    if not any(name == b"content-type" for name, _ in raw):
        raw.append((b"content-type", b"application/json"))
    response = client.request(
        "POST",
        "/api/exams/ml-exam/parts/q2.c/check",
        content=json.dumps(NORMAL_BODY).encode(),
        headers=raw,
    )
    assert_answered(response, repr(headers))
