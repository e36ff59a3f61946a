"""Final marks: a class's reports with the people's decisions applied.

A decision applies while the answer it was made on is unchanged (same
content hash) under the same rubric part; the part then carries the person's
mark and who set it. A decision made on another answer or another rubric
part no longer applies: the grader's mark stands and the part goes back to
review, saying whose decision it was, so nothing a person decided is lost or
silently applied to something they did not see.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.report.models import GradeReport, PartReport, PersonDecision
from grader.review.groups import answer_hash
from grader.review.store import Decision

__all__ = [
    "MarksFileError",
    "apply_decisions",
    "decision_for",
    "decisions_from_csv",
    "part_hash",
]


def part_hash(report: GradeReport, part: PartReport) -> str:
    """What identifies the rubric part an answer was graded under: the part's
    own hash when the report has one, else the whole rubric's."""
    return getattr(part, "rubric_sha256", "") or report.rubric.sha256


def _round(value: float) -> float:
    return round(value, 4)


def decision_for(
    report: GradeReport,
    part: PartReport,
    author: str,
    *,
    mark: float | None = None,
    feedback: str = "",
    reason: str = "",
    accept_form: bool = False,
    group_key: str | None = None,
    source: str = "review",
) -> Decision:
    """A decision on ``part`` of ``report`` as it is now (its answer and rubric part)."""
    if mark is not None and not 0 <= mark <= part.max_score:
        raise GraderError(f"{part.id}: mark {mark:g} is outside 0..{part.max_score:g}")
    return Decision(
        rubric_id=report.rubric.id,
        part_id=part.id,
        submission_id=report.submission.id,
        answer_hash=answer_hash(part, report.submission.sha256),
        part_hash=part_hash(report, part),
        author=author,
        mark=mark,
        feedback=feedback,
        reason=reason,
        accept_form=accept_form,
        grader_mark=_grader_score(part),
        group_key=group_key,
        source=source,
    )


def _grader_score(part: PartReport) -> float:
    return part.decision.grader_score if part.decision is not None else part.score


def _describe(decision: Decision) -> str:
    what = f"mark {decision.mark:g}" if decision.mark is not None else "a comment"
    return f"{what} by {decision.author} on {decision.decided_at[:10]}"


def apply_decisions(
    report: GradeReport, decisions: Mapping[tuple[str, str], Decision]
) -> GradeReport:
    """``report`` with the final marks: ``decisions`` maps (part id,
    submission id) to the decision that counts (``DecisionStore.current``)."""
    final = report.model_copy(deep=True)
    touched = False
    for part in final.parts:
        decision = decisions.get((part.id, final.submission.id))
        if decision is None:
            continue
        touched = True
        if decision.answer_hash != answer_hash(part, final.submission.sha256):
            changed = "the answer"
        elif decision.part_hash != part_hash(final, part):
            changed = "the rubric part"
        else:
            changed = ""
        if changed:
            part.needs_review = True
            part.review_reasons.append(
                f"{changed} changed since a person decided ({_describe(decision)}): "
                "the grader's mark stands until someone looks again"
            )
            continue
        grader_score = _grader_score(part)
        if decision.mark is not None:
            part.score = _round(decision.mark)
        if decision.feedback and decision.feedback not in part.feedback:
            part.feedback.append(decision.feedback)
        part.needs_review = False  # a person has looked at it
        part.review_reasons = []
        part.decision = PersonDecision(
            author=decision.author,
            decided_at=decision.decided_at,
            grader_score=grader_score,
            reason=decision.reason,
            source=decision.source,
        )
    if not touched:
        return final
    by_id = {part.id: part for part in final.parts}
    for question in final.questions:
        question.score = _round(sum(by_id[pid].score for pid in question.parts if pid in by_id))
    final.score = _round(sum(part.score for part in final.parts))
    final.needs_review = any(part.needs_review for part in final.parts)
    return final


class MarksFileError(GraderError):
    """A CSV of human marks that cannot be read (``file:line: message``)."""


@dataclass(frozen=True)
class _Row:
    line: int
    part: str
    student: str
    mark: float | None
    comment: str


_HEADERS = {
    "part": ("part", "part_id", "question"),
    "student": ("student", "submission", "submission_id", "id"),
    "mark": ("mark", "score", "points"),
    "comment": ("comment", "feedback", "note"),
}


def _read_marks(path: Path) -> list[_Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MarksFileError(f"{path}: cannot read the marks file: {error}") from None
    reader = csv.DictReader(text.splitlines())
    header = {name.strip().lower(): name for name in reader.fieldnames or ()}
    columns = {}
    for column, names in _HEADERS.items():
        found = next((header[name] for name in names if name in header), None)
        if found is None and column != "comment":
            raise MarksFileError(
                f"{path}:1: no '{column}' column (the header needs part, student, mark"
                " and optionally comment)"
            )
        columns[column] = found
    rows = []
    for line, record in enumerate(reader, start=2):
        part = (record.get(columns["part"]) or "").strip()
        student = (record.get(columns["student"]) or "").strip()
        raw = (record.get(columns["mark"]) or "").strip()
        comment = (record.get(columns["comment"]) or "").strip() if columns["comment"] else ""
        if not part and not student and not raw:
            continue
        if not part or not student:
            raise MarksFileError(f"{path}:{line}: a row needs a part and a student")
        try:
            mark = float(raw) if raw else None
        except ValueError:
            raise MarksFileError(f"{path}:{line}: mark {raw!r} is not a number") from None
        if mark is None and not comment:
            raise MarksFileError(f"{path}:{line}: neither a mark nor a comment")
        rows.append(_Row(line, part, student, mark, comment))
    return rows


def decisions_from_csv(
    path: str | Path, reports: Iterable[GradeReport], author: str
) -> list[Decision]:
    """Human marks from a CSV (part, student, mark, comment) as decisions on
    the answers the reports hold; every row is checked before any is used."""
    path = Path(path)
    by_student = {report.submission.id: report for report in reports}
    decisions = []
    for row in _read_marks(path):
        report = by_student.get(row.student)
        if report is None:
            raise MarksFileError(f"{path}:{row.line}: no graded submission {row.student!r}")
        part = next((p for p in report.parts if p.id == row.part), None)
        if part is None:
            raise MarksFileError(f"{path}:{row.line}: the rubric has no part {row.part!r}")
        if row.mark is not None and not 0 <= row.mark <= part.max_score:
            raise MarksFileError(
                f"{path}:{row.line}: mark {row.mark:g} for {row.part} is outside "
                f"0..{part.max_score:g}"
            )
        decisions.append(
            decision_for(
                report,
                part,
                author,
                mark=row.mark,
                feedback=row.comment,
                reason=f"imported from {path.name}",
                source="csv import",
            )
        )
    return decisions
