"""A request past its deadline answers 504 and its work stops: the worker
process that had it is killed (gone from the process table), a new one takes
its place, and the next request is served."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
TOKEN = "deadline-token"
# Student code that would run far past the request's deadline.
SLOW_CODE = (
    "import time\n\n\ndef fit_normal_equation(X, y):\n    time.sleep(60)\n\n\n"
    "def gradient_descent(X, y, lr=0.01, n_iter=100):\n    time.sleep(60)\n"
)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    if not os.path.isdir("/proc"):
        pytest.skip("needs /proc")
    from fastapi.testclient import TestClient

    from grader.service.app import ServiceSettings, create_app

    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC},
        instructor_token=TOKEN,
        workers=1,
        # long enough for a fresh worker's first check on a loaded machine
        request_timeout=10.0,
        rate_per_minute=0,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_request_past_its_deadline_is_504_and_its_worker_is_killed(client):
    pool = client.app.state.pool
    (before,) = pool.pids()
    assert _alive(before)
    sheet = (ROOT / "submissions" / "typed-perfect" / "sheet.md").read_bytes()
    response = client.post(
        "/api/exams/ml-exam/grade/upload",
        files=[("files", ("sheet.md", sheet)), ("files", ("linreg.py", SLOW_CODE.encode()))],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 504, response.text
    assert response.json()["error"]["code"] == "timed_out"
    assert not _alive(before), "the worker that had the request still runs"
    (after,) = pool.pids()
    assert after != before
    # the replacement serves the next request
    pool.warm_up()
    response = client.post(
        "/api/exams/ml-exam/parts/q1.a/check",
        json={"answer": "Linear regression predicts a continuous target."},
    )
    assert response.status_code == 200, response.text
    assert response.json()["part"]["id"] == "q1.a"
