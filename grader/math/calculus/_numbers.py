"""Numbers for expressions over a graph at a few random points (and gradients of
a student's own expression by the complex step)."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef, UndefinedFunction
from sympy.matrices.expressions import (
    Identity,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)

from grader.math._indexed import IndexedSum, value_at_point
from grader.math.calculus._errors import EvaluationError, MatrixDivision, ShapeMismatch
from grader.math.calculus._graph import Graph
from grader.math.calculus._printing import gradient_parts, short_plain

_SCALAR_LOW, _SCALAR_HIGH = 0.2, 1.2
_SIZES = (3, 7, 5, 9, 4, 11, 6, 13)


def _logistic(u: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-u))


_BUILTIN: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp,
    # complex outside the real domain (log(1 - p) where p > 1), not NaN: the
    # equivalence engine's values are complex too, and an identity such as
    # log(p^k (1 - p)^(n - k)) = k log(p) + (n - k) log(1 - p) then still holds
    "log": np.emath.log,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "sqrt": np.emath.sqrt,
    "Abs": np.abs,
}


class Evaluator:
    """Numbers for expressions over a graph at a few random points.

    ``functions`` gives a numeric implementation for context functions; an
    undeclared one defaults to the logistic function (its values lie in
    (0, 1), where logs of it are defined). ``resolve(symbol)`` may return an
    expression (or None) for names that are not graph symbols (derivative
    quantities): it is evaluated at the same point.
    """

    def __init__(
        self,
        graph: Graph,
        *,
        points: int = 3,
        seed: int = 0,
        functions: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        self.graph = graph
        self.functions = dict(functions or {})
        self.dims = _choose_sizes(graph.symbols.values())
        self._sizes: dict[Any, tuple[int, int]] = {}
        rng = np.random.default_rng(seed)
        self.points: list[dict[Any, Any]] = []
        for _ in range(points):
            point: dict[Any, Any] = {}
            for name, obj in graph.symbols.items():
                if name in graph.definitions:
                    continue
                if isinstance(obj, MatrixSymbol):
                    rows, cols = (int(sp.sympify(d).subs(self.dims)) for d in obj.shape)
                    point[obj] = rng.standard_normal((rows, cols))
                else:
                    point[obj] = rng.uniform(_SCALAR_LOW, _SCALAR_HIGH)
            for name, expr in graph.definitions.items():
                if name in graph.symbols:
                    try:
                        point[graph.symbols[name]] = self.value(expr, point)
                    except EvaluationError:
                        point[graph.symbols[name]] = None
            self.points.append(point)

    def value(self, expr: Any, point: dict[Any, Any], resolve: Callable | None = None) -> Any:
        """The number (or array) ``expr`` takes at ``point``."""
        return _Walker(self, point, resolve).walk(expr)

    def random_value(self, obj: Any, rng: np.random.Generator) -> Any:
        if isinstance(obj, MatrixSymbol):
            return rng.standard_normal(self.size(obj))
        return rng.uniform(_SCALAR_LOW, _SCALAR_HIGH)

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
                shifted[self.graph.symbols[node]] = _Walker(self, shifted, resolve).walk(
                    self.graph.definitions[node]
                )
            value = np.asarray(_Walker(self, shifted, resolve).walk(expr))
            if value.size != 1:
                raise ShapeMismatch("the expression differentiated is not a scalar")
            return complex(value.reshape(-1)[0])

        # the complex step needs a real value; where the expression is complex
        # (log(1 - p) at a point with p > 1, on the log's branch cut) a central
        # difference along the real axis gives the (complex) derivative instead
        with np.errstate(all="ignore"):
            at_base = value_at(base_array)
        complex_valued = abs(at_base.imag) > 1e-12 * max(abs(at_base.real), 1.0)
        result = np.zeros(base_array.shape, dtype=complex if complex_valued else float)
        for index in np.ndindex(*base_array.shape) if base_array.shape else [()]:
            if complex_valued:
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
            return complex(result) if complex_valued else float(result)
        return result


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


_MISSING = object()


class _Walker:
    """Evaluates a SymPy expression tree with NumPy, checking shapes as it goes."""

    def __init__(self, evaluator: Evaluator, point: dict[Any, Any], resolve: Callable | None):
        self.evaluator = evaluator
        self.point = point
        self.resolve = resolve

    def walk(self, expr: Any) -> Any:
        if expr is None:
            raise EvaluationError("nothing to evaluate")
        if isinstance(expr, (int, float, complex)):
            return expr
        if isinstance(expr, np.ndarray):
            return expr
        if isinstance(expr, (sp.Symbol, MatrixSymbol)):
            value = self.point.get(expr, _MISSING)
            if value is None:
                raise EvaluationError(f"{expr} has no value at this point")
            if value is not _MISSING:
                return value
            if self.resolve is not None:
                replacement = self.resolve(expr)
                if replacement is not None:
                    return self.walk(replacement)
            raise EvaluationError(f"no value for {expr}")
        if expr.is_Number:
            return complex(expr) if not expr.is_real else float(expr)
        if isinstance(expr, sp.NumberSymbol):
            return float(expr)
        if isinstance(expr, (sp.Add, MatAdd)):
            return _add([self.walk(a) for a in expr.args])
        if isinstance(expr, (sp.Mul, MatMul)):
            return _multiply([self.walk(a) for a in expr.args], expr)
        if isinstance(expr, Transpose):
            return _transpose(self.walk(expr.arg))
        if isinstance(expr, sp.Trace):
            return _trace(self.walk(expr.arg), expr.arg)
        if isinstance(expr, Inverse):
            return _inverse(self.walk(expr.arg), expr.arg)
        if isinstance(expr, MatPow):
            base = self.walk(expr.args[0])
            exponent = int(expr.args[1])
            if np.size(base) == 1:  # a 1x1 matrix ((y_i - x_i^T beta)^2) is a number
                return np.power(_scalar(base), exponent)
            if exponent == -1:
                return _inverse(base, expr.args[0])
            return _matrix_power(base, exponent, expr.args[0])
        if isinstance(expr, sp.Pow):
            base = self.walk(expr.base)
            exponent = self.walk(expr.exp)
            if _is_matrix(base):
                if np.asarray(base).size == 1:
                    base = _scalar(base)
                elif _is_negative(exponent):
                    raise MatrixDivision(f"division by the matrix {short_plain(expr.base)}")
                else:
                    return _matrix_power(base, int(np.real(exponent)), expr.base)
            if _is_matrix(exponent):
                raise ShapeMismatch(f"a matrix exponent in {short_plain(expr)}")
            # a negative base with a fractional exponent ((1 - p)^(n - k) at a point
            # where p > 1) has a complex value, as in the equivalence engine, not NaN
            if np.iscomplexobj(base) or (np.real(base) < 0 and not _is_integer(exponent)):
                base = complex(base)
            return np.power(base, exponent)
        if isinstance(expr, Identity):
            size = int(sp.sympify(expr.shape[0]).subs(self.evaluator.dims))
            return np.eye(size)
        if isinstance(expr, OneMatrix):
            rows, cols = (int(sp.sympify(d).subs(self.evaluator.dims)) for d in expr.shape)
            return np.ones((rows, cols))
        if isinstance(expr, ZeroMatrix):
            rows, cols = (int(sp.sympify(d).subs(self.evaluator.dims)) for d in expr.shape)
            return np.zeros((rows, cols))
        if isinstance(expr, sp.Derivative):
            return self._derivative(expr)
        if isinstance(expr, sp.Subs):
            return self.walk(expr.doit())
        if isinstance(expr, AppliedUndef) or isinstance(expr.func, UndefinedFunction):
            name = expr.func.__name__
            func = self.evaluator.functions.get(name, _logistic)
            return func(*[self.walk(a) for a in expr.args])
        if isinstance(expr, sp.Function):
            name = expr.func.__name__
            if name in _BUILTIN and len(expr.args) == 1:
                arg = self.walk(expr.args[0])
                if _is_matrix(arg) and np.asarray(arg).size == 1:
                    arg = _scalar(arg)
                with np.errstate(all="ignore"):
                    return _BUILTIN[name](arg)
            if hasattr(expr, "_rule"):
                func = self.evaluator.functions.get(name, _logistic)
                return func(*[self.walk(a) for a in expr.args])
        if isinstance(expr, IndexedSum):
            return value_at_point(self, expr)
        gradient = gradient_parts(expr)
        if gradient is not None:
            inner, wrt = gradient
            if wrt is None:
                raise EvaluationError("a gradient without the variable it is taken with respect to")
            return self.evaluator.gradient_value(inner, wrt, self.point, self.resolve)
        raise EvaluationError(f"cannot evaluate {type(expr).__name__}: {short_plain(expr)}")

    def _derivative(self, expr: sp.Derivative) -> Any:
        graph = self.evaluator.graph
        inner = expr.expr
        if isinstance(inner, AppliedUndef) and inner.func.__name__ in graph.function_rules:
            value = graph._with_rules(expr).doit()
            return self.walk(graph._without_rules(value))
        if len(expr.variables) == 1:
            return self.evaluator.gradient_value(inner, expr.variables[0], self.point, self.resolve)
        raise EvaluationError(f"cannot evaluate {short_plain(expr)}")


def _is_matrix(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 2


def _is_negative(value: Any) -> bool:
    try:
        return float(np.real(value)) < 0
    except TypeError:
        return False


def _scalar(value: Any) -> Any:
    return np.asarray(value).reshape(-1)[0]


def _add(values: list[Any]) -> Any:
    matrices = [v for v in values if _is_matrix(v) and v.size != 1]
    if not matrices:
        return sum(_scalar(v) if _is_matrix(v) else v for v in values)
    shape = matrices[0].shape
    if any(m.shape != shape for m in matrices) or len(matrices) != len(values):
        raise ShapeMismatch("terms of different shapes are added")
    total = matrices[0]
    for other in matrices[1:]:
        total = total + other
    return total


def _multiply(values: list[Any], expr: Any) -> Any:
    scalar: Any = 1.0
    matrix = None
    for value in values:
        if not _is_matrix(value):
            scalar = scalar * value
            continue
        if matrix is None:
            matrix = value
            continue
        if matrix.shape[1] != value.shape[0]:
            if matrix.size == 1:
                scalar = scalar * _scalar(matrix)
                matrix = value
                continue
            if value.size == 1:
                scalar = scalar * _scalar(value)
                continue
            raise ShapeMismatch(
                f"cannot multiply {matrix.shape[0]} x {matrix.shape[1]} by "
                f"{value.shape[0]} x {value.shape[1]} in {short_plain(expr)}"
            )
        matrix = matrix @ value
    if matrix is None:
        return scalar
    return scalar * matrix


def _transpose(value: Any) -> Any:
    return value.T if _is_matrix(value) else value


def _trace(value: Any, source: Any) -> Any:
    if not _is_matrix(value):
        return value  # the trace of a number is the number
    if value.shape[0] != value.shape[1]:
        raise ShapeMismatch(f"{short_plain(source)} is not square, it has no trace")
    return np.trace(value)


def _inverse(value: Any, source: Any) -> Any:
    if not _is_matrix(value):
        return 1.0 / value
    if value.shape[0] != value.shape[1]:
        raise ShapeMismatch(f"{short_plain(source)} is not square, it has no inverse")
    return np.linalg.inv(value)


def _matrix_power(value: Any, exponent: int, source: Any) -> Any:
    if value.shape[0] != value.shape[1]:
        raise ShapeMismatch(f"{short_plain(source)} is not square, it has no power")
    if exponent < 0:
        return np.linalg.matrix_power(np.linalg.inv(value), -exponent)
    return np.linalg.matrix_power(value, exponent)


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


def _is_integer(value: Any) -> bool:
    """Whether a scalar exponent is a whole number (so a negative base stays real)."""
    number = complex(value)
    return number.imag == 0 and float(number.real).is_integer()
