"""Values compared at the test points, and the difference named (sign, factor, term, shape)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from grader.math.calculus import (
    EvaluationError,
    MatrixDivision,
    ShapeMismatch,
    dimensions_text,
    expression_shape,
    nice_number,
    plain,
)

_RTOL = 1e-6
MIN_POINTS = 2  # test points with a value on both sides needed to compare


@dataclass
class Verdict:
    verdict: str  # equal | not_equal | undetermined
    diagnosis: str | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return self.verdict == "equal"


def as_array(value: Any) -> np.ndarray:
    array = np.asarray(value, dtype=complex)
    if array.size == 1:
        return array.reshape(())
    return array


def values_close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1.0)
    return bool(np.all(np.abs(a - b) <= _RTOL * scale))


def compare_values(student: list[np.ndarray], reference: list[np.ndarray]) -> Verdict:
    """Student vs reference values at the same points, with a diagnosis. Points
    where either side has no value (NaN: outside a domain, overflow) are left
    out; with fewer than :data:`MIN_POINTS` left the verdict is undetermined."""
    for a, b in zip(student, reference, strict=True):
        if a.shape != b.shape:
            return Verdict(
                "not_equal",
                "shape_mismatch",
                f"the shape is {shape_text(a)}, expected {shape_text(b)}",
            )
    pairs = [
        (a, b)
        for a, b in zip(student, reference, strict=True)
        if np.all(np.isfinite(a)) and np.all(np.isfinite(b))
    ]
    if len(pairs) < min(MIN_POINTS, len(student)) or not pairs:
        return Verdict(
            "undetermined",
            None,
            "too few test points where both values can be computed (outside a domain, "
            "or too large/small to compare in floating point)",
        )
    student = [a for a, _ in pairs]
    reference = [b for _, b in pairs]
    if all(values_close(a, b) for a, b in zip(student, reference, strict=True)):
        return Verdict("equal")
    if all(values_close(a, -b) for a, b in zip(student, reference, strict=True)):
        return Verdict("not_equal", "sign_flip", "the sign is wrong")
    factor = common_factor(student, reference)
    if factor is not None:
        return Verdict(
            "not_equal",
            "constant_factor",
            f"off by a factor {_number_text(factor)}",
            {"factor": _number_text(factor)},
        )
    return Verdict("not_equal", "different", "the value is different")


def common_factor(student: list[np.ndarray], reference: list[np.ndarray]) -> complex | None:
    if any(x.shape != y.shape for x, y in zip(student, reference, strict=True)):
        return None
    # points without a value on either side (NaN) are left out
    kept = [
        (x, y)
        for x, y in zip(student, reference, strict=True)
        if np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    ]
    if not kept:
        return None
    student, reference = [x for x, _ in kept], [y for _, y in kept]
    a = np.concatenate([np.ravel(x) for x in student])
    b = np.concatenate([np.ravel(x) for x in reference])
    denominator = np.vdot(b, b)
    if abs(denominator) < 1e-300:
        return None
    if float(np.max(np.abs(a), initial=0.0)) <= _RTOL * max(float(np.max(np.abs(b))), 1.0):
        # the student's side is zero up to rounding (an identity such as a
        # derivative evaluated numerically next to its value): no nonzero factor
        return None
    factor = np.vdot(b, a) / denominator
    if abs(factor) < 1e-12 or not values_close(a, factor * b):
        return None
    return factor


def shape_text(array: np.ndarray) -> str:
    if array.ndim == 0:
        return "scalar"
    return " x ".join(str(n) for n in array.shape)


def written_shape(expr: Any, value: np.ndarray) -> str:
    """The shape in the context's dimensions (``(d + 1) x 1``) when it can be
    worked out, else the size at the test points."""
    try:
        shape = expression_shape(expr)
    except Exception:  # noqa: BLE001 - fall back to the numbers
        shape = None
    if shape is None:
        return shape_text(value)
    return dimensions_text(shape)


def _number_text(value: complex) -> str:
    real = float(np.real(value))
    nice = nice_number(real)
    return str(nice) if nice is not None else f"{real:.4g}"


def explain_difference(student: Any, reference: Any, verdict: Verdict) -> Verdict:
    """Name a missing factor or term, for scalar expressions in the graph's names."""
    if isinstance(student, MatrixExpr) or isinstance(reference, MatrixExpr):
        return verdict
    try:
        ratio = sp.factor(sp.cancel(sp.sympify(reference) / sp.sympify(student)))
    except (TypeError, ValueError, sp.SympifyError, AttributeError):
        return verdict
    if ratio.free_symbols and not ratio.is_Add and not has_derivative_symbol(ratio):
        ratio = _as_written(ratio, reference, student)
        numerator, denominator = sp.fraction(ratio)
        if denominator == 1:
            return Verdict(
                "not_equal",
                "missing_factor",
                f"a factor {plain(ratio)} is missing",
                {"factor": plain(ratio)},
            )
        if numerator == 1:
            return Verdict(
                "not_equal",
                "extra_factor",
                f"an extra factor {plain(denominator)}",
                {"factor": plain(denominator)},
            )
    try:
        difference = sp.expand(sp.sympify(reference) - sp.sympify(student))
    except (TypeError, ValueError, AttributeError):
        return verdict
    terms = sp.Add.make_args(sp.expand(sp.sympify(reference)))
    if not difference.is_Add and difference != 0:
        if difference in terms:
            return Verdict(
                "not_equal",
                "missing_term",
                f"the term {plain(difference)} is missing",
                {"term": plain(difference)},
            )
        return Verdict(
            "not_equal",
            "extra_term",
            f"an extra term {plain(-difference)}",
            {"term": plain(-difference)},
        )
    return verdict


def _as_written(ratio: Any, reference: Any, student: Any) -> Any:
    """The missing (or extra) factors as the reference writes them: a1 (1 - a1),
    not SymPy's -a1 (a1 - 1)."""
    ref_factors = list(sp.Mul.make_args(reference))
    mine = list(sp.Mul.make_args(student))
    for candidate, other in ((ref_factors, mine), (mine, ref_factors)):
        left = list(candidate)
        for factor in other:
            if factor in left:
                left.remove(factor)
        product = sp.Mul(*left)
        if left and sp.cancel(product - ratio) == 0:
            return product
        if left and sp.cancel(1 / product - ratio) == 0:
            return 1 / product
    return ratio


def error_verdict(error: EvaluationError, expr: Any) -> Verdict:
    """The verdict on a student's expression that cannot be evaluated: a division
    by a matrix or shapes that do not agree are the student's mistake (wrong);
    anything else is the grader's limit (undetermined)."""
    if isinstance(error, MatrixDivision):
        return Verdict("not_equal", "matrix_division", str(error))
    if isinstance(error, ShapeMismatch):
        return Verdict("not_equal", "shape_mismatch", _shape_reason(expr, error))
    return Verdict("undetermined", None, str(error))


def _shape_reason(expr: Any, error: Exception) -> str:
    """Say what does not fit in the student's own dimensions (``n x n`` by
    ``d + 1 x 1``) rather than the sizes of the test points."""
    parts = expr if isinstance(expr, tuple) else (expr,)
    for part in parts:
        try:
            expression_shape(part)
        except ShapeMismatch as symbolic:
            return str(symbolic)
        except Exception:  # noqa: BLE001 - the numeric reason is still right
            continue
    return str(error)


def mentions(expr: Any, name: str) -> bool:
    return any(getattr(s, "name", None) == name for s in free_symbols(expr))


def free_symbols(expr: Any) -> frozenset[Any]:
    if not isinstance(expr, sp.Basic):
        return frozenset()
    return _free_symbols_cached(expr)


@functools.lru_cache(maxsize=4096)
def _free_symbols_cached(expr: sp.Basic) -> frozenset[Any]:
    return frozenset(expr.free_symbols) | frozenset(expr.atoms(MatrixSymbol))


def has_derivative_symbol(expr: Any) -> bool:
    return any(split_quantity(getattr(s, "name", "")) for s in free_symbols(expr))


def split_quantity(name: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"d\((.+)\)/d\(([^()]+)\)", name or "")
    if match is None:
        return None
    return match.group(1), match.group(2)
