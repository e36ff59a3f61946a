"""``shapes`` checks: shape statements for named symbols (``y`` is n x 1, ...).

Engine: ``grader.math.parse_math`` (``MathLine.shapes`` of shape statements,
bmatrix columns, ``x \\in R^{n x (d+1)}``).
"""

from __future__ import annotations

from typing import Any

from grader.checks._mathlines import answer_candidates
from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.math.context import parse_shape


def rubric_shape(text: str) -> tuple[Any, Any] | None:
    """``'n x (d+1)'`` -> (n, d + 1) with the math engine's own shape reader."""
    try:
        return parse_shape(text)
    except ValueError:
        return None


def same_shape(stated: Any, expected: tuple[Any, Any] | None) -> bool:
    """Whether a stated (rows, cols) equals an expected one, dimension by dimension."""
    import sympy

    if expected is None:
        return False
    try:
        rows, cols = stated
    except (TypeError, ValueError):
        return False
    pairs = ((rows, expected[0]), (cols, expected[1]))

    def equal(a: Any, b: Any) -> bool:
        try:
            if sympy.expand(sympy.sympify(a, strict=True) - b) == 0:
                return True
        except (sympy.SympifyError, TypeError):
            pass
        # the same names with other assumptions still spell the same dimension
        return str(a).replace(" ", "") == str(b).replace(" ", "")

    return all(equal(a, b) for a, b in pairs)


def _dim(value: Any) -> str:
    text = str(value)
    return f"({text})" if any(op in text for op in "+-*/ ") else text


class ShapesAdapter:
    kind = "shapes"

    def grade(self, check: Any, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        outcome = CheckOutcome()
        stated: dict[str, tuple[int, Any]] = {}
        for cand in answer_candidates(answer, context.math_context):
            if cand.parsed is None:
                outcome.review_reasons.append(
                    f"line {cand.line_no}: math could not be read ({cand.error})"
                )
                continue
            for name, shape in (getattr(cand.parsed, "shapes", None) or {}).items():
                stated[name] = (cand.line_no, shape)
                rows, cols = shape
                outcome.read_as.append(
                    f"line {cand.line_no}: {name} is {_dim(rows)} x {_dim(cols)}"
                )
            outcome.repairs += [
                f"line {cand.line_no}: {r}" for r in getattr(cand.parsed, "repairs", [])
            ]
        if not stated and not answer.text.strip():
            outcome.status = "no_answer"
        canonical = _canonical_names(check.shapes, context)
        for name, expected in check.shapes.items():
            key = canonical.get(name, name)
            if key not in stated:
                outcome.items.append(ItemOutcome(name, "missing"))
                continue
            line_no, shape = stated[key]
            if same_shape(shape, rubric_shape(expected)):
                outcome.items.append(ItemOutcome(name, "correct", line_no))
                continue
            mistake = next(
                (
                    m
                    for m in check.mistakes
                    if m.name == name and same_shape(shape, rubric_shape(m.shape))
                ),
                None,
            )
            outcome.items.append(
                ItemOutcome(
                    name,
                    "wrong",
                    line_no,
                    mistake=f"{m_name(mistake)}" if mistake else None,
                    diagnosis="shape_mismatch",
                )
            )
        return outcome


def m_name(mistake: Any) -> str:
    return f"{mistake.name}:{mistake.shape}"


def _canonical_names(shapes: dict[str, str], context: GradingContext) -> dict[str, str]:
    """Rubric names in the parser's canonical spelling (``\\beta`` -> ``beta``)."""
    names = {}
    for name in shapes:
        try:
            from grader.math import parse_math

            line = parse_math(name, context.math_context)
            terms = getattr(line, "terms", None) or []
            names[name] = str(terms[0]) if terms else name
        except Exception:  # the rubric's name is used as written
            names[name] = name
    return names


Adapter = ShapesAdapter
