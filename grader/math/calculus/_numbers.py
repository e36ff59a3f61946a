"""Numbers for expressions over a graph at a few random points (and gradients of
a student's own expression by the complex step).

The glue between a :class:`Graph` and the math engine's one numeric evaluator
(:class:`grader.math.evaluate.Evaluator`): the graph's inputs are drawn by its
sampling policy (signed scalars, values in (0, 1), standard-normal matrices of
concrete, distinct sizes), intermediate names take the values their
definitions give, and only points where every definition has a value (inside
its domain, no overflow or underflow) are kept. An expression is evaluated at
one point by the same evaluator, with two hooks: names the graph does not
have (derivative quantities) are resolved by the caller, and gradients are
taken numerically here.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import MatrixSymbol

from grader.math.calculus._errors import EvaluationError, ShapeMismatch
from grader.math.calculus._graph import Graph
from grader.math.calculus._printing import gradient_parts, short_plain
from grader.math.evaluate import Evaluator as NumericEvaluator
from grader.math.evaluate import (
    NumericFunction,
    draw_scalar,
    function_with_derivative,
)

_SIZES = (3, 7, 5, 9, 4, 11, 6, 13)
_CANDIDATES = 64  # points drawn at once; the first ones where the graph has values are kept
# Nodes whose derivative the complex step gets wrong (|x| drops the imaginary part).
_NOT_ANALYTIC = (sp.Abs, sp.sign, sp.Max, sp.Min)


class Evaluator:
    """Numbers for expressions over a graph at a few random points.

    ``functions`` gives a numeric implementation (:class:`NumericFunction`) for
    context functions; a function with a derivative rule in the graph
    (``sigma' = sigma (1 - sigma)``) is built from it (the logistic function),
    any other gets the evaluator's random smooth function. ``resolve(symbol)``
    may return an expression (or None) for names that are not graph symbols
    (derivative quantities): it is evaluated at the same point.
    """

    def __init__(
        self,
        graph: Graph,
        *,
        points: int = 16,
        seed: int = 0,
        functions: Mapping[str, NumericFunction] | None = None,
    ) -> None:
        self.graph = graph
        self.seed = seed
        self.functions: dict[str, NumericFunction] = {
            name: function_with_derivative(name, rule, seed)
            for name, rule in graph.function_rules.items()
        }
        self.functions.update(functions or {})
        self.dims = _choose_sizes(graph.symbols.values())
        self._sizes: dict[Any, tuple[int, int]] = {}
        self.points: list[dict[Any, Any]] = self._draw_points(points)

    def _draw_points(self, wanted: int) -> list[dict[Any, Any]]:
        """``wanted`` points where every definition of the graph has a value
        (drawn with the sampling policy, all candidates evaluated at once)."""
        graph = self.graph
        definitions = {
            graph.symbols[name]: expr
            for name, expr in graph.definitions.items()
            if name in graph.symbols
        }
        numbers = NumericEvaluator(
            points=_CANDIDATES,
            seed=self.seed,
            sizes=self.dims,
            definitions=definitions,
            functions=self.functions,
        )
        values: dict[Any, np.ndarray | None] = {}
        for name, obj in graph.symbols.items():
            if name in graph.definitions:
                continue
            values[obj] = numbers.evaluate(obj)
        usable = np.ones(_CANDIDATES, dtype=bool)
        for obj in definitions:
            before = numbers.valid.copy()
            try:
                value = numbers.evaluate(obj)
            except EvaluationError:
                # this definition has no value (a construct not evaluated, shapes
                # that do not fit): it stays without one, the others still count
                numbers.valid = before
                values[obj] = None
                continue
            values[obj] = value
            usable &= _finite(value)
        usable &= numbers.valid
        scalars = [v for obj, v in values.items() if v is not None and v.ndim == 1]
        chosen = _diverse(np.flatnonzero(usable), scalars, wanted)
        if len(chosen) < wanted:  # too few points with values: keep some without
            chosen += [i for i in range(_CANDIDATES) if i not in chosen][: wanted - len(chosen)]
        points = []
        for index in chosen:
            point: dict[Any, Any] = {}
            for obj, value in values.items():
                point[obj] = None if value is None else _at(value, index, usable[index])
            points.append(point)
        return points

    def value(self, expr: Any, point: dict[Any, Any], resolve: Callable | None = None) -> Any:
        """The number (or 2-d array) ``expr`` takes at ``point``; NaN where the
        point is outside a domain or the value is too large or small for floats
        (the caller drops it)."""
        if not isinstance(expr, sp.Basic):
            if expr is None:
                raise EvaluationError("nothing to evaluate")
            return expr
        numbers = self._numbers_at(point, resolve)
        result = numbers.evaluate(expr)
        return _at(result, 0, bool(numbers.valid[0]))

    def values_at(
        self,
        expr: Any,
        points: list[dict[Any, Any]],
        resolve: Callable | None = None,
        extra: dict[Any, Any] | None = None,
    ) -> list[Any]:
        """:meth:`value` at every point, all at once (one vectorised evaluation)
        when every point gives every name a value."""
        if extra:
            points = [{**point, **extra} for point in points]
        keys = set(points[0]) if points else set()
        if (
            not isinstance(expr, sp.Basic)
            or len(points) < 2
            or any(set(point) != keys for point in points)
            or any(value is None for point in points for value in point.values())
        ):
            return [self.value(expr, point, resolve) for point in points]
        numbers = self._numbers_at(points, resolve)
        result = numbers.evaluate(expr)
        return [_at(result, index, bool(numbers.valid[index])) for index in range(len(points))]

    def _numbers_at(
        self, point: dict[Any, Any] | list[dict[Any, Any]], resolve: Callable | None
    ) -> NumericEvaluator:
        points = point if isinstance(point, list) else [point]
        overrides: dict[Any, np.ndarray] = {}
        missing: set[Any] = set()
        for obj in points[0]:
            column = [p[obj] for p in points]
            if any(value is None for value in column):
                missing.add(obj)
            elif isinstance(column[0], np.ndarray) and column[0].ndim == 2:
                overrides[obj] = np.stack([np.asarray(v, dtype=complex) for v in column])
            else:
                overrides[obj] = np.array([complex(np.asarray(v).reshape(-1)[0]) for v in column])

        def resolved(symbol: Any) -> Any:
            if symbol in missing:
                raise EvaluationError(f"{symbol} has no value at this point")
            return resolve(symbol) if resolve is not None else None

        numbers = NumericEvaluator(
            points=len(points),
            seed=self.seed,
            sizes=self.dims,
            functions=self.functions,
            overrides=overrides,
            resolve=resolved,
        )
        numbers.fallback = functools.partial(self._node_value, numbers, points, resolve)
        return numbers

    def _node_value(
        self, numbers: NumericEvaluator, points: list[dict], resolve: Callable | None, expr: Any
    ) -> np.ndarray | None:
        """Nodes only the graph can evaluate: gradients (numerically, point by
        point), derivatives of graph functions (by their rules) and the graph's
        rule functions."""
        gradient = gradient_parts(expr)
        if gradient is not None:
            inner, wrt = gradient
            if wrt is None:
                raise EvaluationError("a gradient without the variable it is taken with respect to")
            return self._gradients(inner, wrt, points, resolve)
        if isinstance(expr, sp.Derivative):
            inner = expr.expr
            if isinstance(inner, AppliedUndef) and inner.func.__name__ in self.graph.function_rules:
                value = self.graph._with_rules(expr).doit()
                return numbers.evaluate(self.graph._without_rules(value))
            if len(expr.variables) == 1 and not isinstance(inner, AppliedUndef):
                return self._gradients(inner, expr.variables[0], points, resolve)
            return None
        if hasattr(expr, "_rule") and isinstance(expr, sp.Function):
            return numbers.evaluate(sp.Function(expr.func.__name__)(*expr.args))
        return None

    def _gradients(
        self, inner: Any, wrt: Any, points: list[dict], resolve: Callable | None
    ) -> np.ndarray:
        """d inner / d wrt at every point: by the complex step at all points at
        once (one vectorised evaluation per entry of ``wrt``); point by point
        where the value is complex or not analytic."""
        vectorised = self._complex_step_at_all(inner, wrt, points, resolve)
        if vectorised is not None:
            return vectorised
        values = [_as_values(self.gradient_value(inner, wrt, p, resolve)) for p in points]
        return np.concatenate(values)

    def _complex_step_at_all(
        self, expr: Any, wrt: Any, points: list[dict], resolve: Callable | None
    ) -> np.ndarray | None:
        bases = [point.get(wrt) for point in points]
        if (
            len(points) < 2
            or any(base is None for base in bases)
            or (isinstance(expr, sp.Basic) and expr.has(*_NOT_ANALYTIC))
        ):
            return None
        bases = [np.asarray(base, dtype=complex) for base in bases]
        shape = bases[0].shape
        name = self.graph._by_object.get(wrt)
        downstream = (
            [n for n in self.graph.definitions if self.graph.depends_on(n, name)]
            if name is not None
            else []
        )

        def values_at(moved: list[np.ndarray]) -> np.ndarray:
            shifted = [dict(point) for point in points]
            for point, value in zip(shifted, moved, strict=True):
                point[wrt] = value if shape else complex(value)
            for node in downstream:
                found = self.values_at(self.graph.definitions[node], shifted, resolve)
                for point, value in zip(shifted, found, strict=True):
                    point[self.graph.symbols[node]] = value
            found = [np.asarray(v) for v in self.values_at(expr, shifted, resolve)]
            if any(value.size != 1 for value in found):
                raise ShapeMismatch(
                    f"the expression differentiated is not a scalar: {short_plain(expr)}"
                )
            return np.array([complex(value.reshape(-1)[0]) for value in found])

        with np.errstate(all="ignore"):
            at_base = values_at(bases)
        finite = np.isfinite(at_base)
        if (
            np.abs(at_base.imag[finite]) > 1e-12 * np.maximum(np.abs(at_base.real[finite]), 1)
        ).any():
            return None  # complex values: central differences, point by point
        step = 1e-30
        result = np.zeros((len(points), *shape), dtype=float)
        for index in np.ndindex(*shape) if shape else [()]:
            moved = []
            for base in bases:
                value = base.copy()
                value[index] += 1j * step
                moved.append(value)
            with np.errstate(all="ignore"):
                result[(slice(None), *index)] = values_at(moved).imag / step
        result[~finite] = np.nan
        if isinstance(wrt, MatrixSymbol):
            return result.astype(complex)
        return result.reshape(len(points)).astype(complex)

    def random_value(self, obj: Any, rng: np.random.Generator) -> Any:
        """A value for ``obj`` drawn by the sampling policy."""
        if isinstance(obj, MatrixSymbol):
            return rng.standard_normal(self.size(obj))
        return draw_scalar(rng, self.graph.domains.get(getattr(obj, "name", "")))

    def size(self, obj: MatrixSymbol) -> tuple[int, int]:
        """The concrete (rows, cols) of a matrix symbol at the points."""
        found = self._sizes.get(obj)
        if found is None:
            found = tuple(int(sp.sympify(d).subs(self.dims)) for d in obj.shape)
            self._sizes[obj] = found
        return found

    def gradient_value(
        self,
        expr: Any,
        wrt: Any,
        point: dict[Any, Any],
        resolve: Callable | None = None,
    ) -> Any:
        """d expr / d wrt at ``point``, by the complex step.

        ``wrt`` is held as an input: graph nodes it feeds are recomputed from
        their definitions when it moves, other nodes keep their values.
        """
        name = self.graph._by_object.get(wrt)
        downstream = (
            [n for n in self.graph.definitions if self.graph.depends_on(n, name)]
            if name is not None
            else []
        )
        base = point.get(wrt)
        if base is None:
            raise EvaluationError(f"no value for {wrt}")
        base_array = np.asarray(base, dtype=complex)

        def value_at(moved: np.ndarray) -> complex:
            shifted = dict(point)
            shifted[wrt] = moved if base_array.shape else complex(moved)
            for node in downstream:
                shifted[self.graph.symbols[node]] = self.value(
                    self.graph.definitions[node], shifted, resolve
                )
            value = np.asarray(self.value(expr, shifted, resolve))
            if value.size != 1:
                raise ShapeMismatch(
                    f"the expression differentiated is not a scalar: {short_plain(expr)}"
                )
            return complex(value.reshape(-1)[0])

        # the complex step needs a real, analytic value; where the expression is
        # complex (a power of a negative number) or not analytic (|x|) a central
        # difference along the real axis gives the derivative instead
        with np.errstate(all="ignore"):
            at_base = value_at(base_array)
        central = abs(at_base.imag) > 1e-12 * max(abs(at_base.real), 1.0) or (
            isinstance(expr, sp.Basic) and expr.has(*_NOT_ANALYTIC)
        )
        result = np.zeros(base_array.shape, dtype=complex if central else float)
        for index in np.ndindex(*base_array.shape) if base_array.shape else [()]:
            if central:
                step = 1e-6 * max(abs(base_array[index]), 1.0)
                ahead, behind = base_array.copy(), base_array.copy()
                ahead[index] += step
                behind[index] -= step
                result[index] = (value_at(ahead) - value_at(behind)) / (2 * step)
            else:
                step = 1e-30
                moved = base_array.copy()
                moved[index] += 1j * step
                result[index] = value_at(moved).imag / step
        if isinstance(wrt, MatrixSymbol):
            return result
        if result.shape == ():
            return complex(result) if central else float(result)
        return result


def _value_class(values: np.ndarray) -> np.ndarray:
    """Where a scalar lies: below -1, in [-1, 0), in [0, 1], above 1 (0 to 3)."""
    real = values.real
    return np.select([real < -1, real < 0, real <= 1], [0, 1, 2], 3)


def _diverse(candidates: np.ndarray, scalars: list[np.ndarray], wanted: int) -> list[int]:
    """``wanted`` of the candidate points, chosen greedily so that pairs of
    scalars take as many different combinations of classes (negative, in (0, 1),
    above 1, ...) as the points allow: an identity that fails only for a
    negative base with an exponent above 1 (``(a^b)^c`` vs ``a^{bc}``) meets
    such a point."""
    if len(candidates) <= wanted or not scalars:
        return [int(i) for i in candidates[:wanted]]
    classes = np.stack([_value_class(v) for v in scalars])  # (symbols, points)
    pairs = [(i, j) for i in range(len(scalars)) for j in range(i, len(scalars))]
    seen: set[tuple[int, int, int, int]] = set()
    chosen: list[int] = []
    for _ in range(wanted):
        best, best_gain = None, -1
        for index in candidates:
            if index in chosen:
                continue
            gain = sum((i, j, classes[i, index], classes[j, index]) not in seen for i, j in pairs)
            if gain > best_gain:
                best, best_gain = int(index), gain
        chosen.append(best)
        seen |= {(i, j, classes[i, best], classes[j, best]) for i, j in pairs}
    return chosen


def _finite(value: np.ndarray) -> np.ndarray:
    finite = np.isfinite(value)
    return finite.all(axis=(1, 2)) if finite.ndim == 3 else finite


def _at(values: np.ndarray, index: int, valid: bool) -> Any:
    """The value at one point as the derivation checker holds it: a float (or
    complex) scalar, a 2-d array for a matrix; NaN where the point is not valid."""
    value = values[index]
    if not valid:
        value = np.full_like(value, np.nan)
    if value.ndim == 2:
        return value.real.copy() if not np.iscomplex(value).any() else value.copy()
    number = complex(value)
    return number.real if number.imag == 0 else number


def _as_values(value: Any) -> np.ndarray:
    """One point's value in the numeric evaluator's layout: ``(1,)`` or ``(1, r, c)``."""
    array = np.asarray(value, dtype=complex)
    if array.ndim == 2 and array.shape != (1, 1):
        return array[None]
    return array.reshape(-1)[:1]


def _choose_sizes(objects: Iterable[Any]) -> dict[Any, int]:
    """Concrete sizes for dimension symbols: different dimensions differ, and
    matrices are tall where they can be (n x (d+1) with n > d + 1), so that
    ``X^T X`` is invertible at the random points."""
    dims: set[Any] = set()
    shapes: set[Any] = set()
    matrices: list[tuple[Any, Any]] = []
    for obj in objects:
        if isinstance(obj, MatrixSymbol):
            rows, cols = (sp.sympify(d) for d in obj.shape)
            matrices.append((rows, cols))
            shapes |= {rows, cols}
            dims |= rows.free_symbols | cols.free_symbols
    ordered = sorted(dims, key=str)
    best: tuple[int, dict[Any, int]] | None = None
    for choice in itertools.permutations(_SIZES, len(ordered)):
        sizes = dict(zip(ordered, choice, strict=True))
        values = {s: int(s.subs(sizes)) for s in shapes}
        if len(set(values.values())) != len(values) or any(v < 1 for v in values.values()):
            continue
        tall = sum(values[r] >= values[c] for r, c in matrices)
        if best is None or tall > best[0]:
            best = (tall, sizes)
        if tall == len(matrices):
            break
    if best is None:
        return {d: _SIZES[i % len(_SIZES)] for i, d in enumerate(ordered)}
    return best[1]


@functools.lru_cache(maxsize=64)
def _nice_number(value: float) -> sp.Rational | None:
    """A simple fraction (denominator up to 12) close to ``value``, if any."""
    if not math.isfinite(value):
        return None
    fraction = sp.Rational(value).limit_denominator(12)
    if abs(float(fraction) - value) <= 1e-7 * max(1.0, abs(value)) and abs(fraction) <= 1000:
        return fraction
    return None


def nice_number(value: float) -> sp.Rational | None:
    """Public wrapper: the simple fraction a fitted constant is, if it is one."""
    return _nice_number(round(float(value), 12))
