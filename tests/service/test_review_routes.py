"""The review routes over a graded class: groups, decisions, regrade requests."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi import FastAPI, Header  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from grader import review  # noqa: E402
from grader.service.review import review_router  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOKEN = {"Authorization": "Bearer secret"}


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


@pytest.fixture
def results(graded_out, tmp_path):
    """A copy of the graded class: deciding writes its files again."""
    import shutil

    return Path(shutil.copytree(graded_out, tmp_path / "out"))


@pytest.fixture
def client(results, tmp_path):
    def instructor(authorization: str | None = Header(None)) -> None:
        if authorization != TOKEN["Authorization"]:
            raise _Refused(401, "unauthorized", "instructor token missing or wrong")

    app = FastAPI()

    @app.exception_handler(_Refused)
    async def refused(request, error: _Refused):
        return JSONResponse({"error": {"code": error.code, "message": error.message}}, error.status)

    database = str(tmp_path / "decisions.sqlite")
    app.include_router(review_router({"ml-exam": results}, database, instructor, _Refused))
    client = TestClient(app)
    client.database = database
    return client


def test_groups_need_the_token(client):
    assert client.get("/api/review/ml-exam/groups").status_code == 401


def test_groups_of_the_part_that_needs_a_person_first(client):
    body = client.get("/api/review/ml-exam/groups", headers=TOKEN).json()
    first = next(p for p in body["parts"] if p["undecided_flagged"])
    assert body["part"] == first["id"]
    assert body["groups"][0]["flagged"] >= 1
    chosen = client.get("/api/review/ml-exam/groups?part=q2.c", headers=TOKEN).json()
    assert chosen["part"] == "q2.c"
    assert sum(g["size"] for g in chosen["groups"]) == 5
    assert client.get("/api/review/nope/groups", headers=TOKEN).status_code == 404
    assert client.get("/api/review/ml-exam/groups?part=q9", headers=TOKEN).status_code == 404


def test_a_group_decision_is_recorded_for_each_member(client):
    groups = client.get("/api/review/ml-exam/groups?part=q2.b", headers=TOKEN).json()["groups"]
    group = max(groups, key=lambda g: g["size"])
    answer = client.post(
        "/api/review/ml-exam/decisions",
        headers=TOKEN,
        json={"part": "q2.b", "group": group["key"], "mark": 0.5, "author": "ada"},
    )
    assert answer.status_code == 200 and answer.json()["recorded"] == group["size"]
    after = client.get("/api/review/ml-exam/groups?part=q2.b", headers=TOKEN).json()["groups"]
    decided = next(g for g in after if g["key"] == group["key"])
    assert decided["decided"] == group["size"] and decided["decision"]["author"] == "ada"
    with review.open_store(client.database) as store:
        assert len(store.history("ml-exam", "q2.b")) == group["size"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"part": "q2.b", "group": "nope", "mark": 1, "author": "ada"}, 404),
        ({"part": "q2.b", "mark": 1, "author": "ada"}, 422),  # neither group nor students
        ({"part": "q2.b", "students": ["blank"], "author": "ada"}, 422),  # nothing to decide
        ({"part": "q2.b", "students": ["blank"], "mark": 7, "author": "ada"}, 422),  # > max
        ({"part": "q2.b", "students": ["nobody"], "mark": 1, "author": "ada"}, 404),
    ],
)
def test_bad_decisions_are_refused(client, body, status):
    assert (
        client.post("/api/review/ml-exam/decisions", headers=TOKEN, json=body).status_code == status
    )


def test_a_regrade_request_goes_round(client):
    asked = client.post(
        "/api/exams/ml-exam/regrade-requests",
        json={"student": "typed-mistakes", "part": "q2.c", "message": "dL/dw2 sign: see (b)"},
    )
    assert asked.status_code == 200
    request_id, secret = asked.json()["id"], asked.json()["secret"]
    queue = client.get("/api/review/ml-exam/regrade-requests", headers=TOKEN).json()
    assert [r["id"] for r in queue] == [request_id]
    answered = client.post(
        f"/api/review/ml-exam/regrade-requests/{request_id}",
        headers=TOKEN,
        json={"answer": "Agreed, ECF applies", "author": "ada", "mark": 3.5},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    seen = client.get(f"/api/exams/ml-exam/regrade-requests/{request_id}?secret={secret}").json()
    assert seen["answer"] == "Agreed, ECF applies"
    wrong = client.get(f"/api/exams/ml-exam/regrade-requests/{request_id}?secret=guess")
    assert wrong.status_code == 404
    with review.open_store(client.database) as store:
        (decision,) = store.history("ml-exam", "q2.c", "typed-mistakes")
        assert decision.mark == 3.5 and decision.source == "regrade request"
    unknown = client.post(
        "/api/exams/ml-exam/regrade-requests",
        json={"student": "nobody", "part": "q2.c", "message": "?"},
    )
    assert unknown.status_code == 404
