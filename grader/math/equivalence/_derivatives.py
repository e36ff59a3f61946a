"""Derivatives in an expression replaced by their values before it is compared:
``\\nabla_\\beta (...)`` of an expression, and ``\\nabla_\\beta J`` /
``\\frac{\\partial J}{\\partial \\beta}`` of a quantity the context defines.

Only expressions: in an equation (``\\nabla_\\beta J = X^T (X\\beta - y)``) the
derivative is the unknown the equation gives a value to, and stays one.
A derivative of a name the context does not define, or with no variable
(``\\nabla J``), is left as it is (an unknown quantity, the same on both sides).
A gradient that cannot be computed makes the pair ``undetermined`` with the
reason.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixSymbol

from grader.math._differentials import has_differential
from grader.math._nodes import (
    Gradient,
    contains_type,
    derivative_symbol,
    split_derivative_symbol,
)
from grader.math.calculus import GradientUnavailable, derivative_values, short_plain
from grader.math.equivalence._numeric import as_comparable, finite_points, numeric_setup
from grader.math.equivalence._result import EQUAL, undetermined
from grader.math.equivalence._sides import Side
from grader.math.evaluate import EvaluationError
from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit


def with_derivatives_evaluated(side: Side, label: str, context: Any, time_limit: float) -> Side:
    """``side`` with its gradients replaced by their values (see the module docs)."""
    if any(has_differential(term) for term in side.terms):
        raise undetermined(
            f"{label} has a differential that is not read as a gradient (only "
            "dJ = A d\\beta, linear in one differential, is read)",
            side=label,
        )
    if side.kind == "equation":
        side = _with_gradients_named(side, context, time_limit)
        # d/dx (x^2 - 4x) = 0: the derivative of an explicit expression is a value,
        # not the unknown the equation names (that is dJ/dbeta, a quantity)
        terms = tuple(
            _evaluated(term, label, context, time_limit, explicit_only=True) for term in side.terms
        )
        return Side(side.kind, terms, side.text, side.problems)
    if side.kind != "expression" or not isinstance(side.expr, sp.Basic):
        return side
    return Side(
        side.kind,
        (_evaluated(side.expr, label, context, time_limit),),
        side.text,
        side.problems,
    )


def _evaluated(
    expr: Any, label: str, context: Any, time_limit: float, *, explicit_only: bool = False
) -> Any:
    """``expr`` with its derivatives replaced by their values (``explicit_only``:
    only gradients of written-out expressions, never of a named quantity)."""
    if not isinstance(expr, sp.Basic):
        return expr
    requests = _requests(expr, context)
    if explicit_only:
        requests = {
            node: request
            for node, request in requests.items()
            if isinstance(node, Gradient) and not isinstance(node.expr, (sp.Symbol, MatrixSymbol))
        }
    if not requests:
        return expr
    try:
        values = _values(tuple(requests.values()), context, time_limit)
    except TimeLimitExceeded as error:
        raise undetermined(
            f"the gradient in {label} could not be computed: SymPy {error}", side=label
        ) from None
    except WorkerCrashed as error:
        raise undetermined(
            f"the gradient in {label} could not be computed: {error}", side=label
        ) from None
    replacements = {}
    for node, value in zip(requests, values, strict=True):
        if isinstance(value, GradientUnavailable):
            raise undetermined(
                f"cannot compute the gradient {short_plain(node)} in {label}: {value}", side=label
            )
        replacements[node] = value
    return expr.xreplace(replacements)


def _with_gradients_named(side: Side, context: Any, time_limit: float) -> Side:
    """``\\nabla_\\beta \\frac12 \\|y - X\\beta\\|^2 = ...`` where the context defines
    ``J: 1/2 ||y - X beta||^2``: the equation gives a value to J's gradient,
    like ``\\nabla_\\beta J = ...`` (the gradient is the equation's unknown, so
    it is named, not evaluated)."""
    definitions = getattr(context, "definitions", None) or {}
    if not definitions:
        return side
    terms = []
    for term in side.terms:
        if isinstance(term, Gradient) and term.wrt is not None:
            name = _defined_quantity_equal_to(term.expr, context, time_limit)
            if name is not None:
                term = derivative_symbol(of=name, wrt=term.wrt, context=context)
        terms.append(term)
    return Side(side.kind, tuple(terms), side.text, side.problems)


def _defined_quantity_equal_to(expr: Any, context: Any, time_limit: float) -> str | None:
    from grader.math.equivalence._compare import equivalent

    found = []
    for name in context.definitions:
        if context.is_function(name) or context.is_matrix(name):
            continue
        verdict = equivalent(expr, context.symbol(name), context, time_limit=time_limit).verdict
        if verdict == EQUAL:
            found.append(name)
    return found[0] if len(found) == 1 else None


def check_gradients_without_variable(side_a: Side, side_b: Side) -> None:
    """``\\nabla J`` with no variable (none written, none the line implies) has
    no value; it can only be compared with the same gradient on the other side
    (one unknown quantity). Anything else is ``undetermined``."""
    if not any(contains_type(term, Gradient) for side in (side_a, side_b) for term in side.terms):
        return
    found = [
        {
            node
            for term in side.terms
            if isinstance(term, sp.Basic)
            for node in sp.preorder_traversal(term)
            if isinstance(node, Gradient) and node.wrt is None
        }
        for side in (side_a, side_b)
    ]
    lonely = found[0] ^ found[1]
    if lonely:
        node = sorted(lonely, key=sp.srepr)[0]
        label = "a" if node in found[0] else "b"
        raise undetermined(
            f"the gradient {short_plain(node)} in {label} does not say with respect to "
            "which variable (write \\nabla_\\beta J)",
            side=label,
        )


def _requests(expr: sp.Basic, context: Any) -> dict[Any, tuple[Any, Any]]:
    """Derivative node -> ``(of, wrt)`` for :func:`derivative_values`; inner
    gradients first (a gradient inside a gradient is not read: left to fail)."""
    found: dict[Any, tuple[Any, Any]] = {}
    definitions = getattr(context, "definition_sources", None) or {}
    if not contains_type(expr, Gradient) and not (
        definitions and any(split_derivative_symbol(s) for s in expr.free_symbols)
    ):
        return found
    for node in sp.preorder_traversal(expr):
        if isinstance(node, Gradient):
            if node.wrt is not None and node not in found:
                found[node] = (node.expr, node.wrt)
        elif isinstance(node, (sp.Symbol, MatrixSymbol)) and definitions:
            split = split_derivative_symbol(node)
            if split is None or split[0] not in definitions:
                continue
            wrt = _variable(split[1], context)
            if wrt is not None:
                found[node] = (split[0], wrt)
    return found


def _variable(name: str, context: Any) -> Any:
    is_declared = getattr(context, "is_declared", None)
    if is_declared is None or not is_declared(name):
        return None
    return context.symbol(name)


_STEP = 1e-6  # central differences: relative step
_AGREE = 1e-4  # relative difference under which the two derivatives agree
_CHECK_POINTS = 4


def _agrees_with_differences(of: Any, wrt: Any, value: Any, context: Any) -> bool:
    """SymPy's derivative checked against central differences at a few random
    points: SymPy's matrix calculus is young, and a wrong derivative that
    happened to match a student's wrong answer would be a false credit.
    True when the check cannot run (the expression has no numeric value)."""
    inner = context.symbol(of) if isinstance(of, str) else of
    setup = numeric_setup(context, (inner, value), seed=0)
    try:
        base_evaluator = setup.evaluator(points=_CHECK_POINTS, seed=0)
        base = np.array(base_evaluator.evaluate(wrt))
        derivative = as_comparable(np.array(base_evaluator.evaluate(value)))
        valid = base_evaluator.valid.copy()
        entries = [()] if base.ndim == 1 else list(np.ndindex(*base.shape[1:]))
        numeric = np.zeros((_CHECK_POINTS, *derivative.shape[1:]), dtype=complex)
        for entry in entries:
            moved = []
            for sign in (1, -1):
                shifted = base.copy()
                index = (slice(None), *entry)
                step = _STEP * np.maximum(np.abs(base[index]), 1.0)
                shifted[index] = shifted[index] + sign * step
                evaluator = setup.evaluator(points=_CHECK_POINTS, seed=0, overrides={wrt: shifted})
                moved.append(as_comparable(np.array(evaluator.evaluate(inner))))
                valid &= evaluator.valid
            difference = (moved[0] - moved[1]) / (2 * step)[:, None, None]
            if entry == ():
                numeric = difference  # scalar wrt: the derivative has the inner's shape
            else:
                numeric[(slice(None), *entry)] = difference[:, 0, 0]
    except (EvaluationError, ValueError, IndexError):
        return True
    valid &= finite_points(numeric) & finite_points(derivative)
    if valid.sum() == 0 or numeric.shape != derivative.shape:
        return numeric.shape == derivative.shape
    scale = np.maximum(np.abs(derivative[valid]).max(axis=(1, 2)), 1.0)
    gap = np.abs(numeric[valid] - derivative[valid]).max(axis=(1, 2)) / scale
    return bool((gap <= _AGREE).all())


@lru_cache(maxsize=512)
def _values(requests: tuple, context: Any, time_limit: float) -> list[Any]:
    """SymPy's derivatives (in a worker, under the time limit), each checked
    numerically; cached, so a sheet's repeated gradient costs nothing."""
    values = run_with_time_limit(derivative_values, list(requests), context, seconds=time_limit)
    checked = []
    for (of, wrt), value in zip(requests, values, strict=True):
        if not isinstance(value, GradientUnavailable) and not _agrees_with_differences(
            of, wrt, value, context
        ):
            value = GradientUnavailable(
                "SymPy's derivative does not agree with numeric differentiation"
            )
        checked.append(value)
    return checked
