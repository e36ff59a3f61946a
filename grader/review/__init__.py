"""Review: answer groups, a person's decisions and the final marks.

    from grader import review
    reports = review.read_reports("out/")                 # a graded class
    groups = review.group_answers(reports, "q1.b")        # by what was read
    with review.open_store("out/decisions.sqlite") as store:
        group = groups["q1.b"][0]
        store.record(review.decide_group(reports, group, "ada", mark=2.5))
        final = [review.apply_decisions(r, store.current(r.rubric.id)) for r in reports]

Decisions live in SQLite (default) or PostgreSQL (``postgresql://...``) and
last across regrades while the answer they were made on is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from grader.errors import GraderError
from grader.report.models import GradeReport
from grader.review.class_results import ResultsError, read_reports
from grader.review.final import (
    MarksFileError,
    apply_decisions,
    decision_for,
    decisions_from_csv,
    part_hash,
)
from grader.review.groups import (
    AnswerGroup,
    GroupMember,
    answer_hash,
    group_answers,
    reading_signature,
)
from grader.review.store import Decision, DecisionStore, RegradeRequest, StoreError, open_store

__all__ = [
    "AnswerGroup",
    "Decision",
    "DecisionStore",
    "GroupMember",
    "MarksFileError",
    "RegradeRequest",
    "ResultsError",
    "StoreError",
    "answer_hash",
    "apply_decisions",
    "UnknownAnswer",
    "decide",
    "decide_group",
    "default_store",
    "decision_for",
    "decisions_from_csv",
    "group_answers",
    "open_store",
    "part_hash",
    "read_reports",
    "reading_signature",
]


def decide_group(
    reports: Iterable[GradeReport],
    group: AnswerGroup,
    author: str,
    *,
    mark: float | None = None,
    feedback: str = "",
    reason: str = "",
    accept_form: bool = False,
) -> list[Decision]:
    """One decision per member of ``group`` (each on its own answer, so each
    returns to review on its own if that answer later changes)."""
    members = {member.submission_id for member in group.members}
    decisions = []
    for report in reports:
        if report.submission.id not in members:
            continue
        part = next(p for p in report.parts if p.id == group.part_id)
        decisions.append(
            decision_for(
                report,
                part,
                author,
                mark=mark,
                feedback=feedback,
                reason=reason,
                accept_form=accept_form,
                group_key=group.key,
            )
        )
    return decisions


def default_store(results: str | Path) -> Path:
    """Where a class's decisions live unless told otherwise: beside its
    results (``DIR/decisions.sqlite``, or ``FILE.decisions.sqlite``)."""
    path = Path(results)
    if path.is_dir():
        return path / "decisions.sqlite"
    return path.with_name(path.name + ".decisions.sqlite")


class UnknownAnswer(GraderError):
    """A group or a student's answer that the results do not hold."""


def decide(
    reports: Iterable[GradeReport],
    part_id: str,
    author: str,
    *,
    group_key: str | None = None,
    students: Iterable[str] = (),
    mark: float | None = None,
    feedback: str = "",
    reason: str = "",
    accept_form: bool = False,
) -> list[Decision]:
    """The decisions on a group of answers (``group_key``, from
    :func:`group_answers`) or on some students' answers to ``part_id``."""
    reports = list(reports)
    students = list(students)
    if (group_key is None) == (not students):
        raise GraderError("give either a group or students")
    if mark is None and not feedback and not accept_form:
        raise GraderError("nothing to decide: give a mark, feedback or accept")
    what = {"mark": mark, "feedback": feedback, "reason": reason, "accept_form": accept_form}
    if group_key is not None:
        groups = group_answers(reports, part_id).get(part_id, [])
        group = next((g for g in groups if g.key == group_key), None)
        if group is None:
            raise UnknownAnswer(f"no group {group_key!r} in part {part_id!r}")
        return decide_group(reports, group, author, **what)
    by_id = {report.submission.id: report for report in reports}
    decisions = []
    for student in students:
        report = by_id.get(student)
        part = next((p for p in report.parts if p.id == part_id), None) if report else None
        if part is None:
            raise UnknownAnswer(f"no graded answer of {student!r} to {part_id!r}")
        decisions.append(decision_for(report, part, author, **what))
    return decisions
