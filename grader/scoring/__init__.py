"""The one place where rubric + engine verdicts become points, feedback and
review flags.

Adapters (``grader.checks``) report what their engine found, item by item, in
the engine's terms; each check kind's marking rule (``grader.scoring.rules``,
named by the kind's entry in ``grader.checks.registry``) turns that into marks,
and this module caps and rounds them, and adds up parts, questions and the
exam.

Feedback says what is wrong and where (line numbers), never what the
reference is: it is built from the rubric's feedback texts and the engine's
diagnosis, not from references. Anything a human should look at (unreadable
math, an OCR repair, a timeout, a part not found, a kind with no engine) sets
``needs_review`` with a reason; nothing is ever a silent 0.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from grader.checks import registry
from grader.checks.base import CheckOutcome
from grader.checks.mathlines import NO_MATH_READ, has_math_signs
from grader.report.models import (
    AnswerView,
    CheckReport,
    Evidence,
    GradeReport,
    LineSpan,
    PartReport,
    QuestionReport,
    RubricInfo,
    SubmissionInfo,
)
from grader.scoring.rules import DIAGNOSIS_WORDS, Marks, Scorer

if TYPE_CHECKING:  # pragma: no cover
    from grader.rubric.models import CheckSpec, Part, Rubric

__all__ = [
    "DIAGNOSIS_WORDS",
    "DIGITS",
    "Marks",
    "Scorer",
    "build_report",
    "score_check",
    "score_part",
]

# Scores are rounded here, once, so reports are stable across platforms.
DIGITS = 4


def _round(value: float) -> float:
    return round(value + 0.0, DIGITS)


# --------------------------------------------------------------------------
# check, part, question, exam


def score_check(check: CheckSpec, outcome: CheckOutcome) -> CheckReport:
    """A check's verdict, points, feedback and review flags from its outcome
    (its kind's marking rule, then capped and rounded)."""
    review = list(outcome.review_reasons)
    if outcome.status in ("unavailable", "error"):
        return CheckReport(
            id=check.id,
            kind=check.kind,
            verdict="not_graded",
            score=0.0,
            max_score=check.points,
            message=outcome.message or "not graded",
            needs_review=True,
            review_reasons=review or ["not graded"],
        )
    kind = registry.kind_of(check.kind)
    score, feedback, more_review = kind.scorer(check, outcome)
    review += more_review
    if outcome.status == "no_answer" and not kind.reads_code_files:
        feedback = []  # the part says once that no answer was found
    score = _round(max(0.0, min(score, check.points)))
    if outcome.status == "no_answer":
        verdict = "not_graded"
    elif outcome.undetermined and score < check.points:
        verdict = "undetermined"
    elif score >= check.points - 1e-9:
        verdict = "correct"
    elif score > 0:
        verdict = "partial"
    else:
        verdict = "incorrect"
    message = (
        outcome.message
        or {
            "correct": "right",
            "partial": f"{score:g} of {check.points:g}",
            "incorrect": "not right",
            "undetermined": "could not be decided automatically",
            "not_graded": "no answer",
        }[verdict]
    )
    return CheckReport(
        id=check.id,
        kind=check.kind,
        verdict=verdict,
        score=score,
        max_score=check.points,
        message=message,
        feedback=feedback,
        needs_review=bool(review) or verdict == "undetermined",
        review_reasons=_dedupe(review),
        evidence=[_evidence(e) for e in outcome.evidence] + _lines_of(feedback),
        details=dict(outcome.details),
    )


def _evidence(data: dict[str, Any]) -> Evidence:
    line = data.get("line")
    return Evidence(
        text=str(data.get("text", "")),
        lines=LineSpan(start=line, end=line) if isinstance(line, int) and line > 0 else None,
        note=data.get("note"),
    )


_LINE_PREFIX = re.compile(r"^line (\d+): (.*)$")


def _lines_of(feedback: list[str]) -> list[Evidence]:
    """Evidence for feedback that points at a line: where the marks were lost."""
    found = []
    for text in feedback:
        match = _LINE_PREFIX.match(text)
        if match:
            line = int(match.group(1))
            found.append(
                Evidence(text=match.group(2), lines=LineSpan(start=line, end=line), note=text)
            )
    return found


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _flag_unread_math(check: CheckReport, answer: AnswerView | None) -> CheckReport:
    """A derivation that read no math line from a found answer with math in it
    goes to review: the math may be there, written in a way the reader missed.
    (The expression adapter flags the same case itself.)"""
    steps = check.details.get("steps")
    if (
        not registry.kind_of(check.kind).flags_unread_math
        or check.needs_review
        or answer is None
        or not answer.found
        or steps is None
        or any(step.get("kind") != "text" for step in steps)
        or not has_math_signs(answer.text)
    ):
        return check
    return check.model_copy(
        update={
            "message": NO_MATH_READ,
            "needs_review": True,
            "review_reasons": [*check.review_reasons, NO_MATH_READ],
        }
    )


def score_part(
    part_id: str,
    question_id: str,
    part: Part,
    checks: list[CheckReport],
    *,
    answer: AnswerView | None = None,
    problems: Iterable[str] = (),
) -> PartReport:
    """A part's score and flags: its checks' sum, plus part-finding problems."""
    problems = list(problems)
    checks = [_flag_unread_math(check, answer) for check in checks]
    review = [reason for check in checks for reason in check.review_reasons]
    review += problems
    # OCR repairs (a crossed-out term dropped) are shown in the answer view;
    # a line that is right only after a repair is flagged by its engine.
    feedback = [line for check in checks for line in check.feedback]
    if answer is not None and not answer.found and part.kind != "code":
        feedback.insert(0, "No answer to this part was found on the sheet.")
    elif (
        answer is not None
        and part.kind != "code"
        and checks
        and all(c.verdict == "not_graded" and not c.needs_review and not c.feedback for c in checks)
    ):
        # found, but nothing in it to mark ("I don't know." under a math part):
        # never a 0 without a word
        feedback.insert(0, "This answer has nothing that could be marked.")
    needs_review = bool(review) or any(c.needs_review for c in checks)
    return PartReport(
        rubric_sha256=hashlib.sha256(part.model_dump_json().encode("utf-8")).hexdigest(),
        visibility=part.visibility,
        id=part_id,
        question_id=question_id,
        title=part.title,
        score=_round(sum(c.score for c in checks)),
        max_score=_round(part.points),
        needs_review=needs_review,
        review_reasons=_dedupe(review),
        feedback=_dedupe(feedback),
        answer=answer,
        checks=checks,
    )


def build_report(
    rubric: Rubric,
    parts: list[PartReport],
    *,
    submission: SubmissionInfo,
    warnings: Iterable[str] = (),
    grader_version: str = "",
) -> GradeReport:
    """The whole submission's report: questions' and exam's totals from the parts."""
    by_question: dict[str, list[PartReport]] = {}
    for part in parts:
        by_question.setdefault(part.question_id, []).append(part)
    questions = []
    for question in rubric.questions:
        reports = by_question.get(question.id, [])
        questions.append(
            QuestionReport(
                id=question.id,
                title=question.title,
                score=_round(sum(p.score for p in reports)),
                max_score=_round(question.max_score),
                parts=[p.id for p in reports],
            )
        )
    return GradeReport(
        submission=submission,
        rubric=RubricInfo(id=rubric.id, title=rubric.title, sha256=rubric.sha256),
        score=_round(sum(p.score for p in parts)),
        max_score=_round(rubric.max_score),
        needs_review=any(p.needs_review for p in parts),
        questions=questions,
        parts=parts,
        warnings=list(warnings),
        grader_version=grader_version,
    )
