"""Request guards as plain ASGI middleware: body size and read-time limits,
and rate limits per student and per address. They answer with the service's
JSON error shape and never let a request reach the routes once it is over a
limit.

Who a request comes from (``client_keys``): its address (the peer, or the
``X-Forwarded-For`` of a ``--trusted-proxy``) and, where there is one, the
student: a bearer token (kept only as a digest) or an ``X-Student-Id``
header (set by a course tool or a proxy that knows who is behind it). A
student has a bucket of their own, so a class behind one proxy address does
not share one; the address keeps a larger bucket of its own, so made-up
student ids from one address cannot multiply its allowance without bound.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def error_body(status: int, code: str, message: str) -> bytes:
    """The one error shape of the service: ``{"error": {"status", "code", "message"}}``."""
    return json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()


async def send_error(send: Send, status: int, code: str, message: str, headers=()) -> None:
    body = error_body(status, code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyRefused(Exception):
    """A body over its size or past its read deadline: the answer it is owed."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class BodySizeLimit:
    """Rejects bodies over ``max_bytes`` with 413, whether announced by
    Content-Length or streamed without one, and bodies not received within
    ``body_timeout`` seconds of the request's headers with 408 and a closed
    connection (a client sending its body a byte at a time holds nothing for
    long)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, body_timeout: float | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    await send_error(send, 400, "bad_request", "invalid Content-Length header")
                    return
                if announced > self.max_bytes:
                    await send_error(send, 413, "too_large", self._message())
                    return
        received = 0
        response_started = False
        refused: BodyRefused | None = None
        deadline = None if self.body_timeout is None else time.monotonic() + self.body_timeout
        body_done = False

        async def limited_receive() -> Message:
            nonlocal received, refused, body_done
            if deadline is None or body_done:
                message = await receive()
            else:
                try:
                    message = await asyncio.wait_for(
                        receive(), timeout=max(0.0, deadline - time.monotonic())
                    )
                except asyncio.TimeoutError:
                    refused = BodyRefused(
                        408,
                        "body_timeout",
                        f"request body not received within {self.body_timeout:g} s",
                    )
                    raise refused from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_bytes:
                    refused = BodyRefused(413, "too_large", self._message())
                    raise refused
            return message

        async def refuse(error: BodyRefused) -> None:
            # The rest of the body is never read: the connection cannot be reused.
            await send_error(
                send, error.status, error.code, error.message, headers=[(b"connection", b"close")]
            )

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if refused is not None:
                # The framework caught the read error and answers 400 ("error
                # parsing the body"): the client gets the 413 or 408 it is owed.
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    await refuse(refused)
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyRefused as error:
            if not response_started:
                await refuse(error)

    def _message(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"


MAX_CLIENTS = 10_000  # rate-limit buckets kept at once


def client_keys(scope: Scope) -> tuple[str, str | None]:
    """(the request's address, its student key or None): the student is a
    bearer token's digest (never the token itself) or an ``X-Student-Id``."""
    address = (scope.get("client") or ("unknown", 0))[0]
    student = None
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            student = "token:" + hashlib.sha256(value[7:].strip()).hexdigest()[:24]
            break
        if name == b"x-student-id" and value.strip():
            student = "student:" + value.strip()[:200].decode("latin-1")
    return address, student


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute on
    average, bursts up to ``burst``. ``per_minute=0`` turns it off."""

    def __init__(self, *, per_minute: float, burst: int):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """(allowed, seconds to wait before the next request would be)."""
        return allow_all([(self, client)], now)

    def _refilled(self, client: str, now: float) -> float:
        if client not in self._buckets and len(self._buckets) >= MAX_CLIENTS:
            self._forget_oldest()
        tokens, last = self._buckets.get(client, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def _forget_oldest(self) -> None:
        """Keep the table bounded: the least recently seen half goes (a client
        unseen that long has refilled its bucket anyway, or nearly)."""
        by_age = sorted(self._buckets.items(), key=lambda item: item[1][1])
        for client, _ in by_age[: len(by_age) // 2]:
            del self._buckets[client]


def allow_all(
    buckets: list[tuple[RateLimiter, str]], now: float | None = None
) -> tuple[bool, float]:
    """Take one token from each (limiter, client) bucket if every one has
    one, else none (a refused request costs nothing): (allowed, seconds to wait)."""
    buckets = [(limiter, client) for limiter, client in buckets if limiter.rate > 0]
    if not buckets:
        return True, 0.0
    now = time.monotonic() if now is None else now
    locks = sorted({id(limiter): limiter._lock for limiter, _ in buckets}.items())
    for _, lock in locks:
        lock.acquire()
    try:
        tokens = [limiter._refilled(client, now) for limiter, client in buckets]
        allowed = all(t >= 1.0 for t in tokens)
        wait = 0.0
        for (limiter, client), left in zip(buckets, tokens, strict=True):
            limiter._buckets[client] = (left - 1.0 if allowed else left, now)
            if left < 1.0:
                wait = max(wait, (1.0 - left) / limiter.rate)
        return allowed, wait
    finally:
        for _, lock in reversed(locks):
            lock.release()


class RateLimit:
    """ASGI middleware applying rate limits to ``/api/`` routes: ``limiter``
    per student (or per address for a request without one), and
    ``address_limiter`` per address for requests that name a student."""

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, address_limiter: RateLimiter | None = None
    ):
        self.app = app
        self.limiter = limiter
        self.address_limiter = address_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/api/"):
            address, student = client_keys(scope)
            if student is None:
                buckets = [(self.limiter, address)]
            else:
                buckets = [(self.limiter, student)]
                if self.address_limiter is not None:
                    buckets.append((self.address_limiter, address))
            allowed, wait = allow_all(buckets)
            if not allowed:
                retry = str(max(1, round(wait))).encode()
                await send_error(
                    send,
                    429,
                    "rate_limited",
                    f"too many requests; retry in {max(1, round(wait))} s",
                    headers=[(b"retry-after", retry)],
                )
                return
        await self.app(scope, receive, send)
