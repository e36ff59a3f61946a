"""Reference derivatives from a context's definitions, and numbers to compare them.

A context's ``definitions`` (``z1: w1 x + b1``, ``a1: sigma(z1)``, ...) form a
computation graph. :class:`Graph` derives partial derivatives on it with
SymPy, the way backpropagation does: ``partial("L", "z1")`` treats ``z1`` as
an input (its own definition is not expanded) and applies the chain rule over
every path from ``z1`` to ``L``. Results are written in the graph's own names
(``(a2 - y) w2 a1 (1 - a1)``, not nested sigmoids), using the context's
``function_derivatives`` (``sigma' = sigma (1 - sigma)``) so that a function's
derivative is written back in terms of the function.

Matrix calculus uses SymPy's ``MatrixSymbol`` differentiation:
``gradient(1/2 ||y - X beta||^2, beta)`` is ``X^T X beta - X^T y``.

:class:`Evaluator` turns expressions into numbers at random points (scalars
drawn in (0.2, 1.2), matrices with standard-normal entries and concrete,
distinct sizes), where the graph's intermediate names take the values their
definitions give. Numbers are what the derivation checker compares: fast, and
a product whose shapes do not agree fails as it should (:class:`ShapeMismatch`)
instead of being silently reordered. Gradients of a student's own expression
are taken numerically by the complex step (exact to rounding for the
analytic expressions met here), so no symbolic work is repeated per sheet.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)

__all__ = [
    "dimensions_text",
    "plain",
    "EvaluationError",
    "Evaluator",
    "Graph",
    "MEANINGLESS_PARSE_ERRORS",
    "ShapeMismatch",
    "expression_shape",
]


class EvaluationError(Exception):
    """An expression cannot be turned into a number (unknown construct, domain)."""

    kind = "unsupported"


class ShapeMismatch(EvaluationError):
    """Matrix shapes do not agree (a product, a sum, an inverse of a non-square matrix)."""

    kind = "shape_mismatch"


class MatrixDivision(EvaluationError):
    """Division by a matrix (which is not an operation)."""

    kind = "matrix_division"


# Parse errors that are the student's mistake, not the reader's: the line is
# read, and it is meaningless. The parser's reason starts with the key; the
# value is the diagnosis. Shared by the derivation checker and
# grader.math.equivalence.
MEANINGLESS_PARSE_ERRORS: dict[str, str] = {
    "division by a matrix": "matrix_division",
    "square root of a matrix": "shape_mismatch",
}


# --------------------------------------------------------------------------- shapes


def expression_shape(expr: Any) -> tuple[Any, Any] | None:
    """The (rows, cols) of a matrix expression, None for a scalar.

    Raises :class:`ShapeMismatch` when the expression has no shape: SymPy
    builds ``X X^T beta`` without complaint, so every product, sum and inverse
    is checked here, treating different dimension expressions (``n`` and
    ``d + 1``) as different sizes.
    """
    if isinstance(expr, MatrixSymbol):
        return (expr.shape[0], expr.shape[1])
    if isinstance(expr, (Identity, ZeroMatrix)):
        return (expr.shape[0], expr.shape[1])
    if isinstance(expr, Transpose):
        inner = expression_shape(expr.arg)
        return None if inner is None else (inner[1], inner[0])
    if isinstance(expr, Inverse) or (isinstance(expr, MatPow) and expr.exp == -1):
        inner = expression_shape(expr.args[0])
        if inner is None:
            return None
        if not _same_dim(inner[0], inner[1]):
            raise ShapeMismatch(f"{_show(expr.args[0])} is not square, it has no inverse")
        return inner
    if isinstance(expr, MatPow):
        inner = expression_shape(expr.args[0])
        if inner is not None and not _same_dim(inner[0], inner[1]):
            raise ShapeMismatch(f"{_show(expr.args[0])} is not square, it has no power")
        return inner
    if isinstance(expr, (MatMul, sp.Mul)):
        shape = None
        for factor in expr.args:
            factor_shape = expression_shape(factor)
            if factor_shape is None:
                continue
            if _is_one_by_one(factor_shape) and shape is not None and not _is_one_by_one(shape):
                continue  # a 1x1 matrix scales like a scalar
            if shape is None or _is_one_by_one(shape):
                shape = factor_shape if shape is None or not _is_one_by_one(factor_shape) else shape
                continue
            if not _same_dim(shape[1], factor_shape[0]):
                raise ShapeMismatch(
                    f"cannot multiply {_dims(shape)} by {_dims(factor_shape)} in {_show(expr)}"
                )
            shape = (shape[0], factor_shape[1])
        return shape
    if isinstance(expr, (MatAdd, sp.Add)):
        shapes = [expression_shape(term) for term in expr.args]
        matrix_shapes = [s for s in shapes if s is not None and not _is_one_by_one(s)]
        if not matrix_shapes:
            return next((s for s in shapes if s is not None), None)
        first = matrix_shapes[0]
        for other in matrix_shapes[1:]:
            if not (_same_dim(first[0], other[0]) and _same_dim(first[1], other[1])):
                raise ShapeMismatch(f"cannot add {_dims(first)} and {_dims(other)}")
        if any(s is None or _is_one_by_one(s) for s in shapes):
            raise ShapeMismatch(f"cannot add a scalar and a {_dims(first)} matrix")
        return first
    if isinstance(expr, sp.Pow):
        base = expression_shape(expr.base)
        if base is not None and not _is_one_by_one(base):
            raise (
                MatrixDivision(f"division by the matrix {_show(expr.base)}")
                if (expr.exp.is_negative)
                else ShapeMismatch(f"power of the non-square {_show(expr.base)}")
            )
        return base
    if isinstance(expr, sp.Basic):
        for arg in expr.args:
            if isinstance(arg, sp.Basic) and not isinstance(arg, (sp.Tuple,)):
                inner = expression_shape(arg) if _has_matrix(arg) else None
                if (
                    inner is not None
                    and not _is_one_by_one(inner)
                    and isinstance(expr, sp.Function)
                ):
                    return inner  # elementwise function of a matrix
    return None


def _has_matrix(expr: Any) -> bool:
    return isinstance(expr, sp.Basic) and bool(expr.atoms(MatrixSymbol))


def _same_dim(a: Any, b: Any) -> bool:
    return sp.simplify(sp.sympify(a) - sp.sympify(b)) == 0


def _is_one_by_one(shape: tuple[Any, Any]) -> bool:
    return shape[0] == 1 and shape[1] == 1


def dimensions_text(shape: tuple[Any, Any]) -> str:
    """``(n, d + 1)`` -> ``"n x (d + 1)"``."""
    return f"{_dim_text(shape[0])} x {_dim_text(shape[1])}"


_dims = dimensions_text


def _dim_text(dim: Any) -> str:
    dim = sp.sympify(dim)
    text = sp.sstr(dim)  # "d + 1": dimensions are small scalar expressions
    return text if dim.is_Atom else f"({text})"


def _show(expr: Any) -> str:
    text = plain(expr)
    return text if len(text) < 60 else text[:57] + "..."


# --------------------------------------------------------------------------- the graph


def _rule_function(name: str, rule: sp.Lambda) -> type:
    """A SymPy function class named ``name`` whose derivative is ``rule``."""

    def fdiff(self: Any, argindex: int = 1) -> Any:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        value = rule(self.args[0])
        return value.replace(sp.Function(name), _RULES_CACHE[(name, rule)])

    cls = type(name, (sp.Function,), {"fdiff": fdiff, "_rule": rule})
    _RULES_CACHE[(name, rule)] = cls
    return cls


_RULES_CACHE: dict[tuple[str, sp.Lambda], type] = {}


@dataclass
class Graph:
    """A context's definitions as a computation graph, and derivatives on it.

    ``symbols``: name -> SymPy object (``Symbol`` or ``MatrixSymbol``) for
    every name that can appear; ``definitions``: name -> expression, in the
    context's order; ``function_rules``: function name -> ``Lambda(u, f'(u))``.
    """

    symbols: dict[str, Any]
    definitions: dict[str, Any] = field(default_factory=dict)
    function_rules: dict[str, sp.Lambda] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._partials: dict[tuple[str, str], Any] = {}
        self._by_object = {obj: name for name, obj in self.symbols.items()}
        self._uses: dict[str, set[str]] = {}
        for name, expr in self.definitions.items():
            self._uses[name] = {
                self._by_object[s] for s in _free_names(expr) if s in self._by_object
            }
        # f(arg) -> node name, to write derivatives back in the graph's names
        self._fold = {
            expr: self.symbols[name]
            for name, expr in self.definitions.items()
            if isinstance(expr, AppliedUndef) and name in self.symbols
        }

    # structure -----------------------------------------------------------

    def uses(self, name: str) -> set[str]:
        """Names the definition of ``name`` uses directly (empty for a leaf)."""
        return self._uses.get(name, set())

    def children(self, name: str) -> list[str]:
        """Nodes whose definitions use ``name`` directly."""
        return [node for node, used in self._uses.items() if name in used]

    def depends_on(self, node: str, name: str) -> bool:
        """True when ``node``'s value depends on ``name`` through the definitions."""
        seen: set[str] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            for used in self.uses(current):
                if used == name:
                    return True
                if used not in seen:
                    seen.add(used)
                    stack.append(used)
        return False

    def is_sink(self, name: str) -> bool:
        """A defined name nothing else uses (the loss)."""
        return name in self.definitions and not self.children(name)

    def is_local(self, of: str, wrt: str) -> bool:
        """``d of / d wrt`` is a local derivative: one edge of the graph."""
        return of in self.definitions and not self.is_sink(of) and wrt in self.uses(of)

    def expand(self, expr: Any, keep: Iterable[str] = ()) -> Any:
        """Substitute definitions (recursively) except for the names in ``keep``."""
        keep = set(keep)
        replacements = {
            self.symbols[name]: value
            for name, value in self.definitions.items()
            if name not in keep and name in self.symbols
        }
        for _ in range(len(self.definitions) + 1):
            new = expr.xreplace(replacements)
            if new == expr:
                break
            expr = new
        return expr

    # derivatives ----------------------------------------------------------

    def differentiate(self, expr: Any, wrt: Any) -> Any:
        """d expr / d wrt with the function rules applied (scalar or matrix ``wrt``)."""
        with_rules = self._with_rules(expr)
        if isinstance(wrt, MatrixSymbol) or isinstance(with_rules, MatrixExpr):
            result = with_rules.diff(wrt)
            if isinstance(result, MatrixExpr):
                result = result.doit()
            if isinstance(wrt, MatrixSymbol) and isinstance(result, MatrixExpr):
                result = sp.expand(result)
        else:
            result = sp.diff(with_rules, wrt).doit()
        return self._without_rules(result)

    def local(self, of: str, wrt: str) -> Any:
        """The local derivative of ``of``'s definition with respect to ``wrt``."""
        key = ("local:" + of, wrt)
        if key not in self._partials:
            value = self.differentiate(self.definitions[of], self.symbols[wrt])
            self._partials[key] = self.fold(value)
        return self._partials[key]

    def partial(self, of: str, wrt: str) -> Any:
        """d of / d wrt, backpropagation style, in the graph's names.

        ``wrt`` is held as an input (its definition, if any, is not used);
        ``of`` depends on it through the definitions.
        """
        key = (of, wrt)
        if key in self._partials:
            return self._partials[key]
        wrt_obj = self.symbols[wrt]
        if of == wrt:
            value = sp.Identity(wrt_obj.shape[0]) if isinstance(wrt_obj, MatrixSymbol) else 1
        elif self._all_scalar(of, wrt):
            value = 0
            for child in self.children(wrt):
                if child == of or self.depends_on(of, child):
                    value += self.partial(of, child) * self.local(child, wrt)
            value = _tidy(value)
        elif of in self.definitions:
            expanded = self.expand(self.symbols[of], {wrt})
            value = self.fold(self.differentiate(expanded, wrt_obj))
        else:
            raise KeyError(f"{of} is not defined in the context")
        self._partials[key] = value
        return value

    def gradient(self, expr: Any, wrt: str) -> Any:
        """d expr / d wrt of an explicit expression (``\\nabla (...)``)."""
        return self.fold(self.differentiate(self.expand(expr, {wrt}), self.symbols[wrt]))

    def fold(self, expr: Any) -> Any:
        """Write ``sigma(z1)`` back as ``a1`` where the context defines ``a1 = sigma(z1)``."""
        if not self._fold or not isinstance(expr, sp.Basic):
            return expr
        return expr.xreplace(self._fold)

    def _all_scalar(self, of: str, wrt: str) -> bool:
        names = {of, wrt} | {n for n in self.definitions if self.depends_on(of, n)}
        return all(not isinstance(self.symbols.get(n), MatrixSymbol) for n in names) and all(
            not isinstance(self.definitions.get(n), MatrixExpr) for n in names
        )

    def _with_rules(self, expr: Any) -> Any:
        for name, rule in self.function_rules.items():
            cls = _RULES_CACHE.get((name, rule)) or _rule_function(name, rule)
            expr = expr.replace(sp.Function(name), cls)
        return expr

    def _without_rules(self, expr: Any) -> Any:
        for name, rule in self.function_rules.items():
            cls = _RULES_CACHE.get((name, rule))
            if cls is not None:
                expr = expr.replace(cls, sp.Function(name))
        return expr


def _free_names(expr: Any) -> set[Any]:
    if not isinstance(expr, sp.Basic):
        return set()
    return set(expr.free_symbols) | set(expr.atoms(MatrixSymbol))


def _tidy(expr: Any) -> Any:
    """Cancel fractions (BCE's 1/a2 against sigma's a2 (1 - a2)); keep products as written."""
    if not isinstance(expr, sp.Basic):
        return expr
    if expr.is_Add or any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        return sp.factor(sp.cancel(expr))
    return expr


# --------------------------------------------------------------------------- numbers

_SCALAR_LOW, _SCALAR_HIGH = 0.2, 1.2
_SIZES = (3, 7, 5, 9, 4, 11, 6, 13)


def _logistic(u: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-u))


_BUILTIN: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "sqrt": np.sqrt,
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
        step = 1e-30
        base_array = np.asarray(base, dtype=complex)
        result = np.zeros(base_array.shape, dtype=float)
        for index in np.ndindex(*base_array.shape) if base_array.shape else [()]:
            moved = base_array.copy()
            moved[index] += 1j * step
            shifted = dict(point)
            shifted[wrt] = moved if base_array.shape else complex(moved)
            for node in downstream:
                shifted[self.graph.symbols[node]] = _Walker(self, shifted, resolve).walk(
                    self.graph.definitions[node]
                )
            value = _Walker(self, shifted, resolve).walk(expr)
            value = np.asarray(value)
            if value.size != 1:
                raise ShapeMismatch("the expression differentiated is not a scalar")
            result[index] = float(np.imag(value.reshape(-1)[0])) / step
        if isinstance(wrt, MatrixSymbol):
            return result
        return float(result) if result.shape == () else result


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
        if isinstance(expr, Inverse):
            return _inverse(self.walk(expr.arg), expr.arg)
        if isinstance(expr, MatPow):
            base = self.walk(expr.args[0])
            exponent = int(expr.args[1])
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
                    raise MatrixDivision(f"division by the matrix {_show(expr.base)}")
                else:
                    return _matrix_power(base, int(np.real(exponent)), expr.base)
            if _is_matrix(exponent):
                raise ShapeMismatch(f"a matrix exponent in {_show(expr)}")
            return np.power(complex(base) if np.iscomplexobj(base) else base, exponent)
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
        gradient = _gradient_parts(expr)
        if gradient is not None:
            inner, wrt = gradient
            if wrt is None:
                raise EvaluationError("a gradient without the variable it is taken with respect to")
            return self.evaluator.gradient_value(inner, wrt, self.point, self.resolve)
        raise EvaluationError(f"cannot evaluate {type(expr).__name__}: {_show(expr)}")

    def _derivative(self, expr: sp.Derivative) -> Any:
        graph = self.evaluator.graph
        inner = expr.expr
        if isinstance(inner, AppliedUndef) and inner.func.__name__ in graph.function_rules:
            value = graph._with_rules(expr).doit()
            return self.walk(graph._without_rules(value))
        if len(expr.variables) == 1:
            return self.evaluator.gradient_value(inner, expr.variables[0], self.point, self.resolve)
        raise EvaluationError(f"cannot evaluate {_show(expr)}")


def _gradient_parts(expr: Any) -> tuple[Any, Any] | None:
    """(expression, wrt) of the parser's unevaluated ``Gradient`` node."""
    try:
        from grader.math._nodes import Gradient
    except ImportError:  # pragma: no cover - the parser ships with the package
        return None
    if not isinstance(expr, Gradient):
        return None
    wrt = expr.wrt
    if wrt is not None and not isinstance(wrt, (sp.Symbol, MatrixSymbol)):
        wrt = None
    return expr.expr, wrt


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
                f"{value.shape[0]} x {value.shape[1]} in {_show(expr)}"
            )
        matrix = matrix @ value
    if matrix is None:
        return scalar
    return scalar * matrix


def _transpose(value: Any) -> Any:
    return value.T if _is_matrix(value) else value


def _inverse(value: Any, source: Any) -> Any:
    if not _is_matrix(value):
        return 1.0 / value
    if value.shape[0] != value.shape[1]:
        raise ShapeMismatch(f"{_show(source)} is not square, it has no inverse")
    return np.linalg.inv(value)


def _matrix_power(value: Any, exponent: int, source: Any) -> Any:
    if value.shape[0] != value.shape[1]:
        raise ShapeMismatch(f"{_show(source)} is not square, it has no power")
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


# --------------------------------------------------------------------------- printing


def plain(expr: Any) -> str:
    """Plain text for an expression, as a student would write it
    (``X^T X beta - X^T y``, ``a1 w2 (1 - a1)``).

    SymPy's own printer is avoided: printing a matrix product asks SymPy
    whether it can extract a minus sign, which evaluates the product
    (milliseconds per line, most of a derivation's checking time).
    """
    from sympy.matrices.expressions import Inverse, MatAdd, MatMul, MatPow, Transpose

    if expr is None:
        return ""
    if isinstance(expr, (int, float)):
        return f"{expr:g}" if isinstance(expr, float) else str(expr)
    if isinstance(expr, (sp.Symbol, MatrixSymbol)):
        return _name_text(str(expr.name))
    if not isinstance(expr, sp.Basic):
        return str(expr)
    if expr.is_Rational:
        return str(expr.p) if expr.q == 1 else f"{expr.p}/{expr.q}"
    if expr.is_Number:
        return f"{float(expr):g}"
    if isinstance(expr, (sp.Add, MatAdd)):
        text = ""
        for index, term in enumerate(_ordered_terms(expr)):
            piece = plain(term)
            if index == 0:
                text = piece
            elif piece.startswith("-"):
                text += " - " + piece[1:].lstrip()
            else:
                text += " + " + piece
        return text
    if isinstance(expr, (sp.Mul, MatMul)):
        args = list(expr.args)
        coefficient = sp.S.One
        rest = []
        for arg in args:
            if isinstance(arg, sp.Basic) and arg.is_Number:
                coefficient *= arg
            else:
                rest.append(arg)
        pieces = [_plain_factor(arg) for arg in rest]
        body = " ".join(pieces)
        if coefficient == 1:
            return body
        if coefficient == -1:
            return "-" + body
        return f"{plain(coefficient)} {body}" if body else plain(coefficient)
    if isinstance(expr, Transpose):
        return f"{_plain_factor(expr.arg, strict=True)}^T"
    if isinstance(expr, Inverse):
        return f"{_plain_factor(expr.arg, strict=True)}^-1"
    if isinstance(expr, (sp.Pow, MatPow)):
        base, exponent = expr.args
        if exponent == -1 and not isinstance(base, MatrixExpr):
            return f"1/{_plain_factor(base, strict=True)}"
        power = plain(exponent)
        if not (isinstance(exponent, sp.Basic) and exponent.is_Integer and exponent >= 0):
            power = f"({power})"
        return f"{_plain_factor(base, strict=True)}^{power}"
    gradient = _gradient_parts(expr)
    if gradient is not None:
        inner, wrt = gradient
        return f"grad_{plain(wrt) if wrt is not None else ''}({plain(inner)})"
    if isinstance(expr, sp.Subs) and isinstance(expr.expr, sp.Derivative):
        # SymPy's sigma'(w1 x + b1): Subs(Derivative(sigma(_xi), _xi), _xi, w1 x + b1)
        inner = expr.expr
        if len(expr.variables) == 1 and isinstance(inner.expr, sp.Function):
            name = inner.expr.func.__name__
            return f"{name}'({plain(expr.point[0])})"
    if isinstance(expr, sp.Derivative):
        if (
            len(expr.variables) == 1
            and isinstance(expr.expr, sp.Function)
            and expr.expr.args == (expr.variables[0],)
        ):
            return f"{expr.expr.func.__name__}'({plain(expr.variables[0])})"
        variables = "".join(plain(v) for v in expr.variables)
        return f"d/d{variables}({plain(expr.expr)})"
    if isinstance(expr, sp.Function):
        return f"{expr.func.__name__}({', '.join(plain(a) for a in expr.args)})"
    return sp.sstr(expr)


def _name_text(name: str) -> str:
    """``d(L)/d(z2)`` -> ``dL/dz2`` (as students write it) when both are plain names."""
    match = re.fullmatch(r"d\((\w+'*)\)/d\((\w+'*)\)", name)
    return f"d{match.group(1)}/d{match.group(2)}" if match else name


def _ordered_terms(expr: Any) -> list[Any]:
    """Positive terms first, so ``-X^T y + X^T X beta`` prints as ``X^T X beta - X^T y``."""
    terms = list(expr.args)
    return sorted(terms, key=lambda t: _is_negative_term(t))


def _is_negative_term(term: Any) -> bool:
    if isinstance(term, sp.Basic) and term.is_Number:
        return bool(term < 0)
    if isinstance(term, (sp.Mul, sp.matrices.expressions.MatMul)):
        first = term.args[0]
        return isinstance(first, sp.Basic) and first.is_Number and bool(first < 0)
    return False


def _plain_factor(expr: Any, *, strict: bool = False) -> str:
    """A factor, in parentheses when it is a sum (or, ``strict``, anything compound)."""
    from sympy.matrices.expressions import MatAdd, MatMul

    text = plain(expr)
    compound = isinstance(expr, (sp.Add, MatAdd)) or (
        strict and isinstance(expr, (sp.Mul, MatMul, sp.Pow))
    )
    if compound or (strict and text.startswith("-")):
        return f"({text})"
    if isinstance(expr, sp.Basic) and expr.is_Rational and expr.q != 1:
        return f"({text})"
    return text
