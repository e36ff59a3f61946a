"""Chaos on a live server: slow connections held open, an alias bomb, a
maximum-size sheet, a worker killed mid-request. After each, the next normal
request is answered, and answered right; health never claims what is not so.
(No wall-clock limits: the timeouts below only keep a broken server from
hanging the suite.)"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

pytest.importorskip("uvicorn")
import httpx  # noqa: E402

from grader.service.app import ServiceSettings, create_app  # noqa: E402
from grader.service.run import server_options  # noqa: E402
from tests.service.conftest import RUBRIC, serve_in_thread  # noqa: E402

TOKEN = "chaos-token"
NORMAL_PART = "/api/exams/ml-exam/parts/q2.c/check"
NORMAL_ANSWER = {"answer": r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"}
SLOW_CODE = b"import time\n\n\ndef fit_normal_equation(X, y):\n    time.sleep(60)\n"
# 30 levels of 9 aliases: a billion nodes if expanded (a few hundred bytes).
ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 30)
)


@pytest.fixture(scope="module")
def chaos_server():
    pytest.importorskip("fastapi")
    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC},
        instructor_token=TOKEN,
        workers=1,
        heavy_workers=1,
        rate_per_minute=0,
        request_timeout=8.0,
        header_timeout=2.0,
        body_timeout=2.0,
    )
    app = create_app(settings)
    with serve_in_thread(app, **server_options(header_timeout=settings.header_timeout)) as url:
        # the answer to a normal request on a quiet server: what it must stay
        _QUIET.append(_normal_part(url))
        yield url, app


_QUIET: list[dict] = []


def _normal_part(url: str) -> dict:
    response = httpx.post(f"{url}{NORMAL_PART}", json=NORMAL_ANSWER, timeout=120)
    assert response.status_code == 200, response.text
    part = response.json()["part"]
    assert part["id"] == "q2.c" and part["score"] > 0
    return part


def assert_normal_request_answered(url: str) -> None:
    """Answered, and the same answer as on a quiet server (timings aside)."""

    def without_timings(node):
        if isinstance(node, dict):
            return {k: without_timings(v) for k, v in node.items() if not k.endswith("seconds")}
        if isinstance(node, list):
            return [without_timings(v) for v in node]
        return node

    assert without_timings(_normal_part(url)) == without_timings(_QUIET[0])


def test_slow_connections_held_open_do_not_block_the_others(chaos_server):
    url, _ = chaos_server
    host, port = url.removeprefix("http://").split(":")
    held = []
    for _ in range(20):
        connection = socket.create_connection((host, int(port)), timeout=60)
        connection.sendall(b"POST /api/exams/ml-exam/check HTTP/1.1\r\nHost: x\r\n")
        held.append(connection)
    try:
        assert_normal_request_answered(url)
        # and the server lets go of them (408, then closed)
        for connection in held:
            answer = connection.recv(65536)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:60]
    finally:
        for connection in held:
            connection.close()
    assert_normal_request_answered(url)


def test_an_alias_bomb_is_refused_and_the_next_request_answered(chaos_server):
    url, _ = chaos_server
    response = httpx.post(
        f"{url}/api/exams/ml-exam/check", json={"files": {"answers.yaml": ALIAS_BOMB}}, timeout=120
    )
    assert response.status_code == 400, response.text
    assert "alias" in response.json()["error"]["message"].lower()
    assert_normal_request_answered(url)


def test_a_maximum_size_sheet_does_not_hold_up_a_normal_request(chaos_server):
    url, _ = chaos_server
    line = r"$$\frac{\partial L}{\partial z_2} = (a_2 - y)^{2} + x^{3} - x^{3}$$" + "\n"
    sheet = "## Q2\n\n(c)\n" + line * (190_000 // len(line))
    results: list[httpx.Response] = []
    big = threading.Thread(
        target=lambda: results.append(
            httpx.post(f"{url}/api/exams/ml-exam/check", json={"sheet": sheet}, timeout=120)
        )
    )
    big.start()
    try:
        assert_normal_request_answered(url)
    finally:
        big.join(timeout=120)
    assert results and results[0].status_code in (200, 504), results[0].text
    assert_normal_request_answered(url)


def test_a_worker_killed_mid_request_is_replaced(chaos_server):
    url, app = chaos_server
    pool = app.state.pool
    results: list[httpx.Response] = []
    slow = threading.Thread(
        target=lambda: results.append(
            httpx.post(
                f"{url}/api/exams/ml-exam/grade/upload",
                files=[
                    ("files", ("sheet.md", b"## Q1\n\n(a) x\n")),
                    ("files", ("linreg.py", SLOW_CODE)),
                ],
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=120,
            )
        )
    )
    slow.start()
    for _ in range(600):
        if httpx.get(f"{url}/api/health", timeout=60).json()["workers"]["busy"]:
            break
        time.sleep(0.1)
    (victim,) = pool.pids()
    os.kill(victim, signal.SIGKILL)
    slow.join(timeout=120)
    assert results, "the request was never answered"
    assert results[0].status_code == 503, results[0].text
    assert results[0].json()["error"]["code"] == "worker_lost"
    # health tells the truth: one worker replaced, never 'broken'
    for _ in range(1200):
        health = httpx.get(f"{url}/api/health", timeout=60)
        body = health.json()
        assert body["status"] != "broken", body
        if body["status"] == "ok":
            break
        assert health.status_code in (200, 503)
        time.sleep(0.1)
    assert health.status_code == 200 and body["workers"]["replaced"] == 1, body
    assert pool.pids() != [victim]
    assert_normal_request_answered(url)
