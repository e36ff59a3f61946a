"""The review routes of ``grader serve --results EXAM=DIR``: answer groups and
decisions for instructors (bearer token), regrade requests for students.

The routes only read a class's results and call ``grader.review``; they hold
no grading logic. Each exam's decisions are in its results folder's
``decisions.sqlite`` unless the service is given a database URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from grader.errors import GraderError

STATIC_DIR = Path(__file__).parent / "static"


class DecisionRequest(BaseModel):
    part: str
    group: str | None = Field(None, description="A group key; or give students.")
    students: list[str] = Field(default_factory=list)
    mark: float | None = None
    feedback: str = Field("", max_length=4000)
    reason: str = Field("", max_length=4000)
    accept: bool = False
    author: str = Field(..., min_length=1, max_length=200)


class RegradeRequestBody(BaseModel):
    student: str = Field(..., min_length=1, max_length=200)
    part: str = Field(..., min_length=1, max_length=50)
    message: str = Field(..., min_length=1, max_length=4000)


class RegradeAnswer(BaseModel):
    answer: str = Field(..., min_length=1, max_length=4000)
    author: str = Field(..., min_length=1, max_length=200)
    mark: float | None = None


def review_router(
    results: Mapping[str, Path],
    database: str | None,
    instructor: Callable[..., None],
    error: Callable[[int, str, str], Exception],
) -> APIRouter:
    """Routes over the given classes' results (exam id -> results folder).
    ``instructor`` is the app's token check; ``error(status, code, message)``
    builds the app's error."""
    from grader import review

    router = APIRouter()

    def results_of(exam_id: str) -> Path:
        folder = results.get(exam_id)
        if folder is None:
            raise error(404, "no_results", f"no graded class for exam {exam_id!r} (--results)")
        return folder

    def reports_of(exam_id: str) -> list:
        try:
            return review.read_reports(results_of(exam_id))
        except GraderError as problem:
            raise error(409, "no_results", problem.format()) from None

    def store_of(exam_id: str):
        try:
            return review.open_store(database or review.default_store(results_of(exam_id)))
        except GraderError as problem:
            raise error(503, "database_unavailable", problem.format()) from None

    def refresh(exam_id: str) -> None:
        """The class's files again with the final marks (gradebook, feedback)."""
        from grader.batch.summary import refresh_batch_files

        refresh_batch_files(results_of(exam_id), database)

    @router.get("/review", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "review.html", media_type="text/html")

    @router.get("/api/review/{exam_id}/groups", dependencies=[Depends(instructor)])
    def groups(exam_id: str, part: str | None = None) -> dict:
        """The parts with their group counts, and the groups of one part (the
        first that has a flagged answer, unless ``part`` is given)."""
        reports = reports_of(exam_id)
        every = review.group_answers(reports)
        with store_of(exam_id) as store:
            current = store.current(reports[0].rubric.id)
        parts = [
            {
                "id": part_id,
                "groups": len(part_groups),
                "answers": sum(g.size for g in part_groups),
                "flagged": sum(g.flagged for g in part_groups),
                "undecided_flagged": sum(
                    m.needs_review and (part_id, m.submission_id) not in current
                    for g in part_groups
                    for m in g.members
                ),
            }
            for part_id, part_groups in every.items()
        ]
        if part is None:
            part = next((p["id"] for p in parts if p["undecided_flagged"]), parts[0]["id"])
        if part not in every:
            raise error(404, "unknown_part", f"unknown part {part!r}")
        shown = []
        for group in every[part]:
            decided = [current.get((part, m.submission_id)) for m in group.members]
            latest = max((d for d in decided if d is not None), key=lambda d: d.id, default=None)
            shown.append(
                {
                    "key": group.key,
                    "size": group.size,
                    "flagged": group.flagged,
                    "score": group.score,
                    "max_score": group.max_score,
                    "reading": group.reading,
                    "representative": group.representative.text,
                    "students": [m.submission_id for m in group.members],
                    "decided": sum(d is not None for d in decided),
                    "decision": None
                    if latest is None
                    else {
                        "mark": latest.mark,
                        "author": latest.author,
                        "feedback": latest.feedback,
                        "decided_at": latest.decided_at,
                    },
                }
            )
        return {"exam": exam_id, "part": part, "parts": parts, "groups": shown}

    @router.post("/api/review/{exam_id}/decisions", dependencies=[Depends(instructor)])
    def decide(exam_id: str, body: DecisionRequest) -> dict:
        """Set the mark or feedback of a group, or of some students' answers."""
        if (body.group is None) == (not body.students):
            raise error(422, "invalid_request", "give either a group or students")
        if body.mark is None and not body.feedback and not body.accept:
            raise error(
                422, "invalid_request", "nothing to decide: give a mark, feedback or accept"
            )
        reports = reports_of(exam_id)
        try:
            decisions = review.decide(
                reports,
                body.part,
                body.author,
                group_key=body.group,
                students=body.students,
                mark=body.mark,
                feedback=body.feedback,
                reason=body.reason,
                accept_form=body.accept,
            )
            with store_of(exam_id) as store:
                stored = store.record(decisions)
        except review.UnknownAnswer as problem:
            raise error(404, "unknown_answer", problem.format()) from None
        except GraderError as problem:
            raise error(422, "invalid_decision", problem.format()) from None
        refresh(exam_id)
        return {"recorded": len(stored), "ids": [d.id for d in stored]}

    @router.get("/api/review/{exam_id}/regrade-requests", dependencies=[Depends(instructor)])
    def open_requests(exam_id: str, status: str | None = "open") -> list[dict]:
        reports = reports_of(exam_id)
        with store_of(exam_id) as store:
            found = store.regrade_requests(reports[0].rubric.id, status or None)
        return [request.__dict__ for request in found]

    @router.post(
        "/api/review/{exam_id}/regrade-requests/{request_id}", dependencies=[Depends(instructor)]
    )
    def answer_request(exam_id: str, request_id: int, body: RegradeAnswer) -> dict:
        """Answer a request; a mark given with the answer is a decision on the part."""
        reports = reports_of(exam_id)
        rubric_id = reports[0].rubric.id
        with store_of(exam_id) as store:
            asked = next((r for r in store.regrade_requests(rubric_id) if r.id == request_id), None)
            if asked is None:
                raise error(404, "unknown_request", f"no regrade request {request_id}")
            try:
                if body.mark is not None:
                    report = next(r for r in reports if r.submission.id == asked.submission_id)
                    part = next(p for p in report.parts if p.id == asked.part_id)
                    store.record(
                        [
                            review.decision_for(
                                report,
                                part,
                                body.author,
                                mark=body.mark,
                                feedback=body.answer,
                                reason=f"regrade request {request_id}: {asked.message[:200]}",
                                source="regrade request",
                            )
                        ]
                    )
                answered = store.answer_regrade(request_id, body.answer, body.author)
            except GraderError as problem:
                raise error(422, "invalid_decision", problem.format()) from None
        if body.mark is not None:
            refresh(exam_id)
        return answered.__dict__

    # ---- students: ask for a regrade, read the answer

    @router.post("/api/exams/{exam_id}/regrade-requests")
    def request_regrade(exam_id: str, body: RegradeRequestBody) -> dict:
        """A student asks for a part to be looked at again. Keep the secret: it
        reads the answer."""
        reports = reports_of(exam_id)
        report = next((r for r in reports if r.submission.id == body.student), None)
        if report is None or not any(p.id == body.part for p in report.parts):
            raise error(
                404, "unknown_answer", f"no graded answer of {body.student!r} to {body.part}"
            )
        with store_of(exam_id) as store:
            try:
                asked, secret = store.request_regrade(
                    report.rubric.id, body.part, body.student, body.message
                )
            except GraderError as problem:
                raise error(422, "invalid_request", problem.format()) from None
        return {"id": asked.id, "secret": secret, "status": asked.status}

    @router.get("/api/exams/{exam_id}/regrade-requests/{request_id}")
    def read_request(exam_id: str, request_id: int, secret: str) -> dict:
        reports = reports_of(exam_id)
        del reports  # the exam must have a class; the request is found by its secret
        with store_of(exam_id) as store:
            found = store.regrade_request(request_id, secret)
        if found is None:
            raise error(404, "unknown_request", "no such regrade request (or a wrong secret)")
        return {
            "id": found.id,
            "part": found.part_id,
            "status": found.status,
            "message": found.message,
            "answer": found.answer,
            "answered_at": found.answered_at,
        }

    return router


__all__ = ["review_router"]
