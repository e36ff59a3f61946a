"""The one place where rubric + engine verdicts become points, feedback and
review flags.

Adapters (``grader.checks``) report what their engine found, item by item, in
the engine's terms; this module applies the rubric's marking policy:

- expression: full marks for a right line; a known mistake keeps its marks;
- derivation: per milestone, ``correct`` full, ``corrected_slip`` minus the
  slip deduction, ``carried_forward`` full when ECF is allowed, ``ocr_suspect``
  per the check's policy (and a review flag), a known mistake its marks,
  anything else 0; a right final answer with no working at all gets
  ``no_working_marks``;
- shapes: the number of right shapes through ``score_by_count``
  (proportional when there is none);
- concepts and code: the engine's own score rescaled to the check's points.

Feedback says what is wrong and where (line numbers), never what the
reference is: it is built from the rubric's feedback texts and the engine's
diagnosis, not from references. Anything a human should look at (unreadable
math, an OCR repair, a timeout, a part not found, a kind with no engine) sets
``needs_review`` with a reason; nothing is ever a silent 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from grader.checks._mathlines import NO_MATH_READ, has_math_signs
from grader.checks.base import CheckOutcome, ItemOutcome
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

# Scores are rounded here, once, so reports are stable across platforms.
DIGITS = 4

DIAGNOSIS_WORDS = {
    "sign_flip": "the sign is wrong",
    "constant_factor": "it is off by a constant factor",
    "shape_mismatch": "the matrix shapes do not agree",
    "missing_term": "a term is missing",
    "extra_term": "there is a term too many",
    "missing_factor": "a factor is missing",
    "different": "it is not equivalent",
}


def _round(value: float) -> float:
    return round(value + 0.0, DIGITS)


def _at(line_no: int | None) -> str:
    return f"line {line_no}: " if line_no else ""


def _diagnosis(item: ItemOutcome) -> str:
    return DIAGNOSIS_WORDS.get(item.diagnosis or "", "it is not right")


def _mistake(mistakes: Iterable[Any], mistake_id: str | None) -> Any:
    return next((m for m in mistakes if getattr(m, "id", None) == mistake_id), None)


# --------------------------------------------------------------------------
# per kind: (score, feedback lines, review reasons)


def _score_expression(check: Any, outcome: CheckOutcome) -> tuple[float, list[str], list[str]]:
    item = outcome.items[0] if outcome.items else ItemOutcome("answer", "missing")
    feedback: list[str] = []
    review: list[str] = []
    name = check.title or "the answer"
    if item.status == "correct":
        return check.points, feedback, review
    if item.status == "ocr_suspect":
        review.append(f"{_at(item.line_no)}{name} is right only after an OCR repair")
        return (
            check.points,
            [f"{_at(item.line_no)}{name} was read after an OCR repair: a marker will confirm it."],
            review,
        )
    mistake = _mistake(check.mistakes, item.mistake)
    if mistake is not None:
        return mistake.marks, [f"{_at(item.line_no)}{mistake.feedback}"], review
    if item.status == "undetermined":
        return (
            0.0,
            [f"{_at(item.line_no)}{name} could not be checked automatically; a marker will."],
            review,
        )
    if item.status == "missing":
        return 0.0, [check.feedback or f"No answer found for {name}."], review
    if item.status == "not_found":
        text = f"{name[:1].upper()}{name[1:]}: none of your lines gives it."
        return 0.0, [f"{text} {check.feedback}".strip()], review
    text = f"{_at(item.line_no)}{name}: {_diagnosis(item)}."
    if check.feedback:
        text += " " + check.feedback
    return 0.0, [text], review


def _milestone_points(
    check: Any, spec: Any, item: ItemOutcome
) -> tuple[float, str | None, str | None]:
    """(points, feedback line or None, review reason or None) for one milestone."""
    name = spec.title or spec.id
    where = _at(item.line_no)
    status = item.status
    if status == "correct":
        return spec.points, None, None
    if status == "corrected_slip":
        deduction = spec.slip_deduction if spec.slip_deduction is not None else check.slip_deduction
        deduction = min(deduction, spec.points)
        return (
            spec.points - deduction,
            f"{where}a slip in {name} ({_diagnosis(item)}), put right on the next line"
            + (f" (-{deduction:g})." if deduction else "."),
            None,
        )
    if status == "carried_forward":
        if check.allow_ecf:
            return (
                spec.points,
                f"{where}{name} follows correctly from an earlier error (marks kept).",
                None,
            )
        return 0.0, f"{where}{name} follows from an earlier error.", None
    if status == "ocr_suspect":
        award = spec.points if check.ocr_suspect == "award" else 0.0
        return (
            award,
            f"{where}{name} was read only after an OCR repair: a marker will confirm it.",
            f"{where}{name} is right only after an OCR repair",
        )
    if status == "undetermined":
        return (
            0.0,
            f"{where}{name} could not be checked automatically; a marker will.",
            f"{where}{name}: the engine could not decide",
        )
    mistake = _mistake(spec.mistakes, item.mistake)
    if mistake is not None:
        return mistake.marks, f"{_at(item.line_no)}{mistake.feedback}", None
    if status == "missing":
        text = f"{name}: not found in your answer."
    else:
        text = f"{where}{name}: {_diagnosis(item)}."
    if spec.feedback:
        text += " " + spec.feedback
    return 0.0, text, None


def _score_derivation(check: Any, outcome: CheckOutcome) -> tuple[float, list[str], list[str]]:
    by_id = {item.id: item for item in outcome.items}
    score = 0.0
    feedback: list[str] = []
    review: list[str] = []
    for spec in check.milestones:
        item = by_id.get(spec.id, ItemOutcome(spec.id, "missing"))
        points, line, reason = _milestone_points(check, spec, item)
        score += points
        if line:
            feedback.append(line)
        if reason:
            review.append(reason)
    final_id = check.final_milestone or check.milestones[-1].id
    final = by_id.get(final_id)
    others = [by_id.get(m.id) for m in check.milestones if m.id != final_id]
    if (
        check.no_working_marks is not None
        and final is not None
        and final.status == "correct"
        and all(o is None or o.status == "missing" for o in others)
    ):
        # the scheme's mark for an unsupported final answer, also when the final
        # milestone alone is worth more (a bare "p = k/n" is not the derivation)
        score = check.no_working_marks
        feedback = ["The final answer is right, but the working is not shown."]
    return score, feedback, review


def _count_score(table: dict[int, float] | None, count: int, total: int, points: float) -> float:
    if table:
        reached = [k for k in table if k <= count]
        return table[max(reached)] if reached else 0.0
    return points * count / total if total else 0.0


def _score_shapes(check: Any, outcome: CheckOutcome) -> tuple[float, list[str], list[str]]:
    feedback = []
    right = 0
    for item in outcome.items:
        if item.status == "correct":
            right += 1
            continue
        if item.status == "missing":
            feedback.append(f"The shape of {item.id} is not stated.")
            continue
        mistake = next((m for m in check.mistakes if f"{m.name}:{m.shape}" == item.mistake), None)
        if mistake is not None:
            feedback.append(f"{_at(item.line_no)}{mistake.feedback}")
        else:
            feedback.append(f"{_at(item.line_no)}the shape of {item.id} is not right.")
    score = _count_score(check.score_by_count, right, len(check.shapes), check.points)
    return score, feedback, []


def _scaled(check: Any, outcome: CheckOutcome) -> float:
    if outcome.engine_score is not None and outcome.engine_max:
        return check.points * max(0.0, min(1.0, outcome.engine_score / outcome.engine_max))
    weighted = [
        (i.fraction or 0.0, i.weight or 1.0) for i in outcome.items if i.fraction is not None
    ]
    if weighted:
        total_weight = sum(w for _, w in weighted)
        return check.points * sum(f * w for f, w in weighted) / total_weight
    return 0.0


def _score_concepts(check: Any, outcome: CheckOutcome) -> tuple[float, list[str], list[str]]:
    feedback = list(outcome.feedback)
    if outcome.status == "no_answer":
        feedback = ["No answer found."]
    return _scaled(check, outcome), feedback, []


def _score_code(check: Any, outcome: CheckOutcome) -> tuple[float, list[str], list[str]]:
    if outcome.status == "no_answer":
        return 0.0, [outcome.message or f"{check.file} was not submitted."], []
    feedback = [
        f"test {item.id}: {item.message}" if item.message else f"test {item.id} failed."
        for item in outcome.items
        if item.status != "passed"
    ]
    return _scaled(check, outcome), feedback + list(outcome.feedback), []


_SCORERS = {
    "expression": _score_expression,
    "derivation": _score_derivation,
    "shapes": _score_shapes,
    "concepts": _score_concepts,
    "code": _score_code,
}


# --------------------------------------------------------------------------
# check, part, question, exam


def score_check(check: Any, outcome: CheckOutcome) -> CheckReport:
    """A check's verdict, points, feedback and review flags from its outcome."""
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
    score, feedback, more_review = _SCORERS[check.kind](check, outcome)
    review += more_review
    if outcome.status == "no_answer" and check.kind != "code":
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
        check.kind != "derivation"
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
    part: Any,
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
    rubric: Any,
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
