"""``code`` checks: the student's file run in a sandbox against reference models.

Engine: ``grader.numeric.run_code_check``. The rubric's code check uses the
numeric engine's field names (docs/code-checks.md); they are passed through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.numeric import CodeCheckSpec, run_code_check


def code_spec(check: Any) -> Any:
    """The engine's spec for a rubric ``code`` check."""
    data = check.model_dump(exclude={"kind", "title", "time_limit"}, exclude_none=True)
    data.pop("references", None)
    build = getattr(CodeCheckSpec, "from_mapping", None)
    return build(data) if build else CodeCheckSpec(**data)


def _find_file(answer: AnswerInput, name: str) -> Path | None:
    if name in answer.code_files:
        return answer.code_files[name]
    if answer.submission_dir is not None and (answer.submission_dir / name).is_file():
        return answer.submission_dir / name
    return None


class CodeAdapter:
    kind = "code"

    def grade(self, check: Any, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        source = _find_file(answer, check.file)
        if source is None:
            return CheckOutcome(
                status="no_answer",
                message=f"{check.file} was not submitted",
                items=[
                    ItemOutcome(str(t.get("id", i)), "missing") for i, t in enumerate(check.tests)
                ],
            )
        references = context.rubric_dir / check.references if check.references else None
        result = run_code_check(code_spec(check), source.parent, references=references)
        outcome = CheckOutcome(review_reasons=list(getattr(result, "review_reasons", []) or []))
        for test in getattr(result, "tests", None) or getattr(result, "results", []):
            fraction = getattr(test, "score", None)
            if fraction is None:
                fraction = 1.0 if getattr(test, "passed", False) else 0.0
            outcome.items.append(
                ItemOutcome(
                    str(test.id),
                    "passed" if getattr(test, "passed", False) else "failed",
                    message=getattr(test, "message", "") or "",
                    fraction=float(fraction),
                    weight=getattr(test, "points", None) or getattr(test, "weight", None),
                )
            )
        if getattr(result, "needs_review", False) and not outcome.review_reasons:
            outcome.review_reasons.append("the code engine asks for a human look")
        score = getattr(result, "score", None)
        if score is not None and getattr(result, "max_score", None):
            outcome.engine_score, outcome.engine_max = float(score), float(result.max_score)
        return outcome


Adapter = CodeAdapter
