"""``shapes`` checks: shape statements for named symbols (``y`` is n x 1, ...).

Engine: ``grader.math.parse_math`` (``MathLine.shapes`` of shape statements,
bmatrix columns, ``x \\in R^{n x (d+1)}``).
"""

from __future__ import annotations

import re
from typing import Any

from grader.checks._mathlines import parse_candidates
from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.math import parse_math  # noqa: F401 - fails early when the engine is missing

_SHAPE = re.compile(r"^\s*(.+?)\s*(?:x|\\times|×|\*)\s*(.+?)\s*$")


def _dimension_key(value: Any) -> str:
    """A comparable spelling of one dimension: ``(d+1)``, ``d + 1``, ``1+d`` agree."""
    try:
        import sympy

        if isinstance(value, sympy.Basic):
            value = sympy.srepr(sympy.simplify(value))
            return value
    except ImportError:  # pragma: no cover - sympy is a dependency
        pass
    text = re.sub(r"[\s(){}]", "", str(value))
    terms = sorted(t for t in re.split(r"\+", text) if t)
    return "+".join(terms)


def _to_sympy_key(text: str) -> str:
    # Rubric dimensions are small expressions of names and integers; build them
    # from an allow-list, never with eval.
    import sympy

    text = re.sub(r"[\s{}]", "", text)
    if not re.fullmatch(r"[A-Za-z0-9_+\-*()]+", text):
        return _dimension_key(text)
    names = {
        n: sympy.Symbol(n, integer=True, positive=True) for n in re.findall(r"[A-Za-z_]\w*", text)
    }
    try:
        expr = sympy.parse_expr(
            text, local_dict=names, global_dict={"Integer": sympy.Integer, "Symbol": sympy.Symbol}
        )
    except Exception:  # a malformed dimension: compare as text
        return _dimension_key(text)
    return sympy.srepr(sympy.simplify(expr))


def shape_key(shape: Any) -> tuple[str, str] | None:
    """``'n x (d+1)'`` or ``(n, d+1)`` -> a comparable pair."""
    if isinstance(shape, str):
        found = _SHAPE.match(shape)
        if not found:
            return None
        rows, cols = found.group(1), found.group(2)
    else:
        try:
            rows, cols = shape
        except (TypeError, ValueError):
            return None
    return (_to_sympy_key(str(rows)), _to_sympy_key(str(cols)))


class ShapesAdapter:
    kind = "shapes"

    def grade(self, check: Any, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        outcome = CheckOutcome()
        stated: dict[str, tuple[int, Any]] = {}
        for cand in parse_candidates(answer.lines, context.math_context):
            if cand.parsed is None:
                outcome.review_reasons.append(
                    f"line {cand.line_no}: math could not be read ({cand.error})"
                )
                continue
            for name, shape in (getattr(cand.parsed, "shapes", None) or {}).items():
                stated[name] = (cand.line_no, shape)
                rows, cols = shape
                outcome.read_as.append(f"line {cand.line_no}: {name} is {rows} x {cols}")
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
            if shape_key(shape) == shape_key(expected):
                outcome.items.append(ItemOutcome(name, "correct", line_no))
                continue
            mistake = next(
                (
                    m
                    for m in check.mistakes
                    if m.name == name and shape_key(m.shape) == shape_key(shape)
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
