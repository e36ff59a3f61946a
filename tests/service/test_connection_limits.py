"""Limits on a live uvicorn (the server the service runs on): a student has a
rate-limit bucket of their own (bearer token or X-Student-Id) besides the
address's; request headers and bodies sent a byte at a time are cut off with
408 and a closed connection; grading requests past the in-flight limits are
refused at once (503 / 429 with Retry-After) instead of queueing; health
reports the pool's real state."""

from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("uvicorn")
import httpx  # noqa: E402

from grader.service.app import ServiceSettings, create_app  # noqa: E402
from grader.service.run import server_options  # noqa: E402
from tests.service.conftest import RUBRIC, serve_in_thread  # noqa: E402

TOKEN = "limits-token"
# Student code that runs until its request's deadline.
SLOW_CODE = b"import time\n\n\ndef fit_normal_equation(X, y):\n    time.sleep(60)\n"
SHEET = b"## Q1\n\n(a) Linear regression predicts a continuous target.\n"
GOOD_PART = "/api/exams/ml-exam/parts/q2.c/check"
GOOD_ANSWER = {"answer": r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"}


def _settings(**changes) -> ServiceSettings:
    values = {
        "rubrics": {"ml-exam": RUBRIC},
        "instructor_token": TOKEN,
        "workers": 1,
        "heavy_workers": 1,
        "rate_per_minute": 0,
    }
    return ServiceSettings(**{**values, **changes})


def _serve(settings: ServiceSettings):
    return serve_in_thread(
        create_app(settings), **server_options(header_timeout=settings.header_timeout)
    )


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _trickle(url: str, first: bytes, then: bytes, *, every: float = 0.2) -> bytes:
    """Send ``first`` at once, then ``then`` a byte every ``every`` seconds
    until the server answers or closes; what it answered (b"" if nothing)."""
    with socket.create_connection(_host_port(url), timeout=60) as connection:
        connection.sendall(first)
        connection.settimeout(every)
        answer = b""
        for byte in then:
            try:
                connection.sendall(bytes([byte]))
            except OSError:  # closed by the server
                break
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
        connection.settimeout(60)
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


@pytest.fixture(scope="module")
def guarded_server():
    """Short header and body deadlines (1 s), one worker per lane."""
    settings = _settings(header_timeout=1.0, body_timeout=1.0)
    with _serve(settings) as url:
        yield url


def test_headers_sent_a_byte_at_a_time_are_cut_off_with_408(guarded_server):
    request = b"GET /api/exams HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    answer = _trickle(guarded_server, b"", request)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert b"header_timeout" in answer


def test_a_connection_that_sends_nothing_is_closed():
    settings = _settings(header_timeout=1.0)
    with _serve(settings) as url:
        with socket.create_connection(_host_port(url), timeout=60) as connection:
            answer = connection.recv(65536)  # blocks until the server gives up on it
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]


def test_a_body_sent_a_byte_at_a_time_is_cut_off_with_408(guarded_server):
    body = b'{"answer": "' + b"x" * 300 + b'"}'
    head = (
        b"POST /api/exams/ml-exam/parts/q1.a/check HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
    )
    answer = _trickle(guarded_server, head, body)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert b"body_timeout" in answer and b"connection: close" in answer.lower()


def test_a_normal_request_is_not_cut_off(guarded_server):
    response = httpx.post(f"{guarded_server}{GOOD_PART}", json=GOOD_ANSWER, timeout=120)
    assert response.status_code == 200, response.text
    # a kept-alive connection serves a second request after the first
    with httpx.Client(base_url=guarded_server, timeout=120) as client:
        assert [client.get("/api/exams").status_code for _ in range(3)] == [200] * 3


def test_each_student_has_a_bucket_of_their_own_and_the_address_one_more():
    settings = _settings(
        rate_per_minute=3, rate_burst=3, address_rate_per_minute=8, address_rate_burst=8
    )
    with _serve(settings) as url:

        def get(**headers) -> int:
            return httpx.get(f"{url}/api/exams", headers=headers, timeout=60).status_code

        # one student (by token) is limited on their own ...
        ada = [get(Authorization="Bearer ada-token") for _ in range(4)]
        assert ada == [200, 200, 200, 429]
        # ... the next student from the same address is not held back by them
        assert [get(**{"X-Student-Id": "bob"}) for _ in range(3)] == [200] * 3
        # made-up student ids from one address stop at the address's bucket (8)
        others = [get(**{"X-Student-Id": f"made-up-{i}"}) for i in range(4)]
        assert others[:2] == [200, 200] and others[2:] == [429, 429]
        # an anonymous request is its address's (its 3 are spent as ada's are not)
        response = httpx.get(f"{url}/api/exams", timeout=60)
        assert response.status_code == 200
        assert [get() for _ in range(3)][-1] == 429


def _upload_slow(url: str, student: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/exams/ml-exam/grade/upload",
        files=[("files", ("sheet.md", SHEET)), ("files", ("linreg.py", SLOW_CODE))],
        headers={"Authorization": f"Bearer {TOKEN}", "X-Student-Id": student},
        timeout=120,
    )


def _wait_busy(url: str, busy: int) -> None:
    """Until the main lane has ``busy`` requests running (generous bound)."""
    for _ in range(600):
        health = httpx.get(f"{url}/api/health", timeout=60).json()
        if health["workers"]["busy"] >= busy:
            return
        time.sleep(0.1)
    pytest.fail(f"never {busy} busy: {health}")


def test_requests_over_the_in_flight_limit_are_refused_at_once():
    settings = _settings(request_timeout=6.0, max_in_flight=1, max_in_flight_per_client=1)
    with _serve(settings) as url:
        results: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: results.append(_upload_slow(url, "ada")))
        slow.start()
        _wait_busy(url, 1)
        refused = httpx.post(
            f"{url}{GOOD_PART}",
            json=GOOD_ANSWER,
            headers={"X-Student-Id": "bob"},
            timeout=120,
        )
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "busy"
        assert refused.headers["retry-after"] == "2"
        # the health route tells what is going on
        health = httpx.get(f"{url}/api/health", timeout=60).json()
        assert health["in_flight"] == 1 and health["workers"]["busy"] == 1
        slow.join(timeout=120)
        # over: the sandbox stopped the code (a report), or the deadline did (504)
        assert results and results[0].status_code in (200, 504), results[0].text
        # once the slow one is over, the same request is graded
        again = httpx.post(f"{url}{GOOD_PART}", json=GOOD_ANSWER, timeout=120)
        assert again.status_code == 200, again.text
        part = again.json()["part"]
        assert part["id"] == "q2.c" and part["score"] > 0  # the line it has is right


def test_one_student_cannot_hold_more_than_their_share():
    settings = _settings(workers=2, request_timeout=6.0, max_in_flight_per_client=1)
    with _serve(settings) as url:
        results: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: results.append(_upload_slow(url, "ada")))
        slow.start()
        _wait_busy(url, 1)
        second = _upload_slow(url, "ada")
        assert second.status_code == 429, second.text
        assert second.json()["error"]["code"] == "too_many_at_once"
        # another student is served meanwhile, by the other worker
        other = httpx.post(
            f"{url}{GOOD_PART}",
            json=GOOD_ANSWER,
            headers={"X-Student-Id": "bob"},
            timeout=120,
        )
        assert other.status_code == 200, other.text
        slow.join(timeout=120)
        # over: the sandbox stopped the code (a report), or the deadline did (504)
        assert results and results[0].status_code in (200, 504), results[0].text
