"""The worker pool behind the service: grading runs in worker processes so a
slow request never blocks the event loop or the other requests, and each
request has a deadline.

A request's sheet, answers and code files are written to a fresh temporary
folder (one student's submission, the same shape ``grader grade`` reads), then
``grader.api.check`` or ``grader.api.grade`` grades it. Only the report's JSON
crosses the process boundary.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.pool import WorkerDied, WorkerPool, WorkerTimeout

# Per worker process: exam id -> the rubric's grading session.
_RUBRICS: dict = {}


@dataclass
class SubmissionPayload:
    """One student's submission as received over HTTP."""

    sheet: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)


def _load_rubrics(rubric_paths: dict[str, str]) -> None:
    from grader import api

    for exam_id, path in rubric_paths.items():
        # one grading session per rubric per worker, reused by every request
        _RUBRICS[exam_id] = api.GradingSession(api.load_rubric(path))


def write_submission(folder: Path, payload: SubmissionPayload) -> None:
    """Lay a payload out as a submission folder (sheet.md, answers.json, code)."""
    if payload.sheet is not None:
        (folder / "sheet.md").write_text(payload.sheet, encoding="utf-8")
    if payload.answers:
        (folder / "answers.json").write_text(json.dumps(payload.answers), encoding="utf-8")
    for name, content in payload.files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def _run(mode: str, exam_id: str, payload: SubmissionPayload) -> dict:
    """In a worker: grade one payload. Returns the report JSON, or an error."""
    from grader import api
    from grader.errors import GraderError

    rubric = _RUBRICS[exam_id]
    with tempfile.TemporaryDirectory(prefix="grader-service-") as tmp:
        folder = Path(tmp) / "submission"
        folder.mkdir()
        write_submission(folder, payload)
        try:
            if mode == "check":
                report = api.check(folder, rubric, strict=True)
            else:
                report = api.grade(folder, rubric, strict=True)
        except GraderError as error:
            # Paths inside the temporary folder mean nothing to the client.
            return {"error": error.message.replace(str(folder), "submission")}
        data = report.to_json_dict()
        # The server's temporary folder means nothing to the client (and is
        # not its business): paths inside it become relative to the upload.
        text = json.dumps(data).replace(str(folder) + "/", "").replace(str(folder), "upload")
        data = json.loads(text)
    data["submission"]["path"] = "upload"
    return data


def _load_state(rubric_paths: dict[str, str]) -> None:
    _load_rubrics(rubric_paths)


def _handle(state: None, request: tuple[str, str, SubmissionPayload]) -> dict:
    return _run(*request)


class GradingPool:
    """The one worker pool (``grader.batch.pool``) with the rubrics loaded
    once per worker. A request past its deadline gets ``asyncio.TimeoutError``
    and its worker is killed (the work stops) and replaced."""

    def __init__(self, rubric_paths: dict[str, Path], *, workers: int, timeout: float):
        self.timeout = timeout
        # spawn: the service's process has an event loop and threads; a fresh
        # interpreter per worker is safer than a fork of it.
        self._pool = WorkerPool(
            workers,
            handler=_handle,
            initializer=_load_state,
            initargs=({key: str(value) for key, value in rubric_paths.items()},),
            start_method="spawn",
        )

    async def run(self, mode: str, exam_id: str, payload: SubmissionPayload) -> dict:
        """Grade in a worker; raises ``asyncio.TimeoutError`` past the deadline
        (by then the worker that had the request has been killed)."""
        deadline = time.monotonic() + self.timeout
        future = self._pool.submit((mode, exam_id, payload), deadline=deadline)
        try:
            return await asyncio.wrap_future(future)
        except WorkerTimeout:
            raise asyncio.TimeoutError from None
        except WorkerDied as error:
            raise RuntimeError(str(error)) from None

    def pids(self) -> list[int]:
        """The worker processes' ids."""
        return self._pool.pids()

    def warm_up(self) -> None:
        """Start every worker now (rubrics loaded) rather than on the first request."""
        self._pool.wait_ready(timeout=120)

    def close(self) -> None:
        self._pool.close(kill=True)
