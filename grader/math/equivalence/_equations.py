"""Two equations compared as equations: the same solutions (see
:func:`compare_equations`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from grader.math.equivalence._diagnosis import constant_ratio
from grader.math.equivalence._expressions import compare_expressions
from grader.math.equivalence._numeric import (
    APART,
    MIN_VALID_POINTS,
    Setup,
    SideShapeError,
    all_close,
    as_comparable,
    comparable_points,
    evaluate_side,
    finite_points,
    is_gradient,
    numeric_setup,
    shape_text,
)
from grader.math.equivalence._parameters import check_parameters
from grader.math.equivalence._result import EQUAL, NOT_EQUAL, Equivalence, undetermined
from grader.math.equivalence._sides import Side
from grader.math.equivalence._symbolic import symbolic_equations_or_undetermined
from grader.math.evaluate import EvaluationError, Evaluator, ShapeError, choose_sizes


def compare_equations(
    a: Side, b: Side, context: Any, seed: int, time_limit: float, *, parameters: bool = True
) -> Equivalence:
    """Two equations are equivalent when they have the same solutions.

    1. The same quantity alone on one side of both (``dL/dz2 = ...``, ``beta = ...``):
       compare the other sides as expressions (with their diagnosis).
    2. An unknown ``u`` in which both residuals ``lhs - rhs`` are affine,
       ``R_i(u) = M_i u + c_i`` with ``M_i`` square and invertible: the equations
       are equivalent iff their unique solutions agree for all values of the
       other symbols (found numerically, at random points: ``X^T X beta = X^T y``
       vs ``beta = (X^T X)^{-1} X^T y``). This covers scalar linear equations
       (``3x - y + 13 = 0`` vs ``3x + 4y + 14 = 0``: different solutions for x).
    3. Otherwise, residuals that are constant multiples of each other are
       equivalent; for polynomial equations in one unknown the real roots are
       compared (SymPy, under the time limit); else undetermined.
    """
    (l1, r1), (l2, r2) = a.terms, b.terms
    for x1, y1 in ((l1, r1), (r1, l1)):
        for x2, y2 in ((l2, r2), (r2, l2)):
            if _is_quantity(x1) and x1 == x2 and not (y1.has(x1) or y2.has(x1)):
                result = compare_expressions(y1, y2, context, seed, time_limit)
                result.reason = f"both give {x1}: {result.reason}"
                return result
    setup = numeric_setup(context, (l1, r1, l2, r2), seed)
    try:
        residuals = _residual_values(l1, r1, l2, r2, setup, seed, {})
    except SideShapeError as error:
        which = "a" if error.label in ("l1", "r1", "R1") else "b"
        return _malformed_equation(which, error.error, a, b, setup, seed)
    except EvaluationError as error:
        return symbolic_equations_or_undetermined(a, b, time_limit, str(error))
    R1, R2, valid, evaluator = residuals
    if R1.ndim == 3 and R1.shape[1:] == R2.shape[2:0:-1] and R1.shape[1] != R1.shape[2]:
        # X^T X beta = X^T y and beta^T X^T X = y^T X: one is the other transposed
        transposed = Side("equation", tuple(_transpose(term) for term in b.terms), b.text)
        result = compare_equations(a, transposed, context, seed, time_limit, parameters=parameters)
        result.reason = f"with b transposed: {result.reason}"
        return result
    if R1.shape[1:] != R2.shape[1:]:
        s1 = shape_text(l1, R1) if R1.ndim == 3 else "scalar"
        s2 = shape_text(l2, R2) if R2.ndim == 3 else "scalar"
        return Equivalence(
            NOT_EQUAL,
            f"the equations have different shapes: a is {s1}, b is {s2}",
            "shape_mismatch",
            {"a_shape": s1, "b_shape": s2},
        )
    if valid.sum() < MIN_VALID_POINTS:
        why = "domain problems: too few random points inside the domains"
        if evaluator.divided_by_zero.all():
            why = "division by zero"
        elif evaluator.imprecise.any() or evaluator.valid.sum() >= MIN_VALID_POINTS:
            why = "values too large/small to compare in floating point"
        return symbolic_equations_or_undetermined(a, b, time_limit, why)
    zero1 = _all_zero(R1[valid])
    zero2 = _all_zero(R2[valid])
    if zero1 or zero2:
        if zero1 and zero2:
            return Equivalence(EQUAL, "both equations always hold")
        which = "a" if zero1 else "b"
        return Equivalence(
            NOT_EQUAL,
            f"{which} always holds, the other does not",
            "different",
            {"always_true": which},
        )

    for side, label, other in ((a, "a", b), (b, "b", a)):
        quantity = _value_claim(side, setup)
        if quantity is not None and not any(term.has(quantity) for term in other.terms):
            # grad J = X^T (y - X beta) states what grad J is (here: wrongly); it is
            # not an equation in beta that happens to solve like the other one
            return Equivalence(
                NOT_EQUAL,
                f"{label} states the value of {quantity}, which is not its value; "
                "the other is an equation",
                "different",
                {"claim": label, "quantity": str(quantity)},
            )

    def compare_fixed(terms: tuple) -> Equivalence:
        fixed_a = Side("equation", terms[:2], a.text)
        fixed_b = Side("equation", terms[2:], b.text)
        return compare_equations(fixed_a, fixed_b, context, seed, time_limit, parameters=False)

    for unknown in _unknown_candidates(a, b, setup):
        result = _compare_by_solution(unknown, l1, r1, l2, r2, setup, seed)
        if result is not None and result.verdict == EQUAL and parameters:
            varies = bool(result.details.pop("coefficient_varies", False))
            # residuals that are a constant multiple of each other agree everywhere
            varies = varies and constant_ratio(R1[valid], R2[valid]) is None
            exception = check_parameters(
                unknown, (l1, r1, l2, r2), compare_fixed, varies, time_limit
            )
            if exception is not None:
                return exception
        if result is not None:
            result.details.pop("coefficient_varies", None)
            return result
    factor = constant_ratio(R1[valid], R2[valid])
    if factor is not None:
        return Equivalence(
            EQUAL, f"the residuals are proportional (factor {factor})", details={"factor": factor}
        )
    different_root = _root_of_one_only(a, b, setup, seed)
    if different_root is not None:
        return different_root
    return symbolic_equations_or_undetermined(
        a, b, time_limit, "could not compare the equations' solution sets"
    )


ROOT_INTERVAL = (-10.0, 10.0)
ROOT_GRID = 2001


def _root_of_one_only(a: Side, b: Side, setup: Setup, seed: int) -> Equivalence | None:
    """For two scalar equations in one unknown: a real root of one residual (found
    by sign changes on a grid over ROOT_INTERVAL, refined by bisection) at which
    the other residual is clearly not zero shows the solution sets differ
    (``sin(x) = 0`` vs ``x = 0``). Finding no such root proves nothing, so this
    only ever answers ``not_equal``."""
    unknowns = set()
    for term in (*a.terms, *b.terms):
        if isinstance(term, MatrixExpr):
            return None
        unknowns |= _symbols(term)
    unknowns = {u for u in unknowns if not _is_dimension(u)}
    if len(unknowns) != 1 or setup.dims or setup.definitions:
        return None
    (unknown,) = unknowns
    if not isinstance(unknown, sp.Symbol):
        return None
    residuals = [a.terms[0] - a.terms[1], b.terms[0] - b.terms[1]]

    def values(index: int, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        evaluator = Evaluator(
            points=u.shape[0],
            seed=seed,
            functions=setup.functions,
            overrides={unknown: u.astype(complex)},
        )
        value = evaluator.evaluate(residuals[index])
        ok = evaluator.valid & np.isfinite(value) & (np.abs(value.imag) <= 1e-9)
        return value.real, ok

    # shifted off round numbers, so a root is inside a bracket, not on a grid point
    grid = np.linspace(*ROOT_INTERVAL, ROOT_GRID) + 0.001234567
    try:
        for index in (0, 1):
            value, ok = values(index, grid)
            bracket = ok[:-1] & ok[1:] & (np.sign(value[:-1]) * np.sign(value[1:]) < 0)
            lo, hi = grid[:-1][bracket], grid[1:][bracket]
            if lo.size == 0 or lo.size > 200:
                continue
            f_lo, _ = values(index, lo)
            for _ in range(50):  # bisection, all brackets at once
                mid = (lo + hi) / 2
                f_mid, _ = values(index, mid)
                left = np.sign(f_mid) == np.sign(f_lo)
                lo, f_lo = np.where(left, mid, lo), np.where(left, f_mid, f_lo)
                hi = np.where(left, hi, mid)
            roots = (lo + hi) / 2
            at_root, ok_root = values(index, roots)
            other, ok_other = values(1 - index, roots)
            scale = np.maximum(1.0, np.abs(other))
            real_root = ok_root & (np.abs(at_root) <= 1e-8)  # not a pole's sign change
            clear = real_root & ok_other & (np.abs(other) > 1e-6 * scale)
            if clear.any():
                root = round(float(roots[clear][0]), 9) + 0.0  # -6e-17 is 0
                which, other_label = ("a", "b") if index == 0 else ("b", "a")
                return Equivalence(
                    NOT_EQUAL,
                    f"{unknown} = {root:.6g} solves {which} but not {other_label}",
                    "different",
                    {"unknown": str(unknown), "root": f"{root:.6g}", "solves": which},
                )
    except EvaluationError:
        return None
    return None


def _is_quantity(expr: sp.Basic) -> bool:
    return isinstance(expr, (sp.Symbol, MatrixSymbol)) or is_gradient(expr)


def _symbols(expr: sp.Basic) -> set:
    return set(expr.atoms(sp.Symbol)) | set(expr.atoms(MatrixSymbol))


def _all_zero(R: np.ndarray) -> bool:
    R = as_comparable(R)
    return bool((np.abs(R).max(axis=(1, 2)) <= 1e-10).all())


def _residual_values(
    l1, r1, l2, r2, setup: Setup, seed: int, overrides: dict, points: int = 8, tile: int = 1
):
    evaluator = setup.evaluator(points=points, seed=seed, tile=tile, overrides=overrides)
    residuals = []
    comparable = np.ones(evaluator.points, dtype=bool)
    for label, lhs, rhs in (("1", l1, r1), ("2", l2, r2)):
        lv = evaluate_side(evaluator, lhs, f"l{label}")
        rv = evaluate_side(evaluator, rhs, f"r{label}")
        lv, rv = as_comparable(lv), as_comparable(rv)
        # "M = 0" with a matrix M: the 0 is the zero matrix of M's shape.
        if rhs == 0 and lv.shape[1:] != (1, 1):
            rv = np.zeros_like(lv)
        elif lhs == 0 and rv.shape[1:] != (1, 1):
            lv = np.zeros_like(rv)
        if lv.shape != rv.shape:
            raise SideShapeError(
                f"R{label}",
                ShapeError(
                    f"the two sides have different shapes: {shape_text(lhs, lv)} and "
                    f"{shape_text(rhs, rv)}"
                ),
            )
        residuals.append(lv - rv)
        comparable &= comparable_points(lv, rv)
    R1, R2 = residuals
    valid = evaluator.valid & finite_points(R1) & finite_points(R2) & comparable
    return R1, R2, valid, evaluator


def _malformed_equation(which, error, a, b, setup, seed) -> Equivalence:
    other = b if which == "a" else a
    try:
        evaluator = Evaluator(points=2, seed=seed, sizes=choose_sizes(setup.dims, seed))
        for term in other.terms:
            evaluator.evaluate(term)
    except ShapeError:
        raise undetermined("neither equation is well formed") from None
    except EvaluationError:
        pass
    return Equivalence(
        NOT_EQUAL,
        f"{which} is not well formed: {error}",
        "shape_mismatch",
        {"malformed": which, "problem": str(error)},
    )


def _value_claim(side: Side, setup: Setup) -> sp.Basic | None:
    """The quantity an equation gives a value to: one side a quantity the
    context gives a value (``dJ/dbeta``, ``a2``), the other a non-zero
    expression without it. ``dJ/dbeta = 0`` is a condition to solve, not a claim."""
    for quantity, value in (side.terms, side.terms[::-1]):
        if quantity in setup.definitions and not _is_zero_term(value) and not value.has(quantity):
            return quantity
    return None


def _is_zero_term(term: sp.Basic) -> bool:
    return term == 0 or getattr(term, "is_ZeroMatrix", False)


def _transpose(term: sp.Basic) -> sp.Basic:
    return term.T if isinstance(term, MatrixExpr) else term


def _unknown_candidates(a: Side, b: Side, setup: Setup) -> list[sp.Basic]:
    alone = []
    for side in (a, b):
        for term in side.terms:
            # a quantity with a value (dJ/dbeta from the context's J) is not an unknown
            if _is_quantity(term) and term not in alone and term not in setup.definitions:
                alone.append(term)
    rest = sorted(
        (_symbols(a.terms[0]) | _symbols(a.terms[1]))
        & (_symbols(b.terms[0]) | _symbols(b.terms[1])),
        key=lambda s: (isinstance(s, MatrixSymbol), str(s)),
    )
    candidates = alone + [
        s for s in rest if s not in alone and not _is_dimension(s) and s not in setup.definitions
    ]
    return candidates[:6]


def _is_dimension(symbol: sp.Basic) -> bool:
    return isinstance(symbol, sp.Symbol) and bool(symbol.is_integer)


def _compare_by_solution(unknown, l1, r1, l2, r2, setup: Setup, seed: int) -> Equivalence | None:
    points = 6
    try:
        sizes = choose_sizes(setup.dims, seed)
        if isinstance(unknown, MatrixSymbol):
            rows = Evaluator(sizes=sizes).size(unknown.shape[0])
            cols = Evaluator(sizes=sizes).size(unknown.shape[1])
            shape = (points, rows, cols)
        else:
            shape = (points,)
        m = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        if m > 64:
            return None
        rng = np.random.default_rng([seed, 4242])
        base = rng.standard_normal(shape).astype(complex)
        probe = rng.standard_normal(shape).astype(complex)
        samples = [base]
        for j in range(m):
            step = np.zeros(m, dtype=complex)
            step[j] = 1.0
            samples.append(base + step.reshape(shape[1:]) if len(shape) > 1 else base + 1.0)
        samples.append(probe)
        # all samples in one evaluation: the other symbols repeat across the copies
        copies = len(samples)
        R1, R2, ok, _ = _residual_values(
            l1,
            r1,
            l2,
            r2,
            setup,
            seed,
            {unknown: np.concatenate(samples)},
            points * copies,
            tile=copies,
        )
        R1, R2 = _flat(R1), _flat(R2)
        evaluated = [
            (
                R1[i * points : (i + 1) * points],
                R2[i * points : (i + 1) * points],
                ok[i * points : (i + 1) * points],
            )
            for i in range(copies)
        ]
    except (EvaluationError, SideShapeError):
        return None
    valid = np.logical_and.reduce([v for _, _, v in evaluated])
    if valid.sum() < MIN_VALID_POINTS:
        return None
    u_base, u_probe = _flat(as_comparable(base)), _flat(as_comparable(probe))
    solutions: list[np.ndarray | None] = []
    varies = False
    for index in (0, 1):
        R0 = evaluated[0][index]
        M = np.stack([evaluated[j + 1][index] - R0 for j in range(m)], axis=2)  # (k, s, m)
        c = R0 - np.einsum("ksm,km->ks", M, u_base)
        predicted = np.einsum("ksm,km->ks", M, u_probe) + c
        actual = evaluated[-1][index]
        scale = np.maximum(1.0, np.abs(actual).max(axis=1))
        affine = not (np.abs(predicted - actual).max(axis=1)[valid] > 1e-7 * scale[valid]).any()
        square = R0.shape[1] == m
        if not (affine and square) or (np.linalg.cond(M[valid]) > 1e8).any():
            solutions.append(None)  # no unique solution for this unknown
            continue
        safe = np.where(valid[:, None, None], M, np.eye(m))
        solutions.append(np.linalg.solve(safe, -c[..., None])[..., 0])
        first_point = M[valid][:1]
        scale = max(1.0, float(np.abs(first_point).max())) if first_point.size else 1.0
        varies = varies or bool((np.abs(M[valid] - first_point) > 1e-9 * scale).any())
    if solutions[0] is None and solutions[1] is None:
        return None
    if solutions[0] is None or solutions[1] is None:
        return _solution_of_one_only(
            unknown, solutions, (l1, r1, l2, r2), setup, seed, shape, valid
        )
    first, second = solutions[0][valid], solutions[1][valid]
    gap = np.abs(first - second).max(axis=1) / np.maximum(1.0, np.abs(second).max(axis=1))
    if (gap <= 1e-8).all():
        outside = _solution_outside_domain(unknown, solutions, (l1, r1, l2, r2), setup, seed, shape)
        if outside is not None:
            return outside
        return Equivalence(
            EQUAL,
            f"same solution for {unknown}",
            details={"unknown": str(unknown), "coefficient_varies": varies},
        )
    if (gap > APART).sum() >= max(2, (len(gap) + 1) // 2):
        s1, s2 = first[:, :, None], second[:, :, None]
        details: dict[str, Any] = {"unknown": str(unknown)}
        diagnosis = "different"
        reason = f"the equations give different solutions for {unknown}"
        if all_close(s1, -s2):
            diagnosis, details["factor"] = "sign_flip", "-1"
            reason += " (of opposite sign)"
        else:
            factor = constant_ratio(s1, s2)
            if factor is not None:
                diagnosis, details["factor"] = "constant_factor", factor
                reason += f" ({factor} times the other)"
        return Equivalence(NOT_EQUAL, reason, diagnosis, details)
    return None


def _solution_outside_domain(
    unknown, solutions, sides, setup: Setup, seed: int, shape: tuple
) -> Equivalence | None:
    """The common solution makes one equation undefined (``(x^2 - 1)/(x - 1) = 2``
    vs ``x + 1 = 2``: x = 1 is a 0/0): that equation has no solution there."""
    solution = solutions[0].reshape(shape)
    try:
        R1, R2, _, _ = _residual_values(*sides, setup, seed, {unknown: solution}, shape[0])
    except (EvaluationError, SideShapeError):
        return None
    bad1 = ~finite_points(R1)
    bad2 = ~finite_points(R2)
    for bad, label, other in ((bad1, "a", "b"), (bad2, "b", "a")):
        if bad.sum() >= max(2, (len(bad) + 1) // 2) and not (bad1 & bad2).any():
            return Equivalence(
                NOT_EQUAL,
                f"the solution of {other} for {unknown} makes {label} undefined",
                "different",
                {"unknown": str(unknown), "undefined": label},
            )
    return None


def _solution_of_one_only(
    unknown, solutions, sides, setup: Setup, seed: int, shape: tuple, valid: np.ndarray
) -> Equivalence | None:
    """One equation has a unique solution for ``unknown``; if the other equation
    does not hold there, the solution sets differ (``x = 2`` vs ``y = 2``).
    If it does hold, the other may have more solutions: no verdict."""
    index = 0 if solutions[0] is not None else 1
    solution = solutions[index].reshape(shape)
    try:
        R1, R2, ok, _ = _residual_values(*sides, setup, seed, {unknown: solution}, shape[0])
    except (EvaluationError, SideShapeError):
        return None
    other = _flat(R2 if index == 0 else R1)
    ok = ok & valid
    if ok.sum() < MIN_VALID_POINTS:
        return None
    size = np.abs(other[ok]).max(axis=1)
    off = size > APART * np.maximum(1.0, size)
    if off.sum() >= max(2, (ok.sum() + 1) // 2):
        solves, fails = ("a", "b") if index == 0 else ("b", "a")
        return Equivalence(
            NOT_EQUAL,
            f"the solution of {solves} for {unknown} does not solve {fails}",
            "different",
            {"unknown": str(unknown), "solves": solves},
        )
    return None


def _flat(value: np.ndarray) -> np.ndarray:
    value = as_comparable(value)
    return value.reshape(value.shape[0], -1)
