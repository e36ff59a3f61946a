"""Equation steps: solution sets compared (previous => this, truth <=> this), stationarity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from grader.math.calculus import EvaluationError, ShapeMismatch
from grader.math.derivation._checker import Checker, Outcome
from grader.math.derivation._checks import judge, value_status
from grader.math.derivation._reading import is_zero
from grader.math.derivation._values import (
    Verdict,
    as_array,
    common_factor,
    compare_values,
    error_verdict,
    shape_text,
    split_quantity,
    values_close,
)


def is_stationarity(checker: Checker, terms: list[Any], relation: str, *, continues: bool) -> bool:
    """``E = 0`` right after a gradient: the gradient set to zero."""
    if continues or len(terms) != 2 or checker.main_quantity is None:
        return False
    if split_quantity(checker.main_quantity) is None or checker.equation is not None:
        return False
    return is_zero(terms[0]) != is_zero(terms[1])


def check_stationarity(
    checker: Checker,
    outcome: Outcome,
    terms: list[Any],
    unknown: list[str],
    *,
    quantity: str | None = None,
) -> Outcome:
    """``E = 0`` after a gradient, or ``\nabla J = 0`` (then E is the student's gradient)."""
    step = outcome.step
    named = quantity is not None
    quantity = quantity or checker.main_quantity
    assert quantity is not None
    expression = terms[1] if is_zero(terms[0]) else terms[0]
    step.kind = "equation"
    step.quantity = quantity
    wrt_name = split_quantity(quantity)[1]
    wrt = checker.graph.symbols.get(wrt_name)
    truth = checker.truth_expr(quantity)
    previous = checker.student_expr(quantity)
    as_value = (
        checker.compare(expression, truth, student_mode="student") if truth is not None else None
    )
    follows = (
        checker.compare(expression, previous, student_mode="student", reference_mode="student")
        if previous is not None
        else None
    )
    # as an equation, E = 0 follows from (and is right for) any nonzero multiple
    step.vs_previous = _as_equation_verdict(follows)
    step.vs_truth = _as_equation_verdict(as_value)
    # ... also a multiple by a non-constant factor (k(1-p) - (n-k)p = 0 from
    # k/p - (n-k)/(1-p) = 0): the same root for the unknown
    if step.vs_previous == "not_equal" and _same_root(
        checker, expression, previous, wrt, "student"
    ):
        step.vs_previous = "equal"
    if step.vs_truth == "not_equal" and _same_root(checker, expression, truth, wrt, "truth"):
        step.vs_truth = "equal"
    step.details["as_value"] = as_value.verdict if as_value else None
    if step.vs_truth == "not_equal" and as_value is not None:
        step.diagnosis = as_value.diagnosis
        step.message = f"setting the gradient to zero: {as_value.reason}"
    else:
        step.message = "the gradient set to zero"
    judge(step)
    if step.status == "carried_forward":
        step.message = "the (wrong) gradient set to zero: error carried forward"
    record_status = value_status(as_value, follows, False)
    # after a stated gradient, "E = 0" with E a multiple of it (k(1-p) - (n-k)p = 0
    # after dl/dp = k/p - (n-k)/(1-p)) or with an algebra slip is not a new value
    # of the gradient: the gradient is judged on the line that states it, the
    # slip on the equation steps that follow (an error is charged once)
    rescaled = (
        previous is not None
        and record_status in ("wrong", "carried")
        and not (follows is not None and follows.equal)
    )
    if not named and not rescaled:  # "grad J = 0" states no new value of the gradient
        outcome.record_value(
            quantity,
            record_status,
            expression,
            problem=as_value if as_value and not as_value.equal else None,
            stationarity=True,
        )
    outcome.equation = {
        "lhs": expression,
        "rhs": sp.S.Zero,
        "unknown": wrt,
        "truth": (truth, sp.S.Zero) if truth is not None else None,
        "line_no": step.line_no,
    }
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome


def _as_equation_verdict(verdict: Verdict | None) -> str | None:
    if verdict is None:
        return None
    if verdict.equal or verdict.diagnosis in ("sign_flip", "constant_factor"):
        return "equal"
    return verdict.verdict


def check_equation(
    checker: Checker,
    outcome: Outcome,
    terms: list[Any],
    relation: str,
    unknown_names: list[str],
    *,
    continues: bool = False,
) -> Outcome:
    """An equation step: previous equation => this one; true equation <=> this one."""
    step = outcome.step
    step.kind = "equation"
    previous = checker.equation or checker.gradient_equation()
    lhs, rhs = terms[0], terms[1]
    unknown = checker.equation_unknown(lhs, rhs)
    truth = previous.get("truth") if previous else None
    if previous is not None:
        follows = _equation_verdict(
            checker, (lhs, rhs), (previous["lhs"], previous["rhs"]), unknown, both_ways=False
        )
        step.vs_previous = follows.verdict
    else:
        follows = None
    if truth is not None:
        right = _equation_verdict(
            checker, (lhs, rhs), truth, unknown, both_ways=True, reference_mode="truth"
        )
        step.vs_truth = right.verdict
    else:
        right = None
    problem = right if right is not None and not right.equal else None
    if problem is None and follows is not None and not follows.equal:
        problem = follows
    extra = [
        checker.compare(b, a, student_mode="student", reference_mode="student")
        for a, b in zip(terms[1:], terms[2:], strict=False)
    ]
    bad_extra = next((v for v in extra if not v.equal), None)
    if bad_extra is not None:
        step.vs_previous = "not_equal"
        problem = problem or bad_extra
    if problem is not None:
        step.diagnosis = problem.diagnosis
        step.message = problem.reason
        step.details.update(problem.details)
    judge(step)
    if step.status == "carried_forward":
        step.message = "follows from the earlier (wrong) equation: error carried forward"
    elif step.status == "correct" and not step.message:
        step.message = "follows" if truth is None else ""
    outcome.equation = {
        "lhs": lhs,
        "rhs": terms[-1],
        "unknown": unknown,
        "truth": truth,
        "line_no": step.line_no,
    }
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome


def _equation_verdict(
    checker: Checker,
    current: tuple[Any, Any],
    reference: tuple[Any, Any],
    unknown: Any,
    *,
    both_ways: bool,
    reference_mode: str = "student",
) -> Verdict:
    """``reference => current`` (and ``<=`` when ``both_ways``) as solution sets."""
    student = checker.resolver("student")
    ref_resolve = checker.resolver(reference_mode)
    try:
        mine = residuals(checker, current, student)
    except EvaluationError as error:
        return error_verdict(error, current)
    try:
        theirs = residuals(checker, reference, ref_resolve)
    except EvaluationError as error:
        return Verdict("undetermined", None, f"the previous equation cannot be evaluated: {error}")
    if common_factor(mine, theirs) is not None:
        return Verdict("equal")
    if unknown is None:
        return Verdict("not_equal", "different", "not the same equation")
    try:
        checked = 0
        for index in checker.solve_points:
            solution = _solve(checker, reference, unknown, index, ref_resolve)
            if solution is None:
                # the previous equation is not affine in the unknown (k/p = (n-k)/(1-p)):
                # this line follows when its own solution satisfies it (k(1-p) = (n-k)p)
                verdict = _own_solution_verdict(
                    checker, current, reference, unknown, index, student, ref_resolve
                )
                if verdict is not None:
                    return verdict
                checked += 1
                continue
            # .item(), not float(): a solution may be complex where a log or a power
            # of the equation leaves its real domain at this point
            extra = {unknown: solution if solution.shape else solution.item()}
            at_solution = residuals(checker, current, student, extra, points=[index])[0]
            if not np.all(np.isfinite(at_solution)):
                continue  # no value at this point (outside a domain): it proves nothing
            checked += 1
            scale = max(float(np.max(np.abs(solution), initial=1.0)), 1.0)
            if not np.all(np.abs(at_solution) <= 1e-6 * scale * 10):
                mine_solution = _solve(checker, current, unknown, index, student)
                if mine_solution is None:
                    return Verdict("not_equal", "different", "does not follow")
                verdict = compare_values([as_array(mine_solution)], [as_array(solution)])
                verdict.reason = f"gives a different solution ({verdict.reason})"
                return verdict
            if both_ways:
                mine_solution = _solve(checker, current, unknown, index, student)
                if mine_solution is None:
                    return Verdict("undetermined", None, f"does not determine {unknown}")
        if not checked:
            return Verdict(
                "undetermined", None, "the equation has no value at the test points' solutions"
            )
        return Verdict("equal")
    except EvaluationError as error:
        return error_verdict(error, current)
    except np.linalg.LinAlgError as error:
        return Verdict("undetermined", None, f"linear algebra failed: {error}")


def _same_root(checker: Checker, expression: Any, other: Any, unknown: Any, mode: str) -> bool:
    """Whether ``expression = 0``, affine in a scalar ``unknown``, has a root that
    also makes ``other = 0``, at every point."""
    if other is None or not isinstance(unknown, sp.Symbol):
        return False
    try:
        for index in checker.solve_points:
            verdict = _own_solution_verdict(
                checker,
                (expression, sp.S.Zero),
                (other, sp.S.Zero),
                unknown,
                index,
                checker.resolver("student"),
                checker.resolver(mode),
            )
            if verdict is not None:
                return False
    except (EvaluationError, np.linalg.LinAlgError):
        return False
    return True


def _own_solution_verdict(
    checker: Checker,
    current: tuple[Any, Any],
    reference: tuple[Any, Any],
    unknown: Any,
    index: int,
    student: Callable,
    ref_resolve: Callable,
) -> Verdict | None:
    """None when the current equation's unique solution at point ``index``
    satisfies the previous equation; otherwise the verdict to return."""
    mine_solution = _solve(checker, current, unknown, index, student)
    if mine_solution is None:
        return Verdict("undetermined", None, "cannot solve the previous equation")
    extra = {unknown: mine_solution if mine_solution.shape else mine_solution.item()}
    with np.errstate(all="ignore"):
        at_mine = residuals(checker, reference, ref_resolve, extra, points=[index])[0]
    if not np.all(np.isfinite(at_mine)):
        return Verdict("undetermined", None, "cannot solve the previous equation")
    scale = max(float(np.max(np.abs(mine_solution), initial=1.0)), 1.0)
    if np.all(np.abs(at_mine) <= 1e-6 * scale * 10):
        return None
    return Verdict(
        "not_equal",
        "different",
        "does not follow: its solution does not satisfy the previous equation",
    )


def residuals(
    checker: Checker,
    equation: tuple[Any, Any],
    resolve: Callable,
    extra: dict | None = None,
    points: Sequence[int] | None = None,
) -> list[np.ndarray]:
    lhs, rhs = equation
    results = []
    if not extra and points is None:  # all points: values may come from the cache
        pairs = list(
            zip(checker.values_of(lhs, resolve), checker.values_of(rhs, resolve), strict=True)
        )
    else:
        pairs = []
        for index in points if points is not None else range(len(checker.points)):
            point = checker.points[index]
            if extra:
                point = {**point, **extra}
            with np.errstate(all="ignore"):
                pairs.append(
                    (
                        as_array(checker.evaluator.value(lhs, point, resolve)),
                        as_array(checker.evaluator.value(rhs, point, resolve)),
                    )
                )
    for left, right in pairs:
        if left.shape != right.shape:
            if right.ndim == 0 and right == 0:
                right = np.zeros_like(left)
            elif left.ndim == 0 and left == 0:
                left = np.zeros_like(right)
            else:
                raise ShapeMismatch(
                    f"the two sides have different shapes ({shape_text(left)} and {shape_text(right)})"
                )
        results.append(left - right)
    return results


def _solve(
    checker: Checker, equation: tuple[Any, Any], unknown: Any, index: int, resolve: Callable
) -> np.ndarray | None:
    """The unique solution for ``unknown`` at point ``index`` of an affine equation."""
    point = checker.points[index]
    base = point.get(unknown)
    if base is None:
        return None
    base = np.asarray(base, dtype=float)
    shape = base.shape

    def residual(value: np.ndarray) -> np.ndarray:
        extra = {unknown: value if shape else np.asarray(value).item()}
        return np.ravel(residuals(checker, equation, resolve, extra, points=[index])[0])

    # probing at 0 and 1 may leave the domain (k/p at p = 0): inf/NaN there
    # means "not affine", without RuntimeWarnings on the grader's stderr
    with np.errstate(all="ignore"):
        r0 = residual(np.zeros(shape))
        columns = []
        for flat in range(max(1, base.size)):
            unit = np.zeros(base.size)
            unit[flat] = 1.0
            columns.append(residual(unit.reshape(shape)) - r0)
        matrix = np.stack(columns, axis=1)
        probe = base
        affine = values_close(residual(probe), r0 + matrix @ np.ravel(probe))
    if not affine or not np.all(np.isfinite(matrix)) or not np.all(np.isfinite(r0)):
        return None  # not affine in the unknown
    if np.linalg.matrix_rank(matrix) < base.size:
        return None
    solution, *_ = np.linalg.lstsq(matrix, -r0, rcond=None)
    if not values_close(matrix @ solution, -r0):
        return None
    return solution.reshape(shape)
