"""``concepts`` checks: free text graded by ideas and misconceptions.

Engine: ``grader.text.grade_concepts``. The engine scores the answer on the
spec's own scale (``score_by_count`` or capped per-idea marks);
``grader.scoring`` rescales that to the check's points. A check with only a
``reference`` answer is graded by ``grader.text.similarity_grade`` (through
``grade_concepts``), out of the check's points, and goes to review when the
prediction is not clear-cut.
"""

from __future__ import annotations

from typing import Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.cache import LABEL_BASE, can_label, copied, relabel
from grader.rubric.models import ConceptsCheck
from grader.text import ConceptSpec, grade_concepts, similarity_grade


def concept_spec(check: ConceptsCheck) -> ConceptSpec:
    """The engine's spec for a rubric ``concepts`` check (same field names)."""
    return ConceptSpec(
        # the rubric holds the engine's own models: no copy to make
        ideas=list(check.ideas),
        misconceptions=list(check.misconceptions),
        score_by_count=dict(check.score_by_count) if check.score_by_count else None,
        # reference only: the similarity fallback grades out of the check's points
        max_marks=check.max_marks if check.ideas or check.max_marks else check.points,
        reference=check.reference,
        window=check.window,
    )


class ConceptsAdapter:
    kind = "concepts"

    def grade(
        self, check: ConceptsCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        if not answer.text.strip():
            return CheckOutcome(
                status="no_answer",
                items=[ItemOutcome(i.id, "missing") for i in check.ideas],
                engine_score=0.0,
            )
        if not check.ideas:
            return self._by_similarity(check, answer, context)
        result = _class_result(check, answer, context)
        outcome = CheckOutcome(
            engine_score=float(result.score),
            engine_max=float(result.max_score),
            feedback=list(result.feedback),
            review_reasons=list(result.review_reasons),
        )
        if result.needs_review and not outcome.review_reasons:
            outcome.review_reasons.append("the text engine asks for a human look")
        for match in result.matched:
            outcome.items.append(ItemOutcome(match.id, "matched", getattr(match, "line_no", None)))
            outcome.evidence.append(
                {
                    "text": getattr(match, "text", ""),
                    "line": getattr(match, "line_no", None),
                    "note": f"idea {match.id}",
                }
            )
        for idea_id in result.missing:
            outcome.items.append(ItemOutcome(idea_id, "missing"))
        for mis in result.misconceptions:
            mis_id = getattr(mis, "id", str(mis))
            outcome.items.append(
                ItemOutcome(mis_id, "misconception", getattr(mis, "line_no", None))
            )
        return outcome

    def _by_similarity(
        self, check: ConceptsCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        """A reference-only check: the calibrated similarity fallback, out of its points."""
        spec = concept_spec(check)  # the engine's own checks of the fields
        result = context.cached(
            ("similarity", id(check), answer.text),
            lambda: similarity_grade(answer.text, spec.reference or "", max_marks=spec.max_score),
            copy=copied,
        )
        outcome = CheckOutcome(
            engine_score=float(result.score),
            engine_max=float(result.max_score),
            feedback=list(result.feedback),
            review_reasons=list(result.review_reasons),
            # instructor view only (student_view drops details); no reference text
            details={
                "method": "similarity",
                "predicted_fraction": round(result.similarity, 3),
                "features": {k: round(v, 3) for k, v in result.features.items()},
            },
        )
        if result.needs_review and not outcome.review_reasons:
            outcome.review_reasons.append("the text engine asks for a human look")
        return outcome


def _class_result(check: ConceptsCheck, answer: AnswerInput, context: GradingContext) -> Any:
    """``grade_concepts`` on the answer, once per class for the same text
    wherever it is on the sheet (lines labelled, see ``grader.checks.cache``)."""
    if context.cache is None or not context.cache.enabled or not can_label([answer.text]):
        return grade_concepts(answer.text, concept_spec(check), first_line=answer.first_line)
    kept = context.cache.get(
        ("concepts", id(check), answer.text),
        lambda: grade_concepts(answer.text, concept_spec(check), first_line=LABEL_BASE),
    )
    return relabel(kept, answer.first_line)


Adapter = ConceptsAdapter
