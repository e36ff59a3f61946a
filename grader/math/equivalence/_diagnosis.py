"""What is wrong with an answer that differs from the reference: a sign flip,
a constant factor, a missing or extra term, a missing factor."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatAdd, MatMul, MatrixExpr

from grader.math.equivalence._numeric import (
    APART,
    Values,
    all_close,
    as_comparable,
    relative_gap,
)
from grader.math.equivalence._result import NOT_EQUAL, Equivalence
from grader.math.evaluate import EvaluationError, Evaluator


def diagnose(a: sp.Basic, b: sp.Basic, values: Values, valid: np.ndarray) -> Equivalence:
    va, vb = as_comparable(values.a)[valid], as_comparable(values.b)[valid]
    if all_close(va, -vb):
        return Equivalence(NOT_EQUAL, "a is -b (a sign flip)", "sign_flip", {"factor": "-1"})
    factor = constant_ratio(va, vb)
    if factor is not None:
        factor = _in_dimensions(factor, va, vb, a, b, values.evaluator)
        return Equivalence(
            NOT_EQUAL,
            f"a is {factor} times b (a constant factor)",
            "constant_factor",
            {"factor": factor},
        )
    evaluator = values.evaluator
    for term in _terms(b):
        vt = _term_values(evaluator, term, valid)
        if vt is not None and vt.shape[1:] == va.shape[1:] and all_close(va, vb - vt):
            return Equivalence(
                NOT_EQUAL,
                f"a is b without the term {term}",
                "missing_term",
                {"term": str(term)},
            )
    for term in _terms(a):
        vt = _term_values(evaluator, term, valid)
        if vt is not None and vt.shape[1:] == va.shape[1:] and all_close(va - vt, vb):
            return Equivalence(
                NOT_EQUAL,
                f"a is b with an extra term {term}",
                "extra_term",
                {"term": str(term)},
            )
    missing = _missing_factor(b, va, vb, evaluator, valid)
    if missing is not None:
        return Equivalence(
            NOT_EQUAL,
            f"a is b without the factor {missing}",
            "missing_factor",
            {"factor": str(missing)},
        )
    extra = _missing_factor(a, vb, va, evaluator, valid)
    details = {"extra_factor": str(extra)} if extra is not None else {}
    differing = int((relative_gap(va, vb) > APART).sum())
    if extra is not None:
        reason = f"a is b times an extra factor {extra}"
    elif differing < len(va):
        reason = f"a and b differ at {differing} of {len(va)} random points (agree at the others)"
    else:
        reason = "a and b differ"
    return Equivalence(NOT_EQUAL, reason, "different", details)


def _in_dimensions(
    factor: str, va: np.ndarray, vb: np.ndarray, a: sp.Basic, b: sp.Basic, evaluator: Evaluator
) -> str:
    """A ratio that is constant only because a dimension is (``1/n`` is 1/13
    at every point of a draw with 13 rows) is named with the dimension: the
    pair is evaluated again with other sizes, and a ratio that moves with a
    dimension's size is that power of it."""
    used = (a.free_symbols | b.free_symbols) & set(evaluator.sizes)
    if not used:
        return factor
    resized = Evaluator(
        points=evaluator.points,
        seed=evaluator.seed,
        draw=evaluator.draw,
        sizes={d: size + 3 for d, size in evaluator.sizes.items()},
        definitions=evaluator.definitions,
        functions=evaluator.functions,
        opaque=evaluator.opaque,
        domains=evaluator.domains,
    )
    try:
        va2 = as_comparable(resized.evaluate(a))
        vb2 = as_comparable(resized.evaluate(b))
    except EvaluationError:
        return factor
    valid = resized.valid
    if not valid.any() or constant_ratio(va2[valid], vb2[valid]) == factor:
        return factor  # the same at other sizes: a number
    first, second = _ratio(va, vb), _ratio(va2[valid], vb2[valid])
    if first is None or second is None:
        return factor
    for dimension in sorted(used, key=str):
        size = evaluator.sizes[dimension]
        for power in (1, -1, 2, -2):
            coefficient = Fraction(first * size**power).limit_denominator(12)
            expected = float(coefficient) * (size + 3) ** (-power)
            if coefficient != 0 and abs(second - expected) <= 1e-9 * abs(expected):
                rational = sp.Rational(coefficient.numerator, coefficient.denominator)
                return str(rational * dimension ** (-power))
    return factor


def _ratio(va: np.ndarray, vb: np.ndarray) -> float | None:
    nonzero = np.abs(vb) > 1e-9 * np.maximum(1.0, np.abs(vb).max())
    return float(complex((va[nonzero] / vb[nonzero]).flat[0]).real) if nonzero.any() else None


def constant_ratio(va: np.ndarray, vb: np.ndarray) -> str | None:
    nonzero = np.abs(vb) > 1e-9 * np.maximum(1.0, np.abs(vb).max())
    if not nonzero.any() or (np.abs(va[~nonzero]) > 1e-9).any():
        return None
    ratios = va[nonzero] / vb[nonzero]
    k = ratios.flat[0]
    if abs(k.imag) > 1e-9 or abs(k) < 1e-12:
        return None
    if not np.allclose(ratios, k, rtol=1e-9, atol=1e-12):
        return None
    fraction = Fraction(float(k.real)).limit_denominator(1000)
    if abs(float(fraction) - k.real) <= 1e-9 * max(1.0, abs(k.real)):
        return str(fraction)
    return f"{k.real:.6g}"


def _terms(expr: sp.Basic) -> list[sp.Basic]:
    if isinstance(expr, MatAdd) or expr.is_Add:
        return list(expr.args)
    return []


def _factors(expr: sp.Basic) -> list[sp.Basic]:
    if isinstance(expr, MatMul):
        return [f for f in expr.args if not isinstance(f, MatrixExpr)]
    if expr.is_Mul:
        factors = []
        for f in expr.args:
            if f.is_Number and f.is_negative and f != -1:
                factors.append(-f)
            elif f != -1:
                factors.append(f)
        return factors
    return []


def _term_values(evaluator: Evaluator, term: sp.Basic, valid: np.ndarray) -> np.ndarray | None:
    try:
        return as_comparable(evaluator.evaluate(term))[valid]
    except EvaluationError:
        return None


def _missing_factor(
    full: sp.Basic,
    short: np.ndarray,
    full_values: np.ndarray,
    evaluator: Evaluator,
    valid: np.ndarray,
) -> sp.Basic | None:
    """A product of some of ``full``'s factors that ``short`` lacks, if one explains it."""
    factors = _factors(full)
    if len(factors) < 2 or len(factors) > 8:
        return None
    values = {}
    for f in factors:
        v = _term_values(evaluator, f, valid)
        if v is None or v.shape[1:] != (1, 1):
            return None
        values[f] = v
    for size in range(1, min(3, len(factors) - 1) + 1):
        for subset in combinations(factors, size):
            product = np.prod([values[f] for f in subset], axis=0)
            if all_close(short * product, full_values):
                return sp.Mul(*subset)
    return None
