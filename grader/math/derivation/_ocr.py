"""OCR suspects: a misread name a constant would make right, garbled or unreadable side notes."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixSymbol

from grader.math.calculus import EvaluationError, MatrixDivision, ShapeMismatch, nice_number, plain
from grader.math.derivation._checker import Checker, Outcome, ParsedStatement
from grader.math.derivation._values import compare_values, free_symbols, values_close, written_shape


def fit_ocr(checker: Checker, value: Any, truth: Any, unknown: list[str]) -> tuple[str, Any] | None:
    """("'f' read where 1/2 makes the line right", the repaired value), or None."""
    for name in unknown:
        constant = _fit_constant(checker, value, name, truth)
        if constant is not None:
            symbol = next(s for s in free_symbols(value) if getattr(s, "name", None) == name)
            repaired = value.xreplace({symbol: constant})
            return f"'{name}' read where {constant} makes the line right", repaired
    return None


def _fit_constant(checker: Checker, expr: Any, name: str, reference: Any) -> sp.Rational | None:
    """The simple constant ``name`` would have to be for ``expr`` to equal ``reference``."""
    symbol = next((s for s in free_symbols(expr) if getattr(s, "name", None) == name), None)
    if symbol is None or isinstance(symbol, MatrixSymbol):
        return None
    try:
        target = checker.values_of(reference, checker.resolver("student"))
        at0 = checker.values_of(expr, checker.resolver("student"), {symbol: 0.0})
        at1 = checker.values_of(expr, checker.resolver("student"), {symbol: 1.0})
        at2 = checker.values_of(expr, checker.resolver("student"), {symbol: 2.0})
    except EvaluationError:
        return None
    slopes = [b - a for a, b in zip(at0, at1, strict=True)]
    if not all(values_close(c - a, 2 * s) for a, c, s in zip(at0, at2, slopes, strict=True)):
        return None  # not linear in the name: no single constant to solve for
    numerator = np.concatenate([np.ravel(t - a) for t, a in zip(target, at0, strict=True)])
    slope = np.concatenate([np.ravel(s) for s in slopes])
    if np.vdot(slope, slope) == 0:
        return None
    constant = float(np.real(np.vdot(slope, numerator) / np.vdot(slope, slope)))
    if not values_close(numerator, constant * slope):
        return None
    return nice_number(constant)


def mark_unreadable(outcome: Outcome, statement: ParsedStatement) -> Outcome:
    step = outcome.step
    error = statement.error
    position = getattr(error, "position", None)
    reason = getattr(error, "reason", None) or str(error)
    step.kind = "unreadable"
    step.status = "review"
    step.message = reason if position is None else f"column {position + 1}: {reason}"
    step.details = {"position": position, "reason": reason}
    if statement.source.role == "side_note" or statement.claim is not None:
        step.ocr_suspect = True
        step.ocr_note = f"a side note that cannot be read ({reason})"
    return outcome


def garbled_check(checker: Checker, outcome: Outcome, terms: list[Any]) -> Outcome:
    step = outcome.step
    for term in terms:
        try:
            checker.values_of(term, checker.resolver("student"))
        except (ShapeMismatch, MatrixDivision) as error:
            step.ocr_suspect = True
            step.ocr_note = f"a garbled side note ({error})"
            step.status = "review"
            step.message = step.ocr_note
            return outcome
        except EvaluationError:
            continue
    return outcome


def check_aside(checker: Checker, outcome: Outcome, terms: list[Any], claim: str | None) -> Outcome:
    """``\\therefore A = B = \\text{scalar}``: garbled or nonsense -> OCR suspect."""
    step = outcome.step
    step.kind = "side_note"
    problems: list[str] = []
    values: list[list[np.ndarray] | None] = []
    for term in terms:
        try:
            values.append(checker.values_of(term, checker.resolver("student")))
        except (ShapeMismatch, MatrixDivision) as error:
            problems.append(str(error))
            values.append(None)
        except EvaluationError:
            values.append(None)
    if claim is not None and claim.lower() in ("scalar", "a scalar", "const", "constant"):
        for term, found in zip(terms, values, strict=True):
            if found is not None and found[0].ndim != 0:
                problems.append(f"{plain(term)} is {written_shape(term, found[0])}, not a scalar")
    known = [v for v in values if v is not None]
    for first, second in zip(known, known[1:], strict=False):
        if not compare_values(second, first).equal:
            problems.append("its sides are not equal")
            break
    if problems:
        step.ocr_suspect = True
        step.ocr_note = "a garbled side note (" + "; ".join(dict.fromkeys(problems)) + ")"
        step.status = "review"
        step.message = step.ocr_note
    else:
        step.status = "correct" if known else "unchecked"
        step.message = "side note"
    return outcome
