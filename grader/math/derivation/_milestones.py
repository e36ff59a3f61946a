"""Milestones: engine-level targets (value, equation, form) found in the checked steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixSymbol

from grader.math.calculus import EvaluationError
from grader.math.derivation._checker import Checker
from grader.math.derivation._equations import residuals
from grader.math.derivation._reading import is_zero
from grader.math.derivation._results import DerivationStep, Milestone, MilestoneResult
from grader.math.derivation._values import common_factor, free_symbols, split_quantity


@dataclass
class _MilestoneSpec:
    milestone: Milestone
    quantity: str | None
    reference: Any | None  # value / form: expression; equation: (lhs, rhs)
    error: str | None = None


def _quantity_name(text: str, context: Any) -> str | None:
    """``dL/dz1``, ``d(J)/d(beta)``, ``\\frac{\\partial L}{\\partial z_1}``, ``J`` -> a quantity name."""
    text = text.strip()
    resolve = getattr(context, "resolve_alias", lambda n: n)
    from grader.math._names import canonical_name

    match = re.fullmatch(r"d\((.+)\)/d\((.+)\)", text) or re.fullmatch(
        r"d\s*([A-Za-z][\w{}\\]*)\s*/\s*d\s*([A-Za-z][\w{}\\']*)", text
    )
    if match:
        return f"d({resolve(canonical_name(match.group(1)))})/d({resolve(canonical_name(match.group(2)))})"
    try:
        from grader.math.parse import parse_math

        line = parse_math(text, context)
    except Exception:  # noqa: BLE001 - a bad milestone is reported, not raised
        return None
    terms = list(getattr(line, "terms", []) or [])
    if len(terms) == 1 and isinstance(terms[0], (sp.Symbol, MatrixSymbol)):
        return terms[0].name
    return None


def milestone_references(
    milestones: list[Milestone], context: Any
) -> tuple[dict[str, Any], list[_MilestoneSpec]]:
    """Parse milestone statements; values they state become references for
    quantities the context does not define."""
    from grader.math.parse import MathParseError, parse_math

    references: dict[str, Any] = {}
    specs = []
    defined = set(getattr(context, "definition_sources", {}) or {})
    for milestone in milestones:
        if milestone.kind not in ("value", "equation", "form"):
            specs.append(
                _MilestoneSpec(milestone, None, None, f"unknown milestone kind {milestone.kind!r}")
            )
            continue
        quantity = _quantity_name(milestone.quantity, context) if milestone.quantity else None
        try:
            line = parse_math(milestone.statement, context)
        except MathParseError as error:
            specs.append(
                _MilestoneSpec(milestone, quantity, None, f"cannot read the statement: {error}")
            )
            continue
        terms = list(getattr(line, "terms", []) or [])
        reference: Any = None
        if milestone.kind == "equation":
            if len(terms) >= 2:
                reference = (terms[0], terms[-1])
        else:
            if len(terms) >= 2:
                if quantity is None and isinstance(terms[0], (sp.Symbol, MatrixSymbol)):
                    quantity = terms[0].name
                reference = terms[-1]
            elif len(terms) == 1:
                if quantity is None and isinstance(terms[0], (sp.Symbol, MatrixSymbol)):
                    quantity = terms[0].name
                else:
                    reference = terms[0]
            if quantity is not None and reference is not None:
                of = (split_quantity(quantity) or (quantity, None))[0]
                if of not in defined and quantity not in defined:
                    references.setdefault(quantity, reference)
        specs.append(_MilestoneSpec(milestone, quantity, reference))
    return references, specs


def safe_milestone_result(
    checker: Checker,
    spec: _MilestoneSpec,
    candidates: list[tuple[DerivationStep, Any, Any]],
    steps: list[DerivationStep],
) -> MilestoneResult:
    try:
        return _milestone_result(checker, spec, candidates, steps)
    except Exception as error:  # noqa: BLE001 - undetermined, for a human
        return MilestoneResult(
            spec.milestone.id,
            "undetermined",
            message=f"the check failed: {type(error).__name__}: {error}",
        )


def _milestone_result(
    checker: Checker,
    spec: _MilestoneSpec,
    candidates: list[tuple[DerivationStep, Any, Any]],
    steps: list[DerivationStep],
) -> MilestoneResult:
    milestone = spec.milestone
    if spec.error:
        return MilestoneResult(milestone.id, "undetermined", message=spec.error)
    if milestone.kind == "equation":
        return _equation_milestone(checker, spec, candidates)
    if spec.quantity is None:
        return MilestoneResult(
            milestone.id, "undetermined", message="the milestone names no quantity"
        )
    records = [r for r in checker.records.get(spec.quantity, []) if not r.get("side_note")]
    if milestone.kind == "form":
        return _form_milestone(checker, spec, records)
    return _value_milestone(milestone, records)


def _value_milestone(milestone: Milestone, records: list[dict]) -> MilestoneResult:
    """The last value the student gives; a slip corrected on the next value line."""
    explicit = [r for r in records if not (r.get("unevaluated") and r["status"] == "right")]
    explicit = explicit or records
    if not explicit:
        return MilestoneResult(milestone.id, "missing", message="not stated")
    last = explicit[-1]
    line = last["line_no"]
    if last["status"] == "ocr":
        return MilestoneResult(
            milestone.id, "ocr_suspect", line, message="the line looks misread; check by hand"
        )
    if last["status"] in ("undetermined", "unknown"):
        return MilestoneResult(
            milestone.id, "undetermined", line, message=last.get("message") or "could not decide"
        )
    if last["status"] == "right":
        for index, record in enumerate(explicit[:-1]):
            if record["status"] == "wrong":
                nxt = explicit[index + 1]
                immediate = nxt["status"] == "right"
                return MilestoneResult(
                    milestone.id,
                    "corrected_slip",
                    record["line_no"],
                    record["diagnosis"],
                    f"line {record['line_no']}: {record['message'] or 'a slip'}; right again on line "
                    f"{nxt['line_no'] if immediate else line}",
                    [record["line_no"], nxt["line_no"] if immediate else line],
                )
        return MilestoneResult(milestone.id, "correct", line, lines=[line])
    own_error = next((r for r in explicit if r["status"] == "wrong"), None)
    if last["status"] == "carried" and own_error is not None:
        # the error was made in this quantity's own lines and carried on: wrong
        return MilestoneResult(
            milestone.id,
            "wrong",
            own_error["line_no"],
            own_error["diagnosis"],
            f"line {own_error['line_no']}: {own_error.get('message') or 'wrong'}, carried on to "
            f"line {line}",
            [own_error["line_no"], line],
        )
    if last["status"] == "carried":
        return MilestoneResult(
            milestone.id,
            "carried_forward",
            line,
            message="follows from an earlier wrong line (error carried forward)",
            lines=[line],
        )
    return MilestoneResult(
        milestone.id, "wrong", line, last["diagnosis"], last.get("message") or "wrong", [line]
    )


def _form_milestone(checker: Checker, spec: _MilestoneSpec, records: list[dict]) -> MilestoneResult:
    """A value of the quantity that is right and expanded (see Milestone)."""
    milestone = spec.milestone
    expanded = [r for r in records if r["expr"] is not None and _is_expanded(r["expr"])]
    for record in expanded:
        if record["status"] == "right":
            return MilestoneResult(
                milestone.id, "correct", record["line_no"], lines=[record["line_no"]]
            )
    for record in expanded:
        if record["status"] == "ocr":
            return MilestoneResult(
                milestone.id, "ocr_suspect", record["line_no"], message="misread?"
            )
    if expanded:
        record = expanded[-1]
        status = {"carried": "carried_forward", "wrong": "wrong"}.get(
            record["status"], "undetermined"
        )
        return MilestoneResult(
            milestone.id,
            status,
            record["line_no"],
            record["diagnosis"],
            record.get("message", ""),
            [record["line_no"]],
        )
    if records:
        return MilestoneResult(
            milestone.id, "missing", message=f"{spec.quantity} is never written out expanded"
        )
    return MilestoneResult(milestone.id, "missing", message="not stated")


def _equation_milestone(
    checker: Checker,
    spec: _MilestoneSpec,
    candidates: list[tuple[DerivationStep, Any, Any]],
) -> MilestoneResult:
    """A line stating the equation (difference of sides equal up to a constant factor)."""
    milestone = spec.milestone
    if spec.reference is None:
        return MilestoneResult(
            milestone.id, "undetermined", message="the statement is not an equation"
        )
    matched = None
    for step, lhs, rhs in candidates:
        if step.kind in ("unreadable", "text") or rhs is None:
            continue
        if _same_equation(checker, (lhs, rhs), spec.reference):
            matched = step
    if matched is not None:
        if matched.ocr_suspect:
            return MilestoneResult(
                milestone.id, "ocr_suspect", matched.line_no, message=matched.ocr_note or ""
            )
        return MilestoneResult(milestone.id, "correct", matched.line_no, lines=[matched.line_no])
    reference_lhs = spec.reference[0]
    bare = isinstance(reference_lhs, (sp.Symbol, MatrixSymbol))
    attempts = []
    stationarity = []  # "E = 0" lines: the attempt when nothing else is
    for step, lhs, rhs in candidates:
        if step.kind != "equation":
            continue
        if bare and lhs == reference_lhs and step.quantity is None:
            attempts.append(step)
        elif not bare and not isinstance(lhs, (sp.Symbol, MatrixSymbol)):
            if rhs is not None and is_zero(rhs):
                stationarity.append(step)
            elif step.quantity is None:
                attempts.append(step)
    attempts = attempts or stationarity
    if not attempts:
        return MilestoneResult(milestone.id, "missing", message="not stated")
    step = attempts[-1]
    status = {
        "carried_forward": "carried_forward",
        "review": "ocr_suspect" if step.ocr_suspect else "undetermined",
        "undetermined": "undetermined",
    }.get(step.status, "wrong")
    return MilestoneResult(
        milestone.id,
        status,
        step.line_no,
        step.diagnosis,
        step.message or "not the expected equation",
        [step.line_no],
    )


def _same_equation(checker: Checker, equation: tuple[Any, Any], reference: tuple[Any, Any]) -> bool:
    """Same equation up to a nonzero constant factor; names outside the graph
    (derivative quantities, new names) are opaque: same name, same random value."""
    points = checker.points
    opaque = sorted(
        {s for side in (*equation, *reference) for s in free_symbols(side) if s not in points[0]},
        key=str,
    )
    rng = np.random.default_rng(12345)

    def nothing(symbol: Any) -> None:
        return None

    mine, theirs = [], []
    try:
        if not opaque:
            mine = residuals(checker, equation, nothing)
            theirs = residuals(checker, reference, nothing)
        for index in checker.solve_points if opaque else ():
            extra = {s: checker.evaluator.random_value(s, rng) for s in opaque}
            mine.append(residuals(checker, equation, nothing, extra, points=[index])[0])
            theirs.append(residuals(checker, reference, nothing, extra, points=[index])[0])
    except EvaluationError:
        return False
    if any(r.shape != t.shape for r, t in zip(mine, theirs, strict=True)):
        return False
    return common_factor(mine, theirs) is not None


def _is_expanded(expr: Any) -> bool:
    """A sum of products of atoms, at most a number times the whole sum (see Milestone)."""
    body = _drop_number(expr)
    terms = body.args if isinstance(body, (sp.Add, sp.matrices.expressions.MatAdd)) else (body,)
    return all(_is_monomial(_drop_number(term)) for term in terms)


def _drop_number(expr: Any) -> Any:
    if isinstance(expr, (sp.Mul, sp.matrices.expressions.MatMul)):
        rest = [a for a in expr.args if not (isinstance(a, sp.Basic) and a.is_number)]
        if len(rest) == 1:
            return rest[0]
        if len(rest) < len(expr.args):
            return type(expr)(*rest)
    return expr


def _is_monomial(expr: Any) -> bool:
    factors = expr.args if isinstance(expr, (sp.Mul, sp.matrices.expressions.MatMul)) else (expr,)
    return all(_is_atom(f) for f in factors)


def _is_atom(expr: Any) -> bool:
    from sympy.matrices.expressions import Inverse, MatPow, Transpose

    if isinstance(expr, (sp.Symbol, MatrixSymbol)) or (
        isinstance(expr, sp.Basic) and expr.is_number
    ):
        return True
    if isinstance(expr, (Transpose, Inverse)):
        return isinstance(expr.args[0], MatrixSymbol)
    if isinstance(expr, (sp.Pow, MatPow)):
        return _is_atom(expr.args[0]) and not isinstance(expr.args[0], (sp.Add,))
    if isinstance(expr, sp.Function):
        return True
    return False
