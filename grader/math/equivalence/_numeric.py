"""The numeric step: both sides evaluated at the same random points, and the
tolerances that say when two values agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from grader.math.equivalence._result import undetermined
from grader.math.evaluate import (
    Evaluator,
    NumericFunction,
    ShapeError,
    choose_sizes,
    defined_function,
    format_shape,
    function_with_derivative,
)
from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

MIN_VALID_POINTS = 3
FIRST_POINTS = 16  # points in the first draw (vectorised: 16 cost about what 1 does)
RETRY_POINTS = 64  # a second draw when too few points fell inside the domains
CLOSE = 5e-13  # relative difference under which two values agree (rounding is ~1e-15)
APART = 1e-6  # relative difference above which two values differ
PRECISE = 10**6  # a number with a denominator above this (0.333333333333) is checked exactly
# In between: the numbers cannot tell (rounding, or a float answer close to an
# exact one) and SymPy decides.


@dataclass
class Setup:
    """What the numeric step needs from the context."""

    definitions: dict[sp.Basic, sp.Basic]
    functions: dict[str, NumericFunction]
    dims: set
    opaque: frozenset = frozenset()
    domains: dict[str, tuple[float, float]] = field(default_factory=dict)

    def evaluator(
        self,
        *,
        points: int,
        seed: int,
        draw: int = 0,
        tile: int = 1,
        overrides: dict | None = None,
    ) -> Evaluator:
        """An evaluator with the context's definitions and functions, dimension
        sizes drawn from ``seed + draw``."""
        return Evaluator(
            points=points,
            seed=seed,
            draw=draw,
            tile=tile,
            sizes=choose_sizes(self.dims, seed + draw),
            definitions=self.definitions,
            functions=self.functions,
            opaque=self.opaque,
            overrides=overrides or {},
            domains=self.domains,
        )


def numeric_setup(context: Any, exprs: Iterable[sp.Basic], seed: int) -> Setup:
    definitions: dict[sp.Basic, sp.Basic] = {}
    functions: dict[str, NumericFunction] = {}
    if context is not None:
        declared_functions = set(getattr(context, "functions", ()) or ())
        for name, expr in getattr(context, "definitions", {}).items():
            if name in declared_functions:  # sigma: 1 / (1 + exp(-u))
                functions[name] = defined_function(name, expr, seed)
                continue
            symbol = context.symbol(name) if hasattr(context, "symbol") else sp.Symbol(name)
            definitions[symbol] = expr
        for name, derivative in getattr(context, "function_derivatives", {}).items():
            if name not in functions:
                functions[name] = function_with_derivative(name, derivative, seed)
    exprs = list(exprs)
    if context is not None and getattr(context, "definition_sources", None):
        # the partials the answer or a definition (delta2: dL/dz2) names
        named = [*exprs, *definitions.values()]
        definitions.update(_reference_partials(context, named, definitions))
    dims: set = set()
    half = len(exprs) // 2
    gradients: list[set] = [set(), set()]  # gradient nodes of side a, of side b
    for index, expr in enumerate([*exprs, *definitions.values()]):
        found_dims, found_gradients = _dims_and_gradients(expr)
        dims |= found_dims
        if index < len(exprs):
            gradients[0 if index < half else 1] |= found_gradients
    # A gradient both sides share is one unknown quantity; given random values.
    domains = dict(getattr(context, "domains", None) or {})
    return Setup(definitions, functions, dims, frozenset(gradients[0] & gradients[1]), domains)


PARTIAL_TIME_LIMIT = 2.0  # seconds to derive a context's partials (SymPy, in a worker)
_PARTIALS: dict[tuple, Any] = {}  # (context key, of, wrt) -> partial, or None: none to give


def _reference_partials(
    context: Any, exprs: list[sp.Basic], definitions: dict[sp.Basic, sp.Basic]
) -> dict[sp.Basic, sp.Basic]:
    """``dL/dw2`` written in an answer is a number too: the partial derivative
    that the context's computation graph gives (``(a2 - y) a1``), so that
    ``w2 - alpha dL/dw2`` and ``w2 - alpha (a2 - y) a1`` are the same update.
    Derived by SymPy in a worker under a time limit (decision 7), once per
    context; a partial the graph cannot give stays an unknown quantity."""
    from grader.math._nodes import split_derivative_symbol
    from grader.math.calculus import context_key

    wanted: dict[sp.Basic, tuple[str, str]] = {}
    for expr in exprs:
        for node in sp.preorder_traversal(expr):
            if not isinstance(node, (sp.Symbol, MatrixSymbol)) or node in definitions:
                continue
            split = split_derivative_symbol(node)
            if split is not None and split[0] in context.definition_sources:
                wanted[node] = split
    if not wanted:
        return {}
    key = context_key(context)
    missing = sorted({pair for pair in wanted.values() if (key, *pair) not in _PARTIALS})
    if missing:
        try:
            derived = run_with_time_limit(
                _graph_partials, context, missing, seconds=PARTIAL_TIME_LIMIT
            )
        except (TimeLimitExceeded, WorkerCrashed) as error:
            raise undetermined(f"the partial derivatives of the context {error}") from None
        if key is not None:
            if len(_PARTIALS) > 4096:
                _PARTIALS.clear()
            _PARTIALS.update({(key, *pair): value for pair, value in derived.items()})
    else:
        derived = {}
    found = {}
    for node, pair in wanted.items():
        value = derived.get(pair) if pair in derived else _PARTIALS.get((key, *pair))
        if value is not None:
            found[node] = value
    return found


def _graph_partials(context: Any, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Runs in the worker: each ``(of, wrt)`` partial on the context's graph."""
    from grader.math.calculus import graph_for

    graph = graph_for(context)
    found: dict[tuple[str, str], Any] = {}
    for of, wrt in pairs:
        value = None
        if wrt in graph.symbols:
            try:
                value = sp.sympify(graph.partial(of, wrt))
            except (KeyError, TypeError, ValueError, AttributeError, NotImplementedError):
                value = None
        found[(of, wrt)] = value
    return found


@lru_cache(maxsize=4096)
def _dims_and_gradients(expr: sp.Basic) -> tuple[frozenset, frozenset]:
    """The dimension expressions of the matrix symbols in ``expr`` and its
    gradient nodes (cached: references and definitions recur in every check)."""
    dims: set = set()
    gradients: set = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, MatrixSymbol):
            dims.update(sp.sympify(s) for s in node.shape)
        elif is_gradient(node):
            gradients.add(node)
    return frozenset(dims), frozenset(gradients)


def is_gradient(expr: sp.Basic) -> bool:
    return type(expr).__name__ in ("ScalarGradient", "MatrixGradient")


@dataclass
class Values:
    a: np.ndarray
    b: np.ndarray
    valid: np.ndarray
    evaluator: Evaluator
    condition: np.ndarray  # per point, the worst condition number of an inverse
    points: int = FIRST_POINTS
    draw: int = 0


def evaluate_pair(
    a: sp.Basic, b: sp.Basic, setup: Setup, seed: int, points: int, draw: int
) -> Values:
    evaluator = setup.evaluator(points=points, seed=seed, draw=draw)
    va = evaluate_side(evaluator, a, "a")
    vb = evaluate_side(evaluator, b, "b")
    return Values(
        va, vb, evaluator.valid.copy(), evaluator, evaluator.condition.copy(), points, draw
    )


@dataclass(frozen=True)
class DomainDifference:
    """One side is defined at points where the other leaves a real domain."""

    undefined_side: str  # "a" or "b"
    node: sp.Basic  # the function call that left its domain there
    points: int


def domain_difference(a: sp.Basic, b: sp.Basic, values: Values, setup: Setup, seed: int):
    """Where the pair's evaluation dropped points for leaving a domain, each side
    is evaluated alone at the same points: a side defined (finite, in every
    domain) where the other is not is a ``DomainDifference`` (``log(x^2)`` and
    ``2 log x`` agree where both are defined, yet only one is defined at x < 0).
    None when both sides are defined at the same points."""
    if not values.evaluator.outside_domain.any():
        return None
    alone = {}
    for label, expr in (("a", a), ("b", b)):
        evaluator = setup.evaluator(points=values.points, seed=seed, draw=values.draw)
        try:
            value = as_comparable(evaluator.evaluate(expr))
        except Exception:  # noqa: BLE001 - it evaluated beside the other side just before
            return None
        defined = evaluator.valid & finite_points(value) & ~evaluator.imprecise
        alone[label] = (defined, evaluator.outside_domain, evaluator.domain_nodes)
    for undefined, other in (("a", "b"), ("b", "a")):
        _, outside, nodes = alone[undefined]
        where = outside & alone[other][0]
        if where.any() and nodes:
            return DomainDifference(undefined, nodes[0], int(where.sum()))
    return None


class SideShapeError(Exception):
    def __init__(self, label: str, error: ShapeError):
        self.label = label
        self.error = error


def evaluate_side(evaluator: Evaluator, expr: sp.Basic, label: str) -> np.ndarray:
    try:
        return evaluator.evaluate(expr)
    except ShapeError as error:
        raise SideShapeError(label, error) from None


def as_comparable(value: np.ndarray) -> np.ndarray:
    """``(k,)`` scalars and ``(k, 1, 1)`` matrices both become ``(k, 1, 1)``."""
    return value[:, None, None] if value.ndim == 1 else value


def finite_points(value: np.ndarray) -> np.ndarray:
    return np.isfinite(value).all(axis=(1, 2))


# Values this small (at every entry) cannot be compared with the absolute floor
# that rounding noise needs: 1e-20 x and 0 would look equal.
TOO_SMALL = 1e-6


def comparable_points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points where the values are large enough to compare: both exactly zero,
    or one of them at least :data:`TOO_SMALL` somewhere."""
    ax, ay = np.abs(x), np.abs(y)
    if np.minimum.reduce(ax, axis=None) >= TOO_SMALL:  # the common case, cheaply
        return np.ones(len(x), dtype=bool)
    size = np.maximum(ax.max(axis=(1, 2)), ay.max(axis=(1, 2)))
    return (size == 0) | (size >= TOO_SMALL)


def too_few_points_reason(values: Values, valid: np.ndarray) -> str:
    """Why fewer than :data:`MIN_VALID_POINTS` points can be compared."""
    evaluator = values.evaluator
    kept = f"only {int(valid.sum())} of {valid.size} random points"
    if evaluator.divided_by_zero.all():
        return "division by zero"
    if (
        evaluator.imprecise.any()
        or not comparable_points(as_comparable(values.a), as_comparable(values.b)).all()
    ):
        return (
            f"values too large/small to compare in floating point ({kept} could be compared: "
            "overflow, underflow or a term too small to change a sum)"
        )
    if evaluator.divided_by_zero.any():
        return f"division by zero: {kept} were inside both expressions' domains"
    return f"domain problems: {kept} were inside both expressions' domains"


def relative_gap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per point: the largest entry difference over the largest entry size (at least 1)."""
    scale = np.maximum(np.abs(x).max(axis=(1, 2)), np.abs(y).max(axis=(1, 2)))
    scale = np.maximum(scale, 1.0)
    return np.abs(x - y).max(axis=(1, 2)) / scale


def all_close(x: np.ndarray, y: np.ndarray) -> bool:
    return bool((relative_gap(x, y) <= 1e-9).all())


def shape_text(expr: sp.Basic, value: np.ndarray) -> str:
    if value.ndim == 1 or value.shape[1:] == (1, 1):
        return "scalar" if value.ndim == 1 else "1 x 1"
    shape = getattr(expr, "shape", None)
    if isinstance(expr, MatrixExpr) and shape is not None:
        return format_shape(shape)
    return format_shape(value.shape[1:])
