"""``code`` checks: the student's file run in a sandbox against reference models.

Engine: ``grader.numeric.run_code_check``. The rubric's code check uses the
numeric engine's field names (docs/code-checks.md); they are passed through.
"""

from __future__ import annotations

from pathlib import Path

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.numeric import CodeCheckSpec, run_code_check
from grader.rubric.models import CodeCheck


def code_spec(check: CodeCheck) -> CodeCheckSpec:
    """The engine's spec for a rubric ``code`` check (the same mapping)."""
    data = check.model_dump(exclude_none=True)
    if not data.get("title"):
        data.pop("title", None)
    return CodeCheckSpec.from_mapping(data)


def _find_file(answer: AnswerInput, name: str) -> Path | None:
    # Only the student's own files: a single-sheet submission has none, even
    # when a file of that name lies next to the sheet.
    return answer.code_files.get(name)


class CodeAdapter:
    kind = "code"

    def grade(self, check: CodeCheck, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        spec = code_spec(check)
        source = _find_file(answer, check.file)
        if source is None:
            return CheckOutcome(
                status="no_answer",
                message=f"{check.file} was not submitted",
                items=[ItemOutcome(t.id, "missing") for t in spec.tests],
            )
        references = context.rubric_dir / check.references if check.references else None
        result = run_code_check(spec, source.parent, references=references)
        outcome = CheckOutcome(
            engine_score=float(result.score),
            engine_max=float(result.max_score) or None,
            review_reasons=list(result.review_reasons),
            feedback=list(result.messages),
        )
        for test in result.tests:
            outcome.items.append(
                ItemOutcome(
                    test.id,
                    "passed" if test.passed else "failed",
                    message=test.diagnostic,
                    fraction=float(test.score),
                    weight=float(test.max_marks),
                )
            )
        if result.needs_review and not outcome.review_reasons:
            outcome.review_reasons.append("the code engine asks for a human look")
        outcome.details = {"tests": [t.to_dict() for t in result.tests]}
        return outcome


Adapter = CodeAdapter
