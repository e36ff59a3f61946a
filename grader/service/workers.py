"""The worker pool behind the service: grading runs in worker processes so a
slow request never blocks the event loop or the other requests, and each
request has a deadline.

A request's sheet, answers and code files are written to a fresh temporary
folder (one student's submission, the same shape ``grader grade`` reads), then
``grader.api.check`` or ``grader.api.grade`` grades it. Only the report's JSON
crosses the process boundary.

Two lanes: ordinary requests go to the main workers; *heavy* ones (a body
over ``--heavy-bytes``: a long sheet, big code files) to a lane of their own,
whose worker runs at a lower CPU priority (``nice`` +10), so a few maximum
size sheets cannot take the workers (or the CPU) that everyone else's checks
need.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.pool import WorkerDied, WorkerPool, WorkerTimeout

# Per worker process: exam id -> the rubric's grading session.
_RUBRICS: dict = {}


class WorkerLost(Exception):
    """The worker grading a request died (killed, out of memory); a fresh one
    has taken its place."""


@dataclass
class SubmissionPayload:
    """One student's submission as received over HTTP."""

    sheet: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)


def _load_rubrics(rubric_paths: dict[str, str], allow_outside_folder: bool = False) -> None:
    from grader import api

    for exam_id, path in rubric_paths.items():
        # one grading session per rubric per worker, reused by every request
        rubric = api.load_rubric(path, allow_outside_folder=allow_outside_folder)
        _RUBRICS[exam_id] = api.GradingSession(rubric)


def write_submission(folder: Path, payload: SubmissionPayload) -> None:
    """Lay a payload out as a submission folder (sheet.md, answers.json, code).
    A lone surrogate (``"\\ud800"`` in the JSON) cannot be written as UTF-8:
    it becomes U+FFFD, as in files read from disk."""
    from grader.data_files import without_surrogates

    if payload.sheet is not None:
        (folder / "sheet.md").write_text(without_surrogates(payload.sheet), encoding="utf-8")
    if payload.answers:
        (folder / "answers.json").write_text(json.dumps(payload.answers), encoding="utf-8")
    for name, content in payload.files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(without_surrogates(content), encoding="utf-8")


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


def _load_state(rubric_paths: dict[str, str], allow_outside_folder: bool = False) -> None:
    _load_rubrics(rubric_paths, allow_outside_folder)


def _load_state_low_priority(rubric_paths: dict[str, str], allow_outside_folder: bool) -> None:
    # The heavy lane yields the CPU to ordinary checks (its sandboxes inherit it).
    try:
        os.nice(10)
    except OSError:  # not permitted here: the lane still keeps its own workers
        pass
    _load_rubrics(rubric_paths, allow_outside_folder)


def _handle(state: None, request: tuple[str, str, SubmissionPayload]) -> dict:
    return _run(*request)


class GradingPool:
    """The worker pools (``grader.batch.pool``: the main lane and the heavy
    lane) with the rubrics loaded once per worker. A request past its
    deadline gets ``asyncio.TimeoutError`` and its worker is killed (the work
    stops) and replaced."""

    def __init__(
        self,
        rubric_paths: dict[str, Path],
        *,
        workers: int,
        timeout: float,
        heavy_workers: int = 0,
        allow_outside_rubric_dir: bool = False,
    ):
        self.timeout = timeout
        initargs = ({key: str(value) for key, value in rubric_paths.items()},)
        initargs += (allow_outside_rubric_dir,)
        # spawn: the service's process has an event loop and threads; a fresh
        # interpreter per worker is safer than a fork of it.
        self._pool = WorkerPool(
            workers,
            handler=_handle,
            initializer=_load_state,
            initargs=initargs,
            start_method="spawn",
        )
        self._heavy = None
        if heavy_workers:
            self._heavy = WorkerPool(
                heavy_workers,
                handler=_handle,
                initializer=_load_state_low_priority,
                initargs=initargs,
                start_method="spawn",
            )

    @property
    def has_heavy_lane(self) -> bool:
        return self._heavy is not None

    async def run(
        self, mode: str, exam_id: str, payload: SubmissionPayload, *, heavy: bool = False
    ) -> dict:
        """Grade in a worker (of the heavy lane if ``heavy`` and there is
        one); raises ``asyncio.TimeoutError`` past the deadline (by then the
        worker that had the request has been killed)."""
        deadline = time.monotonic() + self.timeout
        pool = self._heavy if heavy and self._heavy is not None else self._pool
        future = pool.submit((mode, exam_id, payload), deadline=deadline)
        try:
            return await asyncio.wrap_future(future)
        except WorkerTimeout:
            raise asyncio.TimeoutError from None
        except WorkerDied as error:
            raise WorkerLost(str(error)) from None

    def pids(self) -> list[int]:
        """The main lane's worker processes' ids."""
        return self._pool.pids()

    def heavy_pids(self) -> list[int]:
        """The heavy lane's worker processes' ids (none without one)."""
        return self._heavy.pids() if self._heavy is not None else []

    def health(self) -> dict:
        """The lanes' real state: ``status`` is ``ok`` (every worker ready),
        ``degraded`` (some being replaced), ``starting`` (none ready yet in a
        lane: requests wait) or ``broken`` (a lane no longer hands out work)."""
        lanes = {"workers": self._pool.health()}
        if self._heavy is not None:
            lanes["heavy_workers"] = self._heavy.health()
        if not all(lane.dispatching for lane in lanes.values()):
            status = "broken"
        elif any(lane.ready == 0 for lane in lanes.values()):
            status = "starting"
        elif any(lane.ready < lane.size for lane in lanes.values()):
            status = "degraded"
        else:
            status = "ok"
        report: dict = {"status": status}
        for name, lane in lanes.items():
            report[name] = {
                "size": lane.size,
                "alive": lane.alive,
                "ready": lane.ready,
                "busy": lane.running,
                "queued": lane.queued,
                "replaced": lane.replaced,
            }
        return report

    def warm_up(self) -> None:
        """Start every worker now (rubrics loaded) rather than on the first request."""
        self._pool.wait_ready(timeout=120)
        if self._heavy is not None:
            self._heavy.wait_ready(timeout=120)

    def close(self) -> None:
        self._pool.close(kill=True)
        if self._heavy is not None:
            self._heavy.close(kill=True)
