"""Error carried forward (ECF) in a rubric: what an answer may follow from.

A marking scheme's "(c): 2 marks, ECF from a wrong Jacobian in (b)" is written
on (c)'s expression check as

    carried_forward:
      part: b              # the earlier part (this question's; or `q1.b`)
      quantity: J          # what the student's (b) gives, as they name it
      answer: \\det(J)      # (c)'s answer in terms of that quantity

and "the value computed from the student's own formula" (within one part) as
``carried_forward: {quantity: f(x), answer: f(2)}`` with no ``part``. The
checks adapter (``grader.checks.carried_forward``) puts the student's own
value of the quantity into ``answer`` and compares their line with the result.

This module holds the model and the checks of part references that need the
whole question or rubric; it knows nothing of the engines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grader.fields import Points

__all__ = ["CarriedForward", "unknown_part_references"]


class CarriedForward(BaseModel):
    """Error carried forward: the check's marks are also earned by an answer
    that follows from the student's own (wrong) earlier answer."""

    model_config = ConfigDict(extra="forbid")

    part: str | None = Field(
        None,
        description=(
            "The earlier part whose answer is carried forward: `b` (a part of this "
            "question) or `q1.b` (another question's). Absent: the earlier lines of "
            "this part's own answer (a value computed from the student's own formula)."
        ),
    )
    quantity: str = Field(
        ...,
        min_length=1,
        description=(
            "What the earlier answer gives, as the student names it on the line that "
            "states it: a name (`J`, `\\hat\\beta`), or a formula in a variable "
            "(`f(x)`; `f` declared a function in the context)."
        ),
    )
    answer: str = Field(
        ...,
        min_length=1,
        description=(
            "This check's answer written in terms of the quantity (`\\det(J)`, `J^T J`, "
            "`f(2)`): the student's own value of the quantity is put in, and their "
            "line must be equivalent to the result."
        ),
    )
    marks: Points | None = Field(
        None,
        description=(
            "Marks for an answer that follows from a wrong earlier answer "
            "(default: all of the check's points)."
        ),
    )

    @field_validator("part")
    @classmethod
    def _part_text(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("part must name a part, e.g. `b` or `q1.b`")
        return value


def unknown_part_references(question: Any, questions: Iterable[Any] = ()) -> list[str]:
    """Problems with the ``carried_forward.part`` references of a question's
    checks: a part that does not exist, or the part itself. ``questions``: the
    whole rubric's, for references like ``q1.b`` (checked only when given)."""
    problems: list[str] = []
    own = [part.id for part in question.parts]
    others = {q.id: [p.id for p in q.parts] for q in questions}
    for part in question.parts:
        for check in part.checks:
            spec = getattr(check, "carried_forward", None)
            if spec is None or spec.part is None:
                continue
            where = f"part {part.id!r}, check {check.id!r}: carried_forward.part {spec.part!r}"
            question_id, _, part_id = spec.part.rpartition(".")
            if not question_id:
                if part_id == part.id:
                    problems.append(
                        f"{where} is the part itself (leave `part` out for its own lines)"
                    )
                elif part_id not in own:
                    problems.append(
                        f"{where} is not a part of this question (its parts: {', '.join(own)})"
                    )
            elif others:
                if question_id not in others:
                    problems.append(f"{where}: no question {question_id!r}")
                elif part_id not in others[question_id]:
                    problems.append(
                        f"{where}: question {question_id!r} has no part {part_id!r} "
                        f"(its parts: {', '.join(others[question_id])})"
                    )
                elif question_id == question.id and part_id == part.id:
                    problems.append(
                        f"{where} is the part itself (leave `part` out for its own lines)"
                    )
    return problems
