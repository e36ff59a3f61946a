"""Request guards as plain ASGI middleware: body size limits and per-client
rate limits. They answer with the service's JSON error shape and never let a
request reach the routes once it is over a limit.
"""

from __future__ import annotations

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


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Rejects bodies over ``max_bytes`` with 413, whether announced by
    Content-Length or streamed without one."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

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
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if too_large:
                # The framework caught the read error and answers 400 ("error
                # parsing the body"): the client gets the 413 it is owed instead.
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    await send_error(send, 413, "too_large", self._message())
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await send_error(send, 413, "too_large", self._message())

    def _message(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"


MAX_CLIENTS = 10_000  # rate-limit buckets kept at once


class RateLimiter:
    """A token bucket per client address: ``per_minute`` requests a minute
    on average, bursts up to ``burst``. ``per_minute=0`` turns it off."""

    def __init__(self, *, per_minute: float, burst: int):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """(allowed, seconds to wait before the next request would be)."""
        if self.rate <= 0:
            return True, 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            if client not in self._buckets and len(self._buckets) >= MAX_CLIENTS:
                self._forget_oldest()
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return True, 0.0
            self._buckets[client] = (tokens, now)
            return False, (1.0 - tokens) / self.rate

    def _forget_oldest(self) -> None:
        """Keep the table bounded: the least recently seen half goes (a client
        unseen that long has refilled its bucket anyway, or nearly)."""
        by_age = sorted(self._buckets.items(), key=lambda item: item[1][1])
        for client, _ in by_age[: len(by_age) // 2]:
            del self._buckets[client]


class RateLimit:
    """ASGI middleware applying a ``RateLimiter`` to ``/api/`` routes."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/api/"):
            client = (scope.get("client") or ("unknown", 0))[0]
            allowed, wait = self.limiter.allow(client)
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
