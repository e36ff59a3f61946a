"""The ASGI app: student self-check, instructor grading, and the web page.

Routes validate the request, hand the submission to the worker pool
(``grader.service.workers``) and return what ``grader.api`` produced. Every
error is JSON of one shape (``{"error": {"status", "code", "message"}}``),
never a stack trace. Student responses never carry references or rubric
contents: ``grader.api.check`` builds the student view, and
``student_exam_summary`` lists only ids, titles and points.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures,
# whose dependencies are local functions it could not resolve from strings.

import asyncio
import math
import re
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader import __version__
from grader.service.limits import BodySizeLimit, RateLimit, RateLimiter, client_keys
from grader.service.self_check import (
    CheckLimiter,
    ReleaseSchedule,
    code_test_feedback,
    format_when,
    hidden_part,
    hidden_report,
    student_key,
)
from grader.service.workers import GradingPool, SubmissionPayload, WorkerLost

STATIC_DIR = Path(__file__).parent / "static"
KATEX_DIR = Path(__file__).resolve().parent.parent / "report" / "assets" / "katex"

# A code or sheet file name a client may send: a plain name, no folders.
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_MAX_FILES = 20


@dataclass
class ServiceSettings:
    """How the service runs. Defaults are safe for a laptop or a course VM."""

    rubrics: dict[str, Path] = field(default_factory=dict)
    instructor_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    workers: int = 2
    request_timeout: float = 30.0
    max_body_bytes: int = 2_000_000
    max_answer_chars: int = 200_000
    # per student (bearer token or X-Student-Id), or per address without one
    rate_per_minute: float = 120.0
    rate_burst: int = 30
    # per address, for requests that name a student (a class behind one proxy)
    address_rate_per_minute: float = 1200.0
    address_rate_burst: int = 300
    # seconds for a request's headers (uvicorn protocol) and for its body
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    # grading requests admitted at once (running or waiting for a worker),
    # in all and per client; the rest answer 503 / 429 at once
    max_in_flight: int = 32
    max_in_flight_per_client: int = 4
    # bodies over this many bytes are graded in the heavy lane (its own
    # low-priority worker; 0: no heavy lane), at most 2 per heavy worker at once
    heavy_bytes: int = 64_000
    heavy_workers: int = 1
    allow_outside_rubric_dir: bool = False
    # exam id -> a graded class's results folder: the review page and regrade
    # requests (docs/review.md); decisions in each folder's decisions.sqlite
    # unless ``review_database`` names one (postgresql://...)
    results: dict[str, Path] = field(default_factory=dict)
    review_database: str | None = None
    # the self-check's policy (grader.service.self_check, docs/service.md)
    hide_scores: bool = False
    checks_per_part: int = 0  # per student per part in ``checks_window`` s; 0: no limit
    checks_window: float = 86_400.0
    release: ReleaseSchedule = field(default_factory=ReleaseSchedule)
    student_tokens: dict[str, str] | None = None  # token -> student id; None: any token


class ServiceError(Exception):
    """A client error with its HTTP status, caught by one handler."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict | None = None,
        *,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}  # more fields of the error (``resets_at``, ``opens_at``)
        self.headers = headers


class InFlight:
    """Grading requests admitted at once, in all, per client and in the heavy
    lane: one more is admitted only under every limit, else refused at once
    (503 busy, 429 for a client over its own share) instead of queueing
    without bound."""

    def __init__(self, settings: "ServiceSettings"):
        self.settings = settings
        self.total = 0
        self.heavy = 0
        self.by_client: dict[str, int] = {}

    @asynccontextmanager
    async def admit(self, client: str, *, heavy: bool):
        settings = self.settings
        retry = {"Retry-After": "2"}
        if self.total >= settings.max_in_flight:
            raise ServiceError(
                503, "busy", f"{self.total} requests being graded; try again shortly", retry
            )
        if heavy and self.heavy >= 2 * max(1, settings.heavy_workers):
            raise ServiceError(
                503, "busy", "the large submissions' lane is full; try again shortly", retry
            )
        if self.by_client.get(client, 0) >= settings.max_in_flight_per_client:
            raise ServiceError(
                429,
                "too_many_at_once",
                f"at most {settings.max_in_flight_per_client} of your requests at once",
                retry,
            )
        self.total += 1
        self.heavy += heavy
        self.by_client[client] = self.by_client.get(client, 0) + 1
        try:
            yield
        finally:
            self.total -= 1
            self.heavy -= heavy
            left = self.by_client[client] - 1
            if left:
                self.by_client[client] = left
            else:
                del self.by_client[client]


def _error(
    status: int, code: str, message: str, headers: dict | None = None, extra: dict | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"status": status, "code": code, "message": message, **(extra or {})}},
        status_code=status,
        headers=headers,
    )


# ---- request and response models (the OpenAPI description is built from them)


class SheetCheckRequest(BaseModel):
    """A whole answer sheet: Markdown/LaTeX text, or answers per part, plus code files."""

    sheet: str | None = Field(None, description="The answer sheet as Markdown + LaTeX.")
    answers: dict[str, str] = Field(
        default_factory=dict, description="Answers by part id (e.g. 'q1.b'), instead of a sheet."
    )
    files: dict[str, str] = Field(
        default_factory=dict, description="Code files by name (e.g. 'linreg.py')."
    )
    student: str | None = Field(
        None,
        max_length=200,
        description="The student's id, for the limit of checks per part when the "
        "request has no bearer token.",
    )


class PartCheckRequest(BaseModel):
    """One part's answer (Markdown + LaTeX, or code for a code part)."""

    answer: str = Field(..., description="The answer text.")
    files: dict[str, str] = Field(default_factory=dict, description="Code files by name.")
    student: str | None = Field(
        None,
        max_length=200,
        description="The student's id, for the limit of checks per part when the "
        "request has no bearer token.",
    )


class PartSummary(BaseModel):
    id: str
    title: str = ""
    max_score: float
    kinds: list[str] = Field(default_factory=list, description="Check kinds of the part.")
    files: list[str] = Field(default_factory=list, description="Code files the part reads.")
    opens_at: str | None = Field(
        None, description="When the part opens for self-checks (UTC), if it has a release date."
    )


class ExamSummary(BaseModel):
    id: str
    title: str = ""
    max_score: float
    parts: list[PartSummary]


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse}
    for status in (400, 401, 403, 404, 408, 413, 422, 429, 503, 504)
}


# ---- helpers


def student_exam_summary(exam_id: str, rubric: Any) -> ExamSummary:
    """What a student may know of an exam: ids, titles, points, check kinds."""
    parts = [
        PartSummary(
            id=f"{question.id}.{part.id}",
            title=part.title or "",
            max_score=float(part.points),
            kinds=[check.kind for check in part.checks],
            files=sorted({check.file for check in part.checks if getattr(check, "file", None)}),
        )
        for question, part in rubric.iter_parts()
    ]
    return ExamSummary(
        id=exam_id,
        title=rubric.title or "",
        max_score=float(sum(part.max_score for part in parts)),
        parts=parts,
    )


def _check_text(value: str, where: str, limit: int) -> None:
    if "\x00" in value:
        raise ServiceError(400, "binary_data", f"{where}: binary data (NUL bytes) is not text")
    if len(value) > limit:
        raise ServiceError(413, "too_large", f"{where}: {len(value)} characters, limit {limit}")


def _payload_bytes(payload: SubmissionPayload) -> int:
    """About how much there is to grade: the characters of every text sent."""
    texts = [payload.sheet or "", *payload.answers.values(), *payload.files.values()]
    return sum(len(text) for text in texts)


def _check_files(files: dict[str, str], limit: int) -> None:
    if len(files) > _MAX_FILES:
        raise ServiceError(400, "too_many_files", f"{len(files)} files, limit {_MAX_FILES}")
    for name, content in files.items():
        if not _FILE_NAME.match(name) or name in {"sheet.md", "answers.json"}:
            raise ServiceError(400, "bad_file_name", f"files: invalid file name {name!r}")
        _check_text(content, f"files[{name!r}]", limit)


# ---- the app


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the ASGI app for the given rubrics (exam id -> rubric file)."""
    from grader import api

    if not settings.rubrics:
        raise ValueError("the service needs at least one rubric")
    outside = settings.allow_outside_rubric_dir
    rubrics = {
        exam_id: api.load_rubric(path, allow_outside_folder=outside)
        for exam_id, path in settings.rubrics.items()
    }
    summaries = {exam_id: student_exam_summary(exam_id, r) for exam_id, r in rubrics.items()}
    for exam_id, summary in summaries.items():
        for part in summary.parts:
            when = settings.release.opens_at(exam_id, part.id)
            part.opens_at = format_when(when) if when is not None else None
    code_tests = {exam_id: code_test_feedback(r) for exam_id, r in rubrics.items()}
    check_limiter = CheckLimiter(per_part=settings.checks_per_part, window=settings.checks_window)
    state: dict[str, GradingPool] = {}
    in_flight = InFlight(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = GradingPool(
            settings.rubrics,
            workers=settings.workers,
            timeout=settings.request_timeout,
            heavy_workers=settings.heavy_workers if settings.heavy_bytes else 0,
            allow_outside_rubric_dir=outside,
        )
        await asyncio.get_running_loop().run_in_executor(None, pool.warm_up)
        state["pool"] = pool
        app.state.pool = pool  # for operators and tests: pids, warm_up
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="grader",
        version=__version__,
        description="Self-check for students and grading for course tools.",
        lifespan=lifespan,
    )

    # ---- errors: one JSON shape, no stack traces

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> JSONResponse:
        return _error(error.status, error.code, error.message, error.headers, error.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {}
        if first.get("type") == "json_invalid":
            return _error(400, "malformed_json", "request body is not valid JSON")
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = first.get("msg", "invalid request")
        return _error(422, "invalid_request", f"{where}: {message}" if where else message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, error: Exception) -> JSONResponse:
        return _error(500, "internal_error", "internal error; the request was not graded")

    # ---- dependencies

    def exam(exam_id: str) -> str:
        if exam_id not in rubrics:
            raise ServiceError(404, "unknown_exam", f"unknown exam {exam_id!r}")
        return exam_id

    def instructor(authorization: Annotated[str | None, Header()] = None) -> None:
        expected = f"Bearer {settings.instructor_token}"
        # bytes: compare_digest refuses a str with non-ASCII characters (a 500)
        if authorization is None or not secrets.compare_digest(
            authorization.encode("utf-8", "replace"), expected.encode("utf-8")
        ):
            raise ServiceError(401, "unauthorized", "instructor token missing or wrong")

    async def grade_payload(
        mode: str, exam_id: str, payload: SubmissionPayload, request: Request
    ) -> dict:
        address, student = client_keys(request.scope)
        heavy = bool(settings.heavy_bytes) and _payload_bytes(payload) > settings.heavy_bytes
        try:
            async with in_flight.admit(student or address, heavy=heavy):
                result = await state["pool"].run(mode, exam_id, payload, heavy=heavy)
        except asyncio.TimeoutError:
            raise ServiceError(
                504, "timed_out", f"grading took longer than {settings.request_timeout:g} s"
            ) from None
        except WorkerLost:
            raise ServiceError(
                503,
                "worker_lost",
                "the worker grading this request stopped; it was replaced, try again",
                {"Retry-After": "2"},
            ) from None
        if "error" in result:
            raise ServiceError(400, "bad_submission", result["error"])
        return result

    def sheet_payload(body: SheetCheckRequest, exam_id: str) -> SubmissionPayload:
        if body.sheet is None and not body.answers and not body.files:
            raise ServiceError(400, "empty_submission", "send a sheet, answers or files")
        if body.sheet is not None:
            _check_text(body.sheet, "sheet", settings.max_answer_chars)
        known = {part.id for part in summaries[exam_id].parts}
        for part_id, text in body.answers.items():
            if part_id not in known:
                raise ServiceError(404, "unknown_part", f"answers: unknown part {part_id!r}")
            _check_text(text, f"answers[{part_id!r}]", settings.max_answer_chars)
        _check_files(body.files, settings.max_answer_chars)
        return SubmissionPayload(sheet=body.sheet, answers=body.answers, files=body.files)

    # ---- the self-check's policy: release dates, checks per part, hidden scores

    def requested_parts(exam_id: str, body: SheetCheckRequest) -> list[str]:
        """The parts a self-check asks about: every part for a sheet, else the
        parts answered by id and the code parts whose files are sent."""
        parts = summaries[exam_id].parts
        if body.sheet is not None:
            return [part.id for part in parts]
        return [
            part.id
            for part in parts
            if part.id in body.answers or any(name in body.files for name in part.files)
        ]

    def who(request: Request, student: str | None) -> str:
        key = student_key(
            authorization=request.headers.get("authorization"),
            student=student or request.headers.get("x-student-id"),
            client=request.client.host if request.client else "unknown",
            tokens=settings.student_tokens,
        )
        if key is None:
            raise ServiceError(401, "unknown_student", "student token missing or wrong")
        if settings.student_tokens is not None and not key.startswith("student:"):
            raise ServiceError(401, "unknown_student", "send your student token (Bearer)")
        return key

    def admit(exam_id: str, part_ids: list[str], student: str) -> tuple[dict, dict]:
        """(parts not open yet -> when they open, parts over the limit -> seconds
        to wait); refuses the request when no part asked about may be checked."""
        closed = settings.release.closed(exam_id, part_ids)
        if part_ids and len(closed) == len(part_ids):
            first = min(closed.values())
            raise ServiceError(
                403,
                "not_open",
                f"{', '.join(closed)} {'is' if len(closed) == 1 else 'are'} not open yet; "
                f"{'it opens' if len(closed) == 1 else 'the first opens'} at {format_when(first)}",
                extra={"opens_at": format_when(first)},
            )
        open_parts = [part_id for part_id in part_ids if part_id not in closed]
        over = check_limiter.exhausted(student, exam_id, open_parts)
        if open_parts and len(over) == len(open_parts):
            wait = max(1, math.ceil(min(over.values())))
            resets = format_when(datetime.now(timezone.utc) + timedelta(seconds=wait))
            raise ServiceError(
                429,
                "check_limit",
                f"you have used your {settings.checks_per_part} checks of "
                f"{', '.join(over)} in the last {_duration(settings.checks_window)}; "
                f"the next check frees up at {resets} (in {_duration(wait)})",
                extra={"resets_at": resets, "retry_after": wait},
                headers={"Retry-After": str(wait)},
            )
        return closed, over

    def student_parts(exam_id: str, report: dict, closed: dict, over: dict, student: str):
        """The report's parts as the student may see them, and the checks left."""
        answered = [
            part["id"]
            for part in report["parts"]
            if part["id"] not in closed
            and part["id"] not in over
            and (part.get("answer") or {}).get("found", True)
        ]
        left = check_limiter.count(student, exam_id, answered)
        shown = []
        for part in report["parts"]:
            if part["id"] in closed:
                shown.append(
                    {
                        "id": part["id"],
                        "status": "not_open",
                        "opens_at": format_when(closed[part["id"]]),
                    }
                )
            elif part["id"] in over:
                wait = max(1, math.ceil(over[part["id"]]))
                shown.append(
                    {
                        "id": part["id"],
                        "status": "check_limit",
                        "resets_at": format_when(
                            datetime.now(timezone.utc) + timedelta(seconds=wait)
                        ),
                    }
                )
            elif settings.hide_scores:
                shown.append(hidden_part(part, code_tests[exam_id]))
            else:
                shown.append(part)
        return shown, left

    def student_report(exam_id: str, report: dict, closed: dict, over: dict, student: str) -> dict:
        parts, left = student_parts(exam_id, report, closed, over, student)
        if settings.hide_scores:
            view = hidden_report(report, code_tests[exam_id])
            view["parts"] = parts
        else:
            view = dict(report, parts=parts)
            if closed or over:
                # totals over the parts shown only: a withheld part's marks stay unknown
                graded = [part for part in parts if "score" in part]
                view["score"] = round(sum(part["score"] for part in graded), 4)
                view["max_score"] = round(sum(part["max_score"] for part in graded), 4)
                view.pop("questions", None)
        if settings.checks_per_part:
            view["checks_left"] = left
        return view

    # ---- routes: public

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> FileResponse:
        return _serve_file(STATIC_DIR, name)

    @app.get("/katex/{path:path}", include_in_schema=False)
    async def katex(path: str) -> FileResponse:
        return _serve_file(KATEX_DIR, path)

    @app.get("/api/health")
    async def health():
        """The pool's real state: 200 while requests can be graded (``ok``, or
        ``degraded`` while a worker is being replaced), 503 otherwise."""
        pool = state.get("pool")
        lanes = pool.health() if pool is not None else {"status": "starting"}
        body = {**lanes, "version": __version__, "exams": sorted(rubrics)}
        body["in_flight"] = in_flight.total
        if lanes["status"] in ("ok", "degraded"):
            return body
        return JSONResponse(body, status_code=503)

    @app.get("/api/exams", response_model=list[ExamSummary])
    async def list_exams() -> list[ExamSummary]:
        return [summaries[exam_id] for exam_id in sorted(summaries)]

    @app.get("/api/exams/{exam_id}", response_model=ExamSummary, responses=_ERRORS)
    async def get_exam(exam_id: Annotated[str, Depends(exam)]) -> ExamSummary:
        return summaries[exam_id]

    @app.post("/api/exams/{exam_id}/check", responses=_ERRORS)
    async def check_sheet(
        body: SheetCheckRequest, request: Request, exam_id: Annotated[str, Depends(exam)]
    ):
        """The student view of a whole sheet: how each answer was read, score
        (unless hidden), feedback; parts not open yet or over the check limit
        are withheld."""
        payload = sheet_payload(body, exam_id)
        student = who(request, body.student)
        closed, over = admit(exam_id, requested_parts(exam_id, body), student)
        report = await grade_payload("check", exam_id, payload, request)
        return student_report(exam_id, report, closed, over, student)

    @app.post("/api/exams/{exam_id}/parts/{part_id}/check", responses=_ERRORS)
    async def check_part(
        body: PartCheckRequest,
        part_id: str,
        exam_id: Annotated[str, Depends(exam)],
        request: Request,
    ):
        """The student view of one part."""
        if part_id not in {part.id for part in summaries[exam_id].parts}:
            raise ServiceError(404, "unknown_part", f"unknown part {part_id!r}")
        _check_text(body.answer, "answer", settings.max_answer_chars)
        _check_files(body.files, settings.max_answer_chars)
        student = who(request, body.student)
        admit(exam_id, [part_id], student)
        payload = SubmissionPayload(answers={part_id: body.answer}, files=body.files)
        report = await grade_payload("check", exam_id, payload, request)
        part = next((p for p in report["parts"] if p["id"] == part_id), None)
        body_out: dict[str, Any] = {"exam": exam_id, "part": part}
        if part is not None:
            left = check_limiter.count(student, exam_id, [part_id])
            if settings.hide_scores:
                body_out["part"] = hidden_part(part, code_tests[exam_id])
            if settings.checks_per_part:
                body_out["checks_left"] = left.get(part_id, 0)
        return body_out

    # ---- routes: instructors (bearer token)

    @app.post(
        "/api/exams/{exam_id}/grade",
        responses=_ERRORS,
        dependencies=[Depends(instructor)],
    )
    async def grade_sheet(
        body: SheetCheckRequest,
        exam_id: Annotated[str, Depends(exam)],
        request: Request,
        format: str = "json",
    ):
        """The full report of one submission, in any report format."""
        report = await grade_payload("grade", exam_id, sheet_payload(body, exam_id), request)
        return _render(report, format)

    @app.post(
        "/api/exams/{exam_id}/grade/upload",
        responses=_ERRORS,
        dependencies=[Depends(instructor)],
    )
    async def grade_upload(
        files: list[UploadFile],
        exam_id: Annotated[str, Depends(exam)],
        request: Request,
        format: str = "json",
    ):
        """Grade one student's uploaded folder (a sheet and code files)."""
        contents: dict[str, str | bytes] = {}
        for upload in files:
            name = Path(upload.filename or "").name
            if not _FILE_NAME.match(name):
                raise ServiceError(400, "bad_file_name", f"invalid file name {name!r}")
            contents[name] = await upload.read()
        if not contents:
            raise ServiceError(400, "empty_submission", "no files uploaded")
        if len(contents) > _MAX_FILES:
            raise ServiceError(400, "too_many_files", f"{len(contents)} files, limit {_MAX_FILES}")
        payload = SubmissionPayload(files=contents)
        report = await grade_payload("grade", exam_id, payload, request)
        return _render(report, format)

    if settings.results:
        from grader.service.review import review_router

        app.include_router(
            review_router(settings.results, settings.review_database, instructor, ServiceError)
        )

    limiter = RateLimiter(per_minute=settings.rate_per_minute, burst=settings.rate_burst)
    address_limiter = RateLimiter(
        # --rate-limit 0 turns every rate limit off
        per_minute=settings.address_rate_per_minute if settings.rate_per_minute else 0,
        burst=settings.address_rate_burst,
    )
    app.add_middleware(RateLimit, limiter=limiter, address_limiter=address_limiter)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, body_timeout=settings.body_timeout
    )
    return app


def _duration(seconds: float) -> str:
    """``90`` -> ``2 min``; ``86400`` -> ``24 h``."""
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:g} h" if seconds % 3600 == 0 else f"{math.ceil(seconds / 3600)} h"


def _serve_file(root: Path, relative: str) -> FileResponse:
    target = (root / relative).resolve()
    if not target.is_file() or root.resolve() not in target.parents:
        raise ServiceError(404, "not_found", "no such file")
    return FileResponse(target)


def _render(report: dict, format: str) -> Response | dict:
    """A report in one of the registry's formats (``grader.report.formats``);
    json is the report itself."""
    from grader.report.formats import FORMATS

    if format not in FORMATS:
        raise ServiceError(
            400, "unknown_format", f"unknown format {format!r}; one of {', '.join(FORMATS)}"
        )
    if format == "json":
        return report
    from grader.report.models import GradeReport

    report_format = FORMATS[format]
    text = report_format.render_one(GradeReport.model_validate(report))
    return Response(text, media_type=report_format.media_type)
