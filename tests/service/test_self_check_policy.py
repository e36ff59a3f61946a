"""A self-check that teaches, not leaks: hidden scores (a near miss and a far
miss read the same), a limit of checks per student per part (by token, else
student id, else address; 429 with when it resets), release dates per part."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from grader.service.app import ServiceSettings, create_app  # noqa: E402
from grader.service.run import build_settings  # noqa: E402
from grader.service.self_check import (  # noqa: E402
    CheckLimiter,
    ReleaseSchedule,
    student_key,
)

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
PERFECT = ROOT / "submissions" / "typed-perfect" / "linreg.py"

NOW = datetime.now(timezone.utc)
LATER = NOW + timedelta(days=30)


def linreg(factor: float) -> str:
    """The right linreg.py with the normal-equation answer scaled by ``factor``."""
    text = PERFECT.read_text(encoding="utf-8")
    right = "return np.linalg.solve(X.T @ X, X.T @ y)"
    assert right in text
    return text.replace(right, f"return {factor!r} * np.linalg.solve(X.T @ X, X.T @ y)")


@pytest.fixture(scope="module")
def policy_client():
    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC},
        instructor_token="t",
        workers=2,
        rate_per_minute=0,
        hide_scores=True,
        checks_per_part=2,
        checks_window=3600,
        release=ReleaseSchedule({"ml-exam": {"q3": LATER, "q4.a": NOW - timedelta(days=1)}}),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keys(value)}
    if isinstance(node, list):
        return {k for value in node for k in _keys(value)}
    return set()


def _without_answers(body: dict) -> str:
    """The response less the echo of the student's own answer."""
    parts = [{k: v for k, v in part.items() if k != "answer"} for part in body["parts"]]
    return json.dumps({**body, "parts": parts}, sort_keys=True)


def test_hidden_scores_near_and_far_misses_read_the_same(policy_client):
    near, far = (
        policy_client.post(
            "/api/exams/ml-exam/check",
            json={"files": {"linreg.py": linreg(factor)}, "student": f"s-{factor}"},
        )
        for factor in (1.0001, 10.0)
    )
    assert near.status_code == far.status_code == 200, near.text
    assert _without_answers(near.json()) == _without_answers(far.json())
    body = near.json()
    assert body["scores_hidden"] is True
    assert not {"score", "max_score", "marks", "details", "evidence"} & _keys(body)
    (part,) = [p for p in body["parts"] if p["id"] == "q1.e"]
    assert part["status"] == "not_yet"
    assert any(
        line.startswith("test least-squares: does not give the expected result yet")
        for line in part["feedback"]
    )
    text = " ".join(part["feedback"])
    assert "absolute error" not in text and "about" not in text  # no "max absolute error 1e-4"
    assert not re.search(r"\d\.\d+e[-+]\d+", text)


def test_with_scores_shown_the_two_misses_differ(service_client):
    """The control: the plain view does measure the distance (so the test above can fail)."""
    near, far = (
        service_client.post("/api/exams/ml-exam/check", json={"files": {"linreg.py": linreg(f)}})
        for f in (1.0001, 10.0)
    )
    assert _without_answers(near.json()) != _without_answers(far.json())


def test_hidden_scores_keep_what_is_missing_and_the_ideas_found(policy_client):
    answer = "Linear regression is supervised learning."
    response = policy_client.post(
        "/api/exams/ml-exam/parts/q1.a/check", json={"answer": answer, "student": "ideas"}
    )
    assert response.status_code == 200, response.text
    part = response.json()["part"]
    assert part["status"] == "not_yet"
    assert part["found"] and any("supervised" in text for text in part["found"])
    assert part["feedback"]  # what is still missing
    assert "score" not in part


def test_a_right_part_says_complete(policy_client):
    response = policy_client.post(
        "/api/exams/ml-exam/check",
        json={"files": {"linreg.py": PERFECT.read_text()}, "student": "perfect"},
    )
    (part,) = [p for p in response.json()["parts"] if p["id"] == "q1.e"]
    assert (part["status"], part["feedback"]) == ("complete", [])


def test_the_check_limit_is_per_student_and_part_and_says_when_it_resets(policy_client):
    def check(part="q1.a", **extra):
        body = {"answer": "Supervised, continuous output.", **extra.pop("body", {})}
        return policy_client.post(f"/api/exams/ml-exam/parts/{part}/check", json=body, **extra)

    alice = {"headers": {"Authorization": "Bearer alice-token"}}
    assert check(**alice).json()["checks_left"] == 1
    assert check(**alice).json()["checks_left"] == 0
    third = check(**alice)
    assert third.status_code == 429
    error = third.json()["error"]
    assert error["code"] == "check_limit"
    assert "used your 2 checks of q1.a in the last 1 h" in error["message"]
    resets = datetime.fromisoformat(error["resets_at"].replace("Z", "+00:00"))
    assert NOW < resets <= datetime.now(timezone.utc) + timedelta(hours=1, seconds=5)
    assert 0 < int(third.headers["retry-after"]) <= 3600
    # another part, another token, a student id: their own counts
    assert check(part="q1.b", **alice).status_code == 200
    assert check(headers={"Authorization": "Bearer bob-token"}).status_code == 200
    assert check(body={"student": "carol"}).status_code == 200


def test_release_dates_per_part(policy_client):
    closed = policy_client.post(
        "/api/exams/ml-exam/parts/q3.a/check", json={"answer": "x", "student": "early"}
    )
    assert closed.status_code == 403
    error = closed.json()["error"]
    assert error["code"] == "not_open" and "q3.a is not open yet" in error["message"]
    assert error["opens_at"] == LATER.strftime("%Y-%m-%dT%H:%M:%SZ")
    opened = policy_client.post(
        "/api/exams/ml-exam/parts/q4.a/check", json={"answer": "x", "student": "early"}
    )
    assert opened.status_code == 200
    sheet = policy_client.post(
        "/api/exams/ml-exam/check",
        json={"answers": {"q3.a": "sequential", "q1.d": "expensive"}, "student": "early"},
    ).json()
    statuses = {p["id"]: p["status"] for p in sheet["parts"]}
    assert statuses["q3.a"] == "not_open" and statuses["q1.d"] in {"complete", "not_yet"}
    exams = policy_client.get("/api/exams/ml-exam").json()
    opens = {p["id"]: p["opens_at"] for p in exams["parts"]}
    assert opens["q3.e"] == error["opens_at"] and opens["q1.a"] is None


def test_student_tokens_must_be_on_the_list(tmp_path):
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# token student\nabc123 alice\n")
    settings = build_settings(
        rubric_paths=[str(RUBRIC)], student_tokens=str(tokens), checks_per_part=1
    )
    settings.workers, settings.rate_per_minute = 1, 0
    with TestClient(create_app(settings)) as client:
        url = "/api/exams/ml-exam/parts/q1.a/check"
        body = {"answer": "supervised"}
        assert client.post(url, json=body).status_code == 401
        assert (
            client.post(url, json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
        )
        good = {"Authorization": "Bearer abc123"}
        assert client.post(url, json=body, headers=good).status_code == 200
        assert client.post(url, json=body, headers=good).status_code == 429


def test_limiter_window_rolls():
    limiter = CheckLimiter(per_part=2, window=100)
    limiter.count("s", "e", ["p"], now=0)
    limiter.count("s", "e", ["p"], now=50)
    assert limiter.exhausted("s", "e", ["p"], now=60) == {"p": pytest.approx(40)}
    assert limiter.exhausted("s", "e", ["p"], now=100.5) == {}
    assert CheckLimiter(per_part=0, window=1).exhausted("s", "e", ["p"]) == {}


@pytest.mark.parametrize(
    ("authorization", "student", "key"),
    [
        ("Bearer abc", "alice", "token:"),
        (None, "alice", "id:alice"),
        (None, None, "address:10.0.0.1"),
    ],
    ids=["token", "student-id", "address"],
)
def test_who_is_checking(authorization, student, key):
    found = student_key(authorization=authorization, student=student, client="10.0.0.1")
    assert found.startswith(key)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["q2=tomorrow"], "is not an ISO 8601 date or time"),
        (["q2"], "write PART=WHEN"),
        (["other:q2=2026-01-01"], "no rubric served for exam 'other'"),
    ],
)
def test_bad_release_options_are_one_line_errors(option, message):
    from grader.errors import InputError

    with pytest.raises(InputError, match=message):
        build_settings(rubric_paths=[str(RUBRIC)], release=option)
