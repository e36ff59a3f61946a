"""Equations with parameters: the same solution for every value of the parameters.

``a x = a y`` and ``x = y`` have the same solution ``x = y`` wherever ``a != 0``,
but at ``a = 0`` the first holds for every x: they are not equivalent. The
numeric step finds the unknown's solution at random points, where a
coefficient is never exactly 0; this module looks for the parameter values
where it is (SymPy, under the time limit) and compares the equations there.

The policy, one rule (docs/equivalence.md): two equations are equivalent when
their solution sets agree for every value of the scalar parameters, and one
is undefined (no solution) where the other has solutions (``x = (y - c)/m``
is not ``y = m x + c``: at m = 0 only the second has solutions; ``x y = 2``
is ``x = 2/y``: at y = 0 neither has). Multiplicity is not counted (``(x-2)^2 = 0`` is
``x = 2``). A matrix coefficient that may be singular (``A u = A v`` vs
``u = v``) is left undetermined unless an inverse in the pair makes
invertibility part of its domain (``X^T X beta = X^T y`` vs
``beta = (X^T X)^{-1} X^T y``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.matrices.expressions import Inverse, MatrixExpr

from grader.math.equivalence._result import NOT_EQUAL, UNDETERMINED, Equivalence
from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

MAX_PARAMETER_POINTS = 6


def _vanishing_points(residuals: tuple[sp.Basic, sp.Basic], unknown: sp.Symbol) -> list | None:
    """Runs in the worker. Values of one parameter at a time where the
    coefficient of ``unknown`` in a residual is 0: ``[(symbol, value), ...]``;
    None when SymPy cannot list them (then nobody knows)."""
    points: list[tuple[sp.Symbol, sp.Basic]] = []
    for residual in residuals:
        coefficient = sp.together(sp.diff(residual, unknown))
        if unknown in coefficient.free_symbols:
            return None  # not affine after all
        numerator, _ = sp.fraction(coefficient)
        # where the coefficient is 0, and where the equation is undefined
        # (x = (y - c)/m at m = 0): a parameter value where the two may differ
        _, denominator = sp.fraction(sp.together(residual))
        candidates = []
        for expression in (numerator, denominator):
            if expression.free_symbols - {unknown}:
                candidates.extend(factor for factor, _ in sp.factor_list(expression)[1])
        for factor in candidates:
            if unknown in factor.free_symbols:
                continue
            for symbol in sorted(factor.free_symbols, key=str):
                if symbol.is_integer:
                    continue  # a dimension
                solutions = sp.solveset(factor, symbol, sp.S.Reals)
                if solutions is sp.S.EmptySet:
                    continue
                if not isinstance(solutions, sp.FiniteSet):
                    return None
                for value in sorted(solutions, key=str):
                    if (symbol, value) not in points:
                        points.append((symbol, value))
    return points[:MAX_PARAMETER_POINTS]


def check_parameters(
    unknown: Any,
    terms: tuple[sp.Basic, sp.Basic, sp.Basic, sp.Basic],
    compare: Callable[[tuple[sp.Basic, ...]], Equivalence],
    coefficient_varies: bool,
    time_limit: float = 2.0,
) -> Equivalence | None:
    """None when the same solution for ``unknown`` at random points holds for
    every parameter value; else ``not_equal`` (a parameter value where the
    equations differ, found and shown) or ``undetermined``.

    ``compare(terms)`` compares the two equations with a parameter fixed (it
    must not call back here); ``coefficient_varies``: the unknown's
    coefficient changed between the random points.
    """
    if not coefficient_varies:
        return None
    if any(isinstance(term, MatrixExpr) for term in terms) or not isinstance(unknown, sp.Symbol):
        inverses = [node for term in terms for node in sp.preorder_traversal(term)]
        if any(isinstance(node, Inverse) for node in inverses):
            return None  # invertibility is part of the pair's domain
        return Equivalence(
            UNDETERMINED,
            f"the equations agree where the coefficient of {unknown} is invertible; "
            "whether it can be singular is not known",
            details={"unknown": str(unknown)},
            method="numeric",
        )
    l1, r1, l2, r2 = terms
    try:
        points = run_with_time_limit(
            _vanishing_points, (l1 - r1, l2 - r2), unknown, seconds=time_limit
        )
    except (TimeLimitExceeded, WorkerCrashed, Exception):  # noqa: BLE001 - SymPy fails in many ways
        points = None
    if points is None:
        return Equivalence(
            UNDETERMINED,
            f"the equations give the same {unknown} where its coefficient is not 0; "
            "the grader could not find where the coefficient is 0",
            details={"unknown": str(unknown)},
            method="symbolic",
        )
    for symbol, value in points:
        fixed = tuple(term.xreplace({symbol: value}) for term in terms)
        undefined = [
            any(term.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for term in fixed[i : i + 2])
            for i in (0, 2)
        ]
        if all(undefined):
            continue  # outside both equations' domains
        if any(undefined):
            which, other = ("a", "b") if undefined[0] else ("b", "a")
            defined = fixed[2:] if undefined[0] else fixed[:2]
            residual = sp.simplify(defined[0] - defined[1])
            if not residual.free_symbols and residual != 0:
                continue  # the other has no solution there either (x y = 2 at y = 0)
            return Equivalence(
                NOT_EQUAL,
                f"at {symbol} = {value}, {which} is undefined and {other} is not",
                "different",
                {"parameter": str(symbol), "value": str(value), "undefined": which},
            )
        result = compare(fixed)
        if result.verdict == NOT_EQUAL:
            return Equivalence(
                NOT_EQUAL,
                f"at {symbol} = {value} the equations differ: {result.reason}",
                "different",
                {"parameter": str(symbol), "value": str(value)},
            )
        if result.verdict == UNDETERMINED:
            return Equivalence(
                UNDETERMINED,
                f"at {symbol} = {value} the grader cannot compare the equations: {result.reason}",
                details={"parameter": str(symbol), "value": str(value)},
            )
    return None
