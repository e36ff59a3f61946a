"""Fixtures for the service tests: one app over the ML exam's rubric, shared
by the module's tests (its worker processes take a moment to start)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
SAMPLE_SHEET = (ROOT / "tests" / "files" / "seed-student-ocr.md").read_text(encoding="utf-8")
TOKEN = "test-instructor-token"

# Rubric fields whose text is a reference (answers, model answers, targets).
_REFERENCE_KEYS = {"answer", "accept", "statement", "reference", "references"}


def _walk(node, key=None):
    if isinstance(node, dict):
        for child_key, value in node.items():
            yield from _walk(value, child_key)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, key)
    elif isinstance(node, str):
        yield key, node


def collect_reference_strings(rubric_path: Path) -> list[str]:
    """Every reference-like string of a rubric (and its reference code), long
    enough that finding it in a response cannot be a coincidence."""
    data = yaml.safe_load(rubric_path.read_text(encoding="utf-8"))
    found = {text.strip() for key, text in _walk(data) if key in _REFERENCE_KEYS}
    for path in rubric_path.parent.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 30 and not line.strip().startswith("#"):
                found.add(line.strip())
    return sorted(text for text in found if len(text) >= 12)


def _without_echoes(text: str) -> str:
    """The response less the ``answer`` views, which echo the student's own
    input (a right answer may read exactly like the reference)."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return text

    def strip(node):
        if isinstance(node, dict):
            return {key: strip(value) for key, value in node.items() if key != "answer"}
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    return json.dumps(strip(data))


def _assert_no_reference(text: str, references: list[str]) -> None:
    text = _without_echoes(text)
    leaked = [reference for reference in references if reference in text]
    assert not leaked, f"reference text in a response: {leaked[:3]}"


@pytest.fixture(scope="session")
def assert_no_reference():
    return _assert_no_reference


@pytest.fixture(scope="session")
def reference_strings() -> list[str]:
    strings = collect_reference_strings(RUBRIC)
    assert strings, "the rubric should have reference strings to look for"
    return strings


@pytest.fixture(scope="module")
def service_client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from grader.service.app import ServiceSettings, create_app

    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC},
        instructor_token=TOKEN,
        workers=2,
        rate_per_minute=0,
        max_body_bytes=2_000_000,
        max_answer_chars=200_000,
    )
    with TestClient(create_app(settings)) as client:
        yield client


@contextlib.contextmanager
def serve_in_thread(app, **options):
    """``app`` served by uvicorn on a free loopback port, in a thread: its URL.
    ``options``: more of uvicorn's (``grader.service.run.server_options``)."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options.setdefault("log_level", "warning")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server():
    """The app served by uvicorn on a free loopback port, in a thread."""
    pytest.importorskip("uvicorn")
    from grader.service.app import ServiceSettings, create_app

    settings = ServiceSettings(
        rubrics={"ml-exam": RUBRIC}, instructor_token=TOKEN, workers=2, rate_per_minute=0
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url
