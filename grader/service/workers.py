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
import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# Per worker process: exam id -> loaded rubric.
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
        _RUBRICS[exam_id] = api.load_rubric(path)


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
    data["submission"]["path"] = "upload"
    return data


class GradingPool:
    """A process pool with the rubrics loaded once per worker."""

    def __init__(self, rubric_paths: dict[str, Path], *, workers: int, timeout: float):
        self.timeout = timeout
        context = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_load_rubrics,
            initargs=({key: str(value) for key, value in rubric_paths.items()},),
        )

    async def run(self, mode: str, exam_id: str, payload: SubmissionPayload) -> dict:
        """Grade in a worker; raises ``asyncio.TimeoutError`` past the deadline."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, _run, mode, exam_id, payload)
        return await asyncio.wait_for(future, timeout=self.timeout)

    def warm_up(self) -> None:
        """Start every worker now (rubrics loaded) rather than on the first request."""
        futures = [
            self._executor.submit(_noop)
            for _ in range(self._executor._max_workers)  # noqa: SLF001
        ]
        for future in futures:
            future.result()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _noop() -> None:
    return None
