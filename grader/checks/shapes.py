"""``shapes`` checks: shape statements for named symbols (``y`` is n x 1, ...).

Engines: ``grader.math.parse_math`` (``MathLine.shapes`` of LaTeX shape
statements, bmatrix columns, ``x \\in R^{n x (d+1)}``) and
``grader.math.shapes.read_shape_statements`` (shapes in words: ``y is n x 1``,
``beta is a (d+1)-dimensional column vector``). Shape-like text that neither
reads goes to review when a shape it may state is missing.
"""

from __future__ import annotations

import re
from typing import Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.mathlines import answer_candidates
from grader.math.context import parse_shape
from grader.math.shapes import read_shape_statements
from grader.rubric.models import ShapesCheck


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

    def grade(
        self, check: ShapesCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        outcome = CheckOutcome()
        canonical = _canonical_names(check.shapes, context)
        # (line, order on the line, name, shape): LaTeX statements first, then words
        found: list[tuple[int, int, str, Any]] = []
        latex_lines: dict[int, set[str]] = {}
        unparsed: dict[int, list[str]] = {}
        for cand in answer_candidates(answer, context.math_context, context.cache):
            if cand.parsed is None:
                unparsed.setdefault(cand.line_no, []).append(
                    f"line {cand.line_no}: math could not be read ({cand.error})"
                )
                continue
            for name, shape in (getattr(cand.parsed, "shapes", None) or {}).items():
                # the parser gives None for a scalar (t \in \mathbb{R}): 1 x 1
                found.append((cand.line_no, 0, name, (1, 1) if shape is None else shape))
                latex_lines.setdefault(cand.line_no, set()).add(name)
            outcome.repairs += [
                f"line {cand.line_no}: {r}" for r in getattr(cand.parsed, "repairs", [])
            ]
        quantity = check.quantity or (next(iter(check.shapes)) if len(check.shapes) == 1 else None)
        words = read_shape_statements(
            answer.lines,
            context.math_context,
            names=set(canonical.values()),
            it=canonical.get(quantity) if quantity else None,
            it_words=check.described_as,
        )
        words_lines = {s.line_no for s in words.statements}
        for statement in words.statements:
            if statement.name in latex_lines.get(statement.line_no, set()):
                continue  # the LaTeX reader already read it
            found.append((statement.line_no, 1, statement.name, statement.shape))
        unread = [u for u in words.unreadable if u.line_no not in latex_lines]
        unread_lines = {u.line_no for u in unread}
        for line_no, reasons in unparsed.items():
            # math that does not parse but reads as a shape statement in words
            if line_no not in words_lines or line_no in unread_lines:
                outcome.review_reasons += reasons
        stated: dict[str, tuple[int, Any]] = {}
        for line_no, _, name, shape in sorted(found, key=lambda f: (f[0], f[1])):
            stated[name] = (line_no, shape)
            rows, cols = shape
            outcome.read_as.append(f"line {line_no}: {name} is {_dim(rows)} x {_dim(cols)}")
        if not stated and not answer.text.strip():
            outcome.status = "no_answer"
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
        _flag_unread(outcome, unread, canonical)
        read_on_line: dict[int, int] = {}
        for line_no, *_ in found:
            read_on_line[line_no] = read_on_line.get(line_no, 0) + 1
        _flag_shape_like(outcome, answer, read_on_line, unread_lines)
        return outcome


# "d*d", "dxd", "n x k", "d \times d", "n by k": text that looks like a shape
_SHAPE_LIKE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z0-9]{1,3}\s*(?:x|X|×|\*|\\times|by)\s*[A-Za-z0-9]{1,3}(?![A-Za-z0-9])"
)


def _flag_shape_like(
    outcome: CheckOutcome,
    answer: AnswerInput,
    read_on_line: dict[int, int],
    flagged_lines: set[int],
) -> None:
    """A shape that is missing while a line holds more shape-like text than the
    readers understood ("Covariance is a d*d matrix", "$Z : n x k$" after a read
    "$C \\in R^{d x d}$"): review, not a silent charge."""
    if outcome.undetermined or not any(i.status == "missing" for i in outcome.items):
        return
    for line_no, text in answer.lines:
        if line_no in flagged_lines:
            continue
        looks = _SHAPE_LIKE.findall(text)
        if len(looks) > read_on_line.get(line_no, 0):
            outcome.review_reasons.append(
                f"line {line_no}: {looks[-1]!r} looks like a shape, but no statement "
                "of a quantity's shape could be read there"
            )
            outcome.undetermined = True


def _flag_unread(outcome: CheckOutcome, unread: list[Any], canonical: dict[str, str]) -> None:
    """Shape-like text that did not read, when a shape it may state is missing:
    review, not a silent 0."""
    missing = {
        canonical.get(item.id, item.id) for item in outcome.items if item.status == "missing"
    }
    if not missing:
        return
    relevant = [u for u in unread if not u.names or set(u.names) & missing]
    for u in relevant:
        outcome.review_reasons.append(
            f"line {u.line_no}: a shape statement could not be read: {u.text!r} ({u.reason})"
        )
    if relevant:
        outcome.undetermined = True


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
