"""Two expressions compared: exact numbers, then the numeric step, then SymPy
when the numbers cannot decide; malformed sides."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from grader.math.calculus import MEANINGLESS_PARSE_ERRORS, short_plain
from grader.math.equivalence._diagnosis import diagnose
from grader.math.equivalence._numeric import (
    APART,
    CLOSE,
    FIRST_POINTS,
    MIN_VALID_POINTS,
    PRECISE,
    RETRY_POINTS,
    DomainDifference,
    Setup,
    SideShapeError,
    as_comparable,
    comparable_points,
    domain_difference,
    evaluate_pair,
    finite_points,
    numeric_setup,
    relative_gap,
    shape_text,
    too_few_points_reason,
)
from grader.math.equivalence._result import (
    EQUAL,
    NOT_EQUAL,
    UNDETERMINED,
    Equivalence,
    undetermined,
)
from grader.math.equivalence._sides import Side
from grader.math.equivalence._symbolic import symbolic_or_undetermined
from grader.math.evaluate import (
    DivisionByZero,
    EvaluationError,
    Evaluator,
    ShapeError,
    Unsupported,
    choose_sizes,
)


def compare_expressions(
    a: sp.Basic, b: sp.Basic, context: Any, seed: int, time_limit: float
) -> Equivalence:
    if _is_number(a) and _is_number(b) and a.is_Rational and b.is_Rational:
        if a == b:
            return Equivalence(EQUAL, "the same number", method="structure")
        return _diagnose_numbers(a, b)
    setup = numeric_setup(context, (a, b), seed)
    try:
        values = evaluate_pair(a, b, setup, seed, FIRST_POINTS, 0)
    except SideShapeError as error:
        return _malformed(error, a, b, setup, seed)
    except DivisionByZero as error:
        # 1/0 has no value: neither equal nor different to anything
        raise undetermined(f"{error} in the expression") from None
    except Unsupported as error:
        return symbolic_or_undetermined(a, b, context, time_limit, f"{error}")
    except EvaluationError as error:
        return symbolic_or_undetermined(a, b, context, time_limit, f"{error}")
    va, vb = as_comparable(values.a), as_comparable(values.b)
    if va.shape[1:] != vb.shape[1:]:
        shape_a, shape_b = shape_text(a, values.a), shape_text(b, values.b)
        return Equivalence(
            NOT_EQUAL,
            f"the shapes differ: a is {shape_a}, b is {shape_b}",
            "shape_mismatch",
            {"a_shape": shape_a, "b_shape": shape_b},
        )
    valid = values.valid & finite_points(va) & finite_points(vb) & comparable_points(va, vb)
    if valid.sum() < MIN_VALID_POINTS:
        try:
            values = evaluate_pair(a, b, setup, seed, RETRY_POINTS, 1)
        except (EvaluationError, SideShapeError) as error:  # pragma: no cover - same tree
            return symbolic_or_undetermined(a, b, context, time_limit, str(error))
        va, vb = as_comparable(values.a), as_comparable(values.b)
        valid = values.valid & finite_points(va) & finite_points(vb) & comparable_points(va, vb)
    if valid.sum() < MIN_VALID_POINTS:
        if _constant_overflow(a) or _constant_overflow(b):
            raise undetermined(
                "a number in the expression is too large to evaluate", bad_input=True
            )
        why = too_few_points_reason(values, valid)
        if why == "division by zero":  # no value anywhere: SymPy's zoo - zoo proves nothing
            raise undetermined("division by zero in the expression")
        return symbolic_or_undetermined(a, b, context, time_limit, why)
    gap = relative_gap(va[valid], vb[valid])
    apart = gap > APART
    # rounding grows with the condition of inverted matrices: allow for it (capped)
    close = np.minimum(CLOSE * values.condition[valid], 1e-8)
    if not apart.any() and (gap <= close).all():
        if _has_precise_number(a) or _has_precise_number(b):
            # Floats agree to 1e-13, not to the last digit of a 12-digit decimal.
            return symbolic_or_undetermined(
                a,
                b,
                context,
                time_limit,
                "equal to rounding, but a very small, large or long number needs an exact check",
            )
        difference = domain_difference(a, b, values, setup, seed)
        if difference is not None:
            return _different_domains(difference, int(valid.sum()))
        return Equivalence(
            EQUAL,
            f"equal at {int(valid.sum())} random points",
            details={"points": int(valid.sum())},
        )
    # Different expressions differ almost everywhere, or (|x| vs x, piecewise
    # agreement) agree exactly on part of the points and clearly differ on the
    # rest. One stray point is rounding near a pole, not a difference.
    if apart.sum() >= max(2, (valid.sum() + 1) // 2) or (
        apart.sum() >= 2 and (gap[~apart] <= close[~apart]).all()
    ):
        return diagnose(a, b, values, valid)
    return symbolic_or_undetermined(
        a,
        b,
        context,
        time_limit,
        f"the numbers agree only roughly (largest relative difference {gap.max():.1e})",
    )


@lru_cache(maxsize=4096)
def _has_precise_number(expr: sp.Basic) -> bool:
    """Numbers that float arithmetic cannot tell apart from a neighbour: a long
    decimal (0.333333333333), or a constant far from 1 (``e^{-30}``, which
    added to ``x`` changes it by less than rounding)."""
    for node in sp.preorder_traversal(expr):
        if node.is_Atom:
            if node.is_Float or (
                node.is_Rational and (node.q > PRECISE or abs(node.p) > PRECISE**2)
            ):
                return True
        elif getattr(node, "is_number", False) and not node.is_Rational:
            try:
                size = abs(complex(node.evalf(15)))
            except (TypeError, ValueError, OverflowError):
                return True
            if size != 0 and not 1e-6 <= size <= 1e6:
                return True
    return False


def _different_domains(difference: DomainDifference, agreeing: int) -> Equivalence:
    """Equal where both sides are defined, defined at different points: whether
    that matters depends on what the names stand for (``2 log x`` for a real x
    is not ``log(x^2)``; ``sigma(log(p/(1-p)))`` is ``p`` for a probability), so
    a person decides unless the context declares the domain (``p: "(0, 1)"``)."""
    side = difference.undefined_side
    other = "b" if side == "a" else "a"
    node = short_plain(difference.node)
    return Equivalence(
        UNDETERMINED,
        f"equal where both are defined ({agreeing} random points), but {node} in {side} "
        f"is undefined (outside its real domain) at {difference.points} points where "
        f"{other} is defined: declare the symbols' domains in the context to decide",
        details={"undefined_side": side, "function": node},
        method="numeric",
    )


def _is_number(expr: sp.Basic) -> bool:
    return isinstance(expr, sp.Basic) and expr.is_Number


def _constant_overflow(expr: sp.Basic) -> bool:
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and not node.free_symbols:
            try:
                magnitude = abs(float(node.exp)) * np.log10(max(abs(float(node.base)), 1e-300))
            except (TypeError, ValueError, OverflowError):
                return True
            if magnitude > 300:
                return True
    return False


def _diagnose_numbers(a: sp.Rational, b: sp.Rational) -> Equivalence:
    details = {"a": str(a), "b": str(b)}
    if a == -b:
        return Equivalence(NOT_EQUAL, "a is -b", "sign_flip", details, method="structure")
    if b != 0 and a != 0:
        k = a / b
        if k.q <= 12 and abs(k.p) <= 12:
            details["factor"] = str(k)
            return Equivalence(
                NOT_EQUAL, f"a is {k} times b", "constant_factor", details, method="structure"
            )
    return Equivalence(NOT_EQUAL, f"{a} is not {b}", "different", details, method="structure")


def _malformed(
    error: SideShapeError, a: sp.Basic, b: sp.Basic, setup: Setup, seed: int
) -> Equivalence:
    other_label = "b" if error.label == "a" else "a"
    other = b if error.label == "a" else a
    evaluator = Evaluator(points=2, seed=seed, sizes=choose_sizes(setup.dims, seed))
    evaluator.definitions = setup.definitions
    evaluator.functions = setup.functions
    other_shape = None
    try:
        other_shape = shape_text(other, evaluator.evaluate(other))
    except ShapeError as other_error:
        raise undetermined(
            f"neither side is well formed: a: {error.error}; b: {other_error}"
            if error.label == "a"
            else f"neither side is well formed: a: {other_error}; b: {error.error}"
        ) from None
    except EvaluationError:
        pass
    details = {"malformed": error.label, "problem": str(error.error)}
    details[f"{error.label}_shape"] = "not well formed"
    if other_shape is not None:
        details[f"{other_label}_shape"] = other_shape
    return Equivalence(
        NOT_EQUAL, f"{error.label} is not well formed: {error.error}", "shape_mismatch", details
    )


def compare_malformed(side_a: Side, side_b: Side, context: Any, seed: int) -> Equivalence:
    """One side (or both) has no meaning: a product whose shapes do not fit, a
    division by a matrix, a scalar added to a matrix."""
    if side_a.kind == side_b.kind == "malformed":
        raise undetermined(
            f"neither side is well formed: a {'; '.join(side_a.problems)}; "
            f"b {'; '.join(side_b.problems)}"
        )
    bad, good, label = (
        (side_a, side_b, "a") if side_a.kind == "malformed" else (side_b, side_a, "b")
    )
    setup = numeric_setup(context, good.terms, seed)
    evaluator = setup.evaluator(points=2, seed=seed)
    good_shape = None
    try:
        shapes = [shape_text(term, evaluator.evaluate(term)) for term in good.terms]
        good_shape = shapes[-1]
    except ShapeError as error:
        raise undetermined(
            f"neither side is well formed: {'; '.join(bad.problems)}; {error}"
        ) from None
    except EvaluationError:
        pass
    problem = "; ".join(bad.problems)
    details = {"malformed": label, "problem": problem, f"{label}_shape": "not well formed"}
    if good_shape is not None:
        details[f"{'b' if label == 'a' else 'a'}_shape"] = good_shape
    return Equivalence(
        NOT_EQUAL,
        f"{label} is not well formed: it {problem}"
        if not problem.startswith(tuple(MEANINGLESS_PARSE_ERRORS))
        else f"{label} is not well formed: {problem}",
        "shape_mismatch",
        details,
        method="structure",
    )
