"""API tests for every route of ``grader serve``: success and each error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from grader.service.app import ServiceSettings, create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
SAMPLE_SHEET = (ROOT / "tests" / "files" / "seed-student-ocr.md").read_text(encoding="utf-8")
TOKEN = "test-instructor-token"


@pytest.fixture(scope="module")
def client(service_client):
    return service_client


def test_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["exams"] == ["ml-exam"]


def test_exam_list_shows_parts_and_points_only(client, reference_strings, assert_no_reference):
    response = client.get("/api/exams")
    assert response.status_code == 200
    (exam,) = response.json()
    assert exam["id"] == "ml-exam"
    assert exam["max_score"] == pytest.approx(30)
    ids = [part["id"] for part in exam["parts"]]
    assert "q1.b" in ids and "q2.c" in ids
    assert_no_reference(response.text, reference_strings)


def test_one_exam(client):
    response = client.get("/api/exams/ml-exam")
    assert response.status_code == 200
    assert response.json()["id"] == "ml-exam"


def test_check_sheet_gives_student_view(client, reference_strings, assert_no_reference):
    response = client.post("/api/exams/ml-exam/check", json={"sheet": SAMPLE_SHEET})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["schema"] == "grader.report/1"
    assert 0 < report["score"] <= report["max_score"] == pytest.approx(30)
    part = next(p for p in report["parts"] if p["id"] == "q1.b")
    assert part["answer"]["found"]
    assert_no_reference(response.text, reference_strings)


def test_check_one_part(client, reference_strings, assert_no_reference):
    answer = r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"
    response = client.post("/api/exams/ml-exam/parts/q2.c/check", json={"answer": answer})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["part"]["id"] == "q2.c"
    assert body["part"]["score"] > 0
    assert_no_reference(response.text, reference_strings)


def test_instructor_grade_full_report(client):
    response = client.post(
        "/api/exams/ml-exam/grade",
        json={"sheet": SAMPLE_SHEET},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["max_score"] == pytest.approx(30)


def test_instructor_grade_markdown(client):
    response = client.post(
        "/api/exams/ml-exam/grade?format=md",
        json={"sheet": SAMPLE_SHEET},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert "q1" in response.text.lower()


def test_instructor_upload(client):
    files = [("files", ("sheet.md", SAMPLE_SHEET.encode(), "text/markdown"))]
    response = client.post(
        "/api/exams/ml-exam/grade/upload",
        files=files,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["score"] > 0
    # no server path in the answer: the upload's files are named as uploaded
    assert "grader-service-" not in response.text and "/tmp" not in response.text
    assert response.json()["submission"]["files"] == ["sheet.md"]


ERROR_CASES = [
    ("get", "/api/exams/nope", None, {}, 404, "unknown_exam"),
    ("post", "/api/exams/nope/check", {"sheet": "x"}, {}, 404, "unknown_exam"),
    ("post", "/api/exams/ml-exam/parts/q9.z/check", {"answer": "x"}, {}, 404, "unknown_part"),
    ("post", "/api/exams/ml-exam/check", {"answers": {"q9.z": "x"}}, {}, 404, "unknown_part"),
    ("post", "/api/exams/ml-exam/check", {}, {}, 400, "empty_submission"),
    ("post", "/api/exams/ml-exam/check", {"sheet": "a\x00b"}, {}, 400, "binary_data"),
    ("post", "/api/exams/ml-exam/check", {"sheet": 5}, {}, 422, "invalid_request"),
    ("post", "/api/exams/ml-exam/parts/q1.b/check", {}, {}, 422, "invalid_request"),
    (
        "post",
        "/api/exams/ml-exam/check",
        {"files": {"../etc/passwd": "x"}},
        {},
        400,
        "bad_file_name",
    ),
    ("post", "/api/exams/ml-exam/grade", {"sheet": "x"}, {}, 401, "unauthorized"),
    (
        "post",
        "/api/exams/ml-exam/grade",
        {"sheet": "x"},
        {"Authorization": "Bearer wrong"},
        401,
        "unauthorized",
    ),
    (  # a non-ASCII token was a 500 (compare_digest refuses such a str)
        "post",
        "/api/exams/ml-exam/grade",
        {"sheet": "x"},
        {"Authorization": "Bearer \u00e9t\u00e9".encode()},
        401,
        "unauthorized",
    ),
    (
        "post",
        "/api/exams/ml-exam/grade?format=docx",
        {"sheet": "1. x"},
        {"Authorization": f"Bearer {TOKEN}"},
        400,
        "unknown_format",
    ),
    ("get", "/api/nothing-here", None, {}, 404, "not_found"),
    ("get", "/katex/../../../../etc/passwd", None, {}, 404, "not_found"),
]


@pytest.mark.parametrize(
    "method, url, body, headers, status, code",
    ERROR_CASES,
    ids=[f"{case[4]}-{case[5]}-{case[1]}" for case in ERROR_CASES],
)
def test_errors_are_json_of_one_shape(client, method, url, body, headers, status, code):
    if method == "get":
        response = client.get(url, headers=headers)
    else:
        response = client.post(url, json=body, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert "Traceback" not in response.text


def test_malformed_json(client):
    response = client.post(
        "/api/exams/ml-exam/check",
        content=b'{"sheet": "unterminated',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_twenty_megabyte_answer_is_refused(client):
    big = "x" * (20 * 1024 * 1024)
    response = client.post(
        "/api/exams/ml-exam/parts/q1.a/check",
        content=json.dumps({"answer": big}).encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_streamed_body_over_the_limit_is_413_too(client):
    """No Content-Length (chunked): the limit is found while reading, and the
    answer is still 413, not the framework's 400."""

    def chunks():
        yield b'{"sheet": "'
        for _ in range(3):
            yield b"x" * 1_000_000
        yield b'"}'

    response = client.post(
        "/api/exams/ml-exam/check",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_binary_body(client):
    response = client.post(
        "/api/exams/ml-exam/check",
        content=bytes(range(256)) * 4,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_page_and_katex_are_served(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "/katex/katex.min.js" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/katex/katex.min.js").status_code == 200
    assert client.get("/katex/contrib/auto-render.min.js").status_code == 200


def test_openapi_describes_the_routes(client):
    schema = client.get("/openapi.json").json()
    assert "/api/exams/{exam_id}/check" in schema["paths"]
    assert "/api/exams/{exam_id}/parts/{part_id}/check" in schema["paths"]


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path):
    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC}, workers=1, rate_per_minute=60, rate_burst=3
    )
    with TestClient(create_app(settings)) as limited:
        statuses = [limited.get("/api/health").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200]
        assert statuses[-1] == 429
        response = limited.get("/api/health")
        assert response.json()["error"]["code"] == "rate_limited"
        assert int(response.headers["retry-after"]) >= 1


def test_code_answers_run_in_the_sandbox(client):
    """Code sent to the service is graded like batch code: the perfect file
    gets full marks, an attack gets nothing and leaves the service up."""
    perfect = (ROOT / "submissions" / "typed-perfect" / "linreg.py").read_text()
    response = client.post(
        "/api/exams/ml-exam/parts/q1.e/check",
        json={"answer": perfect, "files": {"linreg.py": perfect}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["part"]["score"] == pytest.approx(2)

    attack = "import os\nos._exit(0)\n"
    response = client.post(
        "/api/exams/ml-exam/parts/q1.e/check",
        json={"answer": attack, "files": {"linreg.py": attack}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["part"]["score"] == 0
    assert client.get("/api/health").status_code == 200
