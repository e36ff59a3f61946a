"""The rate limit cannot be dodged with a made-up X-Forwarded-For, and its
table of clients stays bounded."""

from __future__ import annotations

import uuid

import pytest

pytest.importorskip("uvicorn")
import httpx  # noqa: E402

from grader.service import limits  # noqa: E402
from grader.service.app import ServiceSettings, create_app  # noqa: E402
from grader.service.run import server_options  # noqa: E402
from tests.service.conftest import RUBRIC, serve_in_thread  # noqa: E402


def _statuses(trusted: list[str]) -> list[int]:
    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC}, workers=1, rate_per_minute=3, rate_burst=3
    )
    with serve_in_thread(create_app(settings), **server_options(trusted)) as url:
        return [
            httpx.get(
                f"{url}/api/exams",
                headers={"X-Forwarded-For": f"10.0.{i}.{uuid.uuid4().int % 250}"},
            ).status_code
            for i in range(6)
        ]


def test_a_made_up_forwarded_address_does_not_dodge_the_limit():
    statuses = _statuses([])
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


def test_a_trusted_proxy_gives_each_forwarded_client_its_own_bucket():
    assert _statuses(["127.0.0.1"]) == [200] * 6


def test_the_table_of_clients_is_bounded(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CLIENTS", 100)
    limiter = limits.RateLimiter(per_minute=60, burst=5)
    for i in range(1000):
        assert limiter.allow(f"client-{i}", now=float(i))[0]
    assert len(limiter._buckets) <= 100
    # the most recent clients are still limited as before
    for _ in range(4):
        limiter.allow("client-999", now=999.0)
    assert limiter.allow("client-999", now=999.0) == (False, pytest.approx(1.0))
