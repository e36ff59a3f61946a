"""The symbolic step: SymPy in a worker process under the time limit, asked
only when the numbers cannot decide."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions import MatrixExpr

from grader.math._indexed import contains_indexed
from grader.math.equivalence._result import EQUAL, NOT_EQUAL, UNDETERMINED, Equivalence
from grader.math.equivalence._sides import Side
from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit


def _symbolic_difference_is_zero(a: sp.Basic, b: sp.Basic, definitions: dict) -> bool | None:
    """Runs in the worker process. True: shown equal; False: shown different;
    None: SymPy could not tell."""
    difference = a - b
    for _ in range(len(definitions)):  # definitions may use earlier definitions
        replaced = difference.xreplace(definitions)
        if replaced == difference:
            break
        difference = replaced
    if isinstance(difference, MatrixExpr):
        simplified = sp.simplify(difference.doit())
        if getattr(simplified, "is_ZeroMatrix", False):
            return True
        if isinstance(simplified, sp.MatrixBase) and all(e == 0 for e in simplified):
            return True
        return None
    if difference.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None  # 1/0 - 1/0 is no number: neither zero nor non-zero
    simplified = sp.simplify(difference)
    if simplified.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    if simplified == 0:
        return True
    if simplified.is_number and simplified.is_zero is False:
        return False
    try:  # a non-zero polynomial (0.333333333333 x - x/3) is not identically zero
        if not sp.Poly(sp.expand(simplified), *sorted(simplified.free_symbols, key=str)).is_zero:
            return False
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        pass
    return None


def symbolic_or_undetermined(
    a: sp.Basic, b: sp.Basic, context: Any, time_limit: float, why: str
) -> Equivalence:
    if contains_indexed(a) or contains_indexed(b):
        # SymPy cannot simplify a sum over an index tied to a matrix's rows
        return Equivalence(
            UNDETERMINED,
            f"{why}; SymPy cannot simplify a sum over an index",
            details={"numeric": why},
            method="none",
        )
    definitions = {}
    if context is not None:
        for name, expr in getattr(context, "definitions", {}).items():
            definitions[context.symbol(name)] = expr
    try:
        shown = run_with_time_limit(
            _symbolic_difference_is_zero, a, b, definitions, seconds=time_limit
        )
    except TimeLimitExceeded as error:
        return Equivalence(
            UNDETERMINED,
            f"{why}; the symbolic check {error}",
            details={"numeric": why, "time_limit": time_limit},
            method="symbolic",
        )
    except (WorkerCrashed, Exception) as error:  # noqa: BLE001 - SymPy can fail in many ways
        return Equivalence(
            UNDETERMINED,
            f"{why}; the symbolic check failed ({type(error).__name__})",
            details={"numeric": why},
            method="symbolic",
        )
    if shown is True:
        return Equivalence(
            EQUAL, f"SymPy simplifies the difference to 0 ({why})", method="symbolic"
        )
    if shown is False:
        return Equivalence(
            NOT_EQUAL,
            "SymPy shows the difference is a non-zero number",
            "different",
            method="symbolic",
        )
    return Equivalence(
        UNDETERMINED,
        f"{why}; SymPy could not simplify the difference to 0",
        details={"numeric": why},
        method="symbolic",
    )


def _equation_roots(r1: sp.Basic, r2: sp.Basic) -> bool | None:
    """Runs in the worker: compare the real roots of two one-unknown polynomial
    residuals; with parameters, the solutions for each unknown in turn."""
    symbols = r1.free_symbols | r2.free_symbols
    if len(symbols) != 1:
        return _solutions_with_parameters(r1, r2, symbols)
    (x,) = symbols
    try:
        p1, p2 = sp.Poly(r1, x), sp.Poly(r2, x)
    except sp.PolynomialError:
        # x + 1/x = 2: the real solutions of each, where it is defined
        first, second = (sp.solveset(r, x, sp.S.Reals) for r in (r1, r2))
        if isinstance(first, sp.FiniteSet) and isinstance(second, sp.FiniteSet):
            return first == second
        return None
    if p1.is_zero or p2.is_zero:
        return None
    return set(sp.real_roots(p1)) == set(sp.real_roots(p2))


def _solutions_with_parameters(r1: sp.Basic, r2: sp.Basic, symbols: set) -> bool | None:
    """For each unknown, SymPy's solutions of both residuals. A real solution of
    one that does not solve the other (for general parameter values) shows the
    equations differ (``x = y`` vs ``x^2 = y^2``: x = -y). The same solutions
    show they agree only when no parameter can change their number: both
    polynomials in the unknown with constant leading coefficients and no
    parameter in a denominator (``x^2 - 2ax + a^2 = 0`` is ``x = a``; ``a x^2 =
    a`` is not ``x^2 = 1``, at a = 0)."""
    for unknown in sorted(symbols, key=str):
        if unknown.is_integer:
            continue
        try:
            first = sp.solve(r1, unknown)
            second = sp.solve(r2, unknown)
        except (NotImplementedError, ValueError, TypeError):
            continue
        if not isinstance(first, list) or not isinstance(second, list):
            continue
        for solutions, other in ((first, r2), (second, r1)):
            for value in solutions:
                if value.is_real is not True:
                    continue
                rest = sp.simplify(other.subs(unknown, value))
                if rest != 0 and rest.is_zero is not True:
                    return False
        if not first or not second:
            continue
        same = all(any(sp.simplify(u - v) == 0 for v in second) for u in first) and all(
            any(sp.simplify(u - v) == 0 for u in first) for v in second
        )
        if same and all(_fixed_number_of_solutions(r, unknown) for r in (r1, r2)):
            return True
    return None


def _fixed_number_of_solutions(residual: sp.Basic, unknown: sp.Symbol) -> bool:
    numerator, denominator = sp.fraction(sp.together(residual))
    if denominator.free_symbols - {unknown}:
        return False
    try:
        polynomial = sp.Poly(numerator, unknown)
    except sp.PolynomialError:
        return False
    return polynomial.degree() > 0 and not polynomial.LC().free_symbols


def symbolic_equations_or_undetermined(
    a: Side, b: Side, time_limit: float, why: str
) -> Equivalence:
    if any(isinstance(t, MatrixExpr) or contains_indexed(t) for t in (*a.terms, *b.terms)):
        return Equivalence(UNDETERMINED, why, details={"numeric": why}, method="none")
    r1 = a.terms[0] - a.terms[1]
    r2 = b.terms[0] - b.terms[1]
    try:
        same = run_with_time_limit(_equation_roots, r1, r2, seconds=time_limit)
    except TimeLimitExceeded as error:
        return Equivalence(UNDETERMINED, f"{why}; the symbolic check {error}", method="symbolic")
    except Exception as error:  # noqa: BLE001
        return Equivalence(
            UNDETERMINED,
            f"{why}; the symbolic check failed ({type(error).__name__})",
            method="symbolic",
        )
    if same is True:
        return Equivalence(EQUAL, "the same real solutions", method="symbolic")
    if same is False:
        return Equivalence(NOT_EQUAL, "different real solutions", "different", method="symbolic")
    return Equivalence(UNDETERMINED, why, details={"numeric": why}, method="none")
