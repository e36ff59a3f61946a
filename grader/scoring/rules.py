"""The rubric's marking rule for each check kind: an engine's outcome ->
(score, feedback lines, review reasons), before rounding and capping.

- expression: full marks for a right line; a known mistake keeps its marks;
  a line that follows from the student's own wrong earlier answer earns the
  ``carried_forward`` marks; a conclusion that does not follow earns nothing;
- derivation: per milestone, ``correct`` full, ``corrected_slip`` minus the
  slip deduction, ``carried_forward`` full when ECF is allowed, ``ocr_suspect``
  per the check's policy (and a review flag), a known mistake its marks,
  anything else 0; a right final answer with no working at all gets
  ``no_working_marks``;
- shapes: the number of right shapes through ``score_by_count``
  (proportional when there is none);
- concepts and code: the engine's own score rescaled to the check's points;
- any_of: the best of its alternatives (each scored by its own kind's rule);
  the report's details say which gave the mark; an alternative that could
  not decide keeps its review flag unless another earns full marks.

Each kind's entry in ``grader.checks.registry`` names its rule; feedback
says what is wrong and where, never what the reference is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from grader.checks.base import CheckOutcome, ItemOutcome
from grader.rubric.models import (
    AnyOfCheck,
    CodeCheck,
    ConceptsCheck,
    DerivationCheck,
    ExpressionCheck,
    MilestoneSpec,
    ShapesCheck,
)

# (score, feedback lines, review reasons) for one check
Marks = tuple[float, list[str], list[str]]
# A kind's marking rule: its rubric model and its engine's outcome -> marks.
Scorer = Callable[[Any, CheckOutcome], Marks]

DIAGNOSIS_WORDS = {
    "sign_flip": "the sign is wrong",
    "constant_factor": "it is off by a constant factor",
    "shape_mismatch": "the matrix shapes do not agree",
    "missing_term": "a term is missing",
    "extra_term": "there is a term too many",
    "missing_factor": "a factor is missing",
    "different": "it is not equivalent",
    "wrong_value": "the value is not right",
}


def _at(line_no: int | None) -> str:
    return f"line {line_no}: " if line_no else ""


def _diagnosis(item: ItemOutcome) -> str:
    return DIAGNOSIS_WORDS.get(item.diagnosis or "", "it is not right")


def _mistake(mistakes: Iterable[Any], mistake_id: str | None) -> Any:
    return next((m for m in mistakes if getattr(m, "id", None) == mistake_id), None)


# --------------------------------------------------------------------------
# per kind: (score, feedback lines, review reasons)


def score_expression(check: ExpressionCheck, outcome: CheckOutcome) -> Marks:
    item = outcome.items[0] if outcome.items else ItemOutcome("answer", "missing")
    feedback: list[str] = []
    review: list[str] = []
    name = check.title or "the answer"
    if item.status == "correct":
        return check.points, feedback, review
    if item.status in ("carried_forward", "does_not_follow"):
        return _follow_marks(check, item)
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


def _follow_marks(check: ExpressionCheck, item: ItemOutcome) -> Marks:
    """An answer that follows from the student's own wrong earlier answer (ECF
    marks), or a conclusion that does not follow from the line before it (none)."""
    name = check.title or "the answer"
    where = _at(item.line_no)
    if item.status == "does_not_follow":
        return 0.0, [f"{where}{name} {item.message}, so it earns nothing."], []
    spec = check.carried_forward
    marks = check.points if spec is None or spec.marks is None else spec.marks
    quantity = f" {spec.quantity}" if spec is not None else ""
    return (
        marks,
        [f"{where}{name} follows from your own{quantity}: {item.message} (marks kept)."],
        [],
    )


def _milestone_points(
    check: DerivationCheck, spec: MilestoneSpec, item: ItemOutcome
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


def score_derivation(check: DerivationCheck, outcome: CheckOutcome) -> Marks:
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


def score_shapes(check: ShapesCheck, outcome: CheckOutcome) -> Marks:
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


def _scaled(check: ConceptsCheck | CodeCheck, outcome: CheckOutcome) -> float:
    if outcome.engine_score is not None and outcome.engine_max:
        return check.points * max(0.0, min(1.0, outcome.engine_score / outcome.engine_max))
    weighted = [
        (i.fraction or 0.0, i.weight or 1.0) for i in outcome.items if i.fraction is not None
    ]
    if weighted:
        total_weight = sum(w for _, w in weighted)
        return check.points * sum(f * w for f, w in weighted) / total_weight
    return 0.0


def score_concepts(check: ConceptsCheck, outcome: CheckOutcome) -> Marks:
    feedback = list(outcome.feedback)
    if outcome.status == "no_answer":
        feedback = ["No answer found."]
    return _scaled(check, outcome), feedback, []


def score_code(check: CodeCheck, outcome: CheckOutcome) -> Marks:
    if outcome.status == "no_answer":
        return 0.0, [outcome.message or f"{check.file} was not submitted."], []
    feedback = [
        f"test {item.id}: {item.message}" if item.message else f"test {item.id} failed."
        for item in outcome.items
        if item.status != "passed"
    ]
    return _scaled(check, outcome), feedback + list(outcome.feedback), []


def score_any_of(check: AnyOfCheck, outcome: CheckOutcome) -> Marks:
    # each alternative through its own kind's rule, capped as any check is
    from grader.scoring import score_check

    reports = [
        score_check(alt, alt_outcome)
        for alt, alt_outcome in zip(check.alternatives, outcome.alternatives, strict=False)
    ]
    if not reports:
        return 0.0, [], []
    # the best score; at a tie one that read an answer, needs no review, then the first
    best = max(
        range(len(reports)),
        key=lambda i: (
            reports[i].score,
            reports[i].verdict != "not_graded",
            not reports[i].needs_review,
            -i,
        ),
    )
    chosen = reports[best]
    full = chosen.score >= check.points - 1e-9
    review: list[str] = []
    if not full:
        # decision 8: an alternative that could not decide may be the one that
        # is right; its flag stays while none earns full marks
        review = [
            f"alternative {report.id!r}: {reason}"
            for report in reports
            if report.needs_review
            for reason in report.review_reasons or ["could not be decided"]
        ]
        outcome.undetermined = any(r.verdict == "undetermined" for r in reports)
    # the report says which alternative gave the mark (adapters do not choose)
    outcome.details["alternative"] = chosen.id if chosen.score > 0 else None
    outcome.details["alternatives"] = [
        {
            "id": r.id,
            "kind": r.kind,
            "verdict": r.verdict,
            "score": r.score,
            "max_score": r.max_score,
        }
        for r in reports
    ]
    outcome.evidence = list(outcome.alternatives[best].evidence)
    if chosen.score > 0:
        outcome.message = outcome.message or (
            f"{'right' if full else f'{chosen.score:g} of {check.points:g}'} "
            f"(alternative {chosen.id!r})"
        )
    return chosen.score, list(chosen.feedback), review
