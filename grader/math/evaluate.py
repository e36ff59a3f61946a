"""Numeric evaluation of SymPy expressions (scalars and matrices) at random points.

The equivalence checker's first and main step: both sides are evaluated at
the same random points and the numbers compared. This module turns a SymPy
expression into NumPy arrays, one value per point, all points at once:

- a scalar is an array of shape ``(k,)`` (``k`` points), complex so that a
  point outside a function's domain (``log`` of a negative number) shows up
  instead of raising, and is then dropped from the comparison;
- a matrix is an array of shape ``(k, rows, cols)``, with concrete sizes chosen
  per dimension symbol, all different (``n=7, d=3 -> d+1=4``), so that
  ``X^T X`` vs ``X X^T`` is a shape mismatch and not a coincidence;
- ``MatMul`` is ``np.matmul`` in order (matrices do not commute), a 1x1 matrix
  acts as the scalar it holds where a product would otherwise not conform.

It never calls SymPy's own evaluation (no ``subs``, ``evalf``, ``lambdify``):
the walk is bounded by the size of the expression tree and the arithmetic is
float, so it cannot run away (a ``10^{10^{10}}`` becomes ``inf``, and the
points where it appears are dropped).

Values of free symbols come from generators seeded by ``(seed, name)``: the
same symbol gets the same values on both sides and in every run, whatever the
order in which symbols are met.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import (
    Determinant,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixSymbol,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from grader.math._indexed import IndexedSum, value_batched
from grader.math._linear_algebra import ARRAY_NODES, array_node_value
from grader.math._names import LOGISTIC_NAMES

__all__ = [
    "ABSORBED",
    "DivisionByZero",
    "Evaluator",
    "EvaluationError",
    "MatrixDivision",
    "ShapeError",
    "ShapeMismatch",
    "Unsupported",
    "choose_sizes",
    "format_shape",
]

# Scalars are drawn from these ranges, one chosen at random per symbol and point:
# values in (0, 1) keep log(a) and log(1 - a) defined (probabilities,
# activations), negative values tell |x| from x, values above 1 keep log(x - 1).
_SCALAR_RANGES = ((0.05, 0.95), (-2.5, 2.5), (1.1, 3.5), (-3.0, -0.1))
_CONDITION_LIMIT = 1e8  # random square matrices above this are too close to singular
# Precision safety: a value whose magnitude leaves this range (or a term of a
# sum smaller than ABSORBED times the sum's largest term) cannot be compared in
# floating point; the point is dropped, never counted as agreement.
_SMALLEST = np.finfo(float).tiny * 2**52  # below this a non-zero result is (near) subnormal
_LARGEST = 1e300
ABSORBED = 1e-12  # a term this much smaller than the largest one vanishes in the sum
_MAX_NODES = 20_000  # an expression tree bigger than this is not evaluated


class EvaluationError(Exception):
    """The expression cannot be evaluated numerically (see subclasses).

    The one error hierarchy of the math engine's numbers (equivalence and
    derivation checking alike)::

        EvaluationError            the grader cannot evaluate it ("unsupported")
        +-- Unsupported            a construct the evaluator does not know
        +-- DivisionByZero         the expression divides by zero (1/0)
        +-- ShapeError             not well formed: shapes do not fit (the student's mistake)
            +-- MatrixDivision     division by a matrix
    """

    kind = "unsupported"


class ShapeError(EvaluationError):
    """The expression is not well formed: a product, sum or inverse whose shapes do not fit."""

    kind = "shape_mismatch"


# The derivation checker's name for the same error.
ShapeMismatch = ShapeError


class MatrixDivision(ShapeError):
    """Division by a matrix (which is not an operation)."""

    kind = "matrix_division"


class Unsupported(EvaluationError):
    """A construct the numeric evaluator does not know (left to the symbolic step)."""


class DivisionByZero(EvaluationError):
    """The expression divides by zero everywhere (``1/0``): it has no value to compare."""

    kind = "division_by_zero"


# --------------------------------------------------------------------------- sizes


def format_shape(shape: tuple) -> str:
    """``(n, d + 1)`` -> ``"n x (d + 1)"``; integers as they are."""
    parts = []
    for size in shape:
        text = str(size)
        if isinstance(size, sp.Basic) and not (size.is_Symbol or size.is_Integer):
            text = f"({text})"
        parts.append(text)
    return " x ".join(parts)


_LARGEST_LITERAL_SIZE = 24  # a literal size above this (1000 x 500) is stood in for


def _dimension_symbols(dims: set[sp.Expr]) -> list[sp.Basic]:
    """The dimension symbols, and literal sizes too large to evaluate with: each
    large literal gets a small stand-in size of its own (only the pattern of
    equal and different sizes matters for a comparison)."""
    found: set[sp.Basic] = set()
    for dim in dims:
        found |= {s for s in dim.free_symbols if isinstance(s, sp.Symbol)}
        found |= {i for i in dim.atoms(sp.Integer) if i > _LARGEST_LITERAL_SIZE}
    return sorted(found, key=str)


# Dimension names that count samples (rows of a data matrix): drawn largest.
SAMPLE_COUNT_NAMES = frozenset({"n", "N", "m", "M"})


def choose_sizes(dims: set[sp.Expr], seed: int = 0) -> dict[sp.Basic, int]:
    """Concrete sizes for dimension symbols so that every different dimension
    expression gets a different size, none of them 1 (so a column vector is
    never mistaken for a scalar), all small (cheap to evaluate).

    >>> n, d = sp.symbols("n d", integer=True, positive=True)
    >>> sizes = choose_sizes({n, d + 1})
    >>> len({sizes[n], sizes[d] + 1}) == 2
    True
    """
    return dict(_choose_sizes(frozenset(dims), seed))


@lru_cache(maxsize=1024)
def _choose_sizes(dims: frozenset, seed: int) -> tuple:
    symbols = _dimension_symbols(dims)
    if not symbols:
        return ()
    rng = np.random.default_rng([seed, 7919])
    stand_ins = set(symbols)
    symbolic_dims = [d for d in dims if d.free_symbols or d in stand_ins]
    constant_sizes = {
        int(d) for d in dims if not d.free_symbols and d.is_Integer and d not in stand_ins
    }
    candidates = np.arange(2, 10 + 2 * len(symbols))
    for attempt in range(200):
        values = rng.choice(candidates, size=len(symbols), replace=False)
        if any(str(s) in SAMPLE_COUNT_NAMES for s in symbols):
            # the number of samples is the largest size, so that a data matrix
            # X (n x p) is tall and X^T X invertible, as in every exam
            ordered = sorted(symbols, key=lambda s: (str(s) in SAMPLE_COUNT_NAMES, str(s)))
            values = sorted(int(v) for v in values)
            sizes = {s: v for s, v in zip(ordered, values, strict=True)}
        else:
            sizes = {s: int(v) for s, v in zip(symbols, values, strict=True)}
        seen: dict[int, sp.Expr] = {}
        ok = True
        for dim in symbolic_dims:
            value = _integer_size(dim, sizes)
            if value is None or value < 2 or value > 40 or value in constant_sizes:
                ok = False
                break
            if value in seen and sp.expand(seen[value] - dim) != 0:
                ok = False
                break
            seen[value] = dim
        if ok:
            return tuple(sizes.items())
        if attempt == 100:  # widen the range if small sizes keep colliding
            candidates = np.arange(2, 30)
    raise EvaluationError("could not choose distinct matrix sizes for the dimension symbols")


def _integer_size(dim: sp.Expr, sizes: Mapping[sp.Basic, int]) -> int | None:
    """Evaluate a small integer expression of dimension symbols without SymPy's subs."""
    if dim.is_Integer:
        return sizes.get(dim, int(dim))
    if dim.is_Symbol:
        return sizes.get(dim)
    if dim.is_Add or dim.is_Mul:
        values = [_integer_size(arg, sizes) for arg in dim.args]
        if any(v is None for v in values):
            return None
        return sum(values) if dim.is_Add else math.prod(values)
    if dim.is_Pow and dim.exp.is_Integer and int(dim.exp) >= 0:
        base = _integer_size(dim.base, sizes)
        return None if base is None else base ** int(dim.exp)
    return None


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class NumericFunction:
    """A scalar function of one variable, vectorised, with its derivative."""

    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray] | None = None
    # Points where value and derivative are what floats can carry (no overflow,
    # no 1 + e^{-40} rounding to 1); None: wherever they are finite.
    precise: Callable[[np.ndarray], np.ndarray] | None = None


# Beyond this |u|, 1 + exp(-u) rounds away one of its terms (see ABSORBED).
_LOGISTIC_RANGE = -math.log(ABSORBED)


def _logistic(shift: float) -> NumericFunction:
    def value(u: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(u + shift)))

    def derivative(u: np.ndarray) -> np.ndarray:
        s = value(u)
        return s * (1.0 - s)

    def precise(u: np.ndarray) -> np.ndarray:
        return np.abs(u + shift) <= _LOGISTIC_RANGE

    return NumericFunction(value, derivative, precise)


@lru_cache(maxsize=256)
def random_smooth_function(name: str, seed: int = 0) -> NumericFunction:
    """A fixed smooth function per name, with values in (0, 1) (so ``log f`` and
    ``log(1 - f)`` are defined) and no special identity: a logistic of a wiggly
    argument. The same name gives the same function on both sides."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode()), 31])
    b, c, e, g, h = (
        rng.uniform(0.5, 1.5),
        rng.uniform(-1, 1),
        rng.uniform(0.3, 0.8),
        rng.uniform(0.7, 2.0),
        rng.uniform(-3, 3),
    )

    def inner(u: np.ndarray) -> np.ndarray:
        return b * u + c + e * np.sin(g * u + h)

    def value(u: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-inner(u)))

    def derivative(u: np.ndarray) -> np.ndarray:
        s = value(u)
        return s * (1.0 - s) * (b + e * g * np.cos(g * u + h))

    def precise(u: np.ndarray) -> np.ndarray:
        return np.abs(inner(u)) <= _LOGISTIC_RANGE

    return NumericFunction(value, derivative, precise)


def logistic_function(seed: int = 0, name: str = "") -> NumericFunction:
    """The logistic function ``1 / (1 + exp(-u))``, for functions whose declared
    derivative is ``f (1 - f)`` (sigma). Exactly it, not a shifted stand-in:
    true identities of the sigmoid (``sigma(-z) = 1 - sigma(z)``) stay true."""
    return _LOGISTIC


_LOGISTIC = _logistic(0.0)


def draw_scalar(rng: np.random.Generator, domain: tuple[float, float] | None = None) -> float:
    """One scalar drawn by the sampling policy (a range chosen at random from
    :data:`_SCALAR_RANGES`: values in (0, 1), negative, positive, above 1),
    inside ``domain`` when the context declares one."""
    ranges = sampling_ranges(domain)
    low, high = ranges[int(rng.integers(0, len(ranges)))]
    return float(rng.uniform(low, high))


def draw_scalars(name: str, points: int, seed: int = 0, draw: int = 0) -> np.ndarray:
    """``points`` values of the scalar ``name`` by the sampling policy (complex
    dtype, read-only), the same for the same ``(seed, draw, name)``."""
    return _draw_scalars(seed, draw, name, points)


def draw_matrix(key: str, shape: tuple[int, ...], seed: int = 0, draw: int = 0) -> np.ndarray:
    """Standard-normal entries for a matrix symbol (complex dtype, read-only)."""
    return _draw_values(seed, draw, key, shape)


@lru_cache(maxsize=128)
def defined_function(name: str, body: sp.Basic, seed: int = 0) -> NumericFunction:
    """A function the context defines by a formula in one variable
    (``sigma: 1 / (1 + exp(-u))``): evaluated by that formula, its derivative
    by SymPy's derivative of it."""
    variables = sorted(body.free_symbols, key=str)
    if len(variables) > 1:
        raise EvaluationError(
            f"the definition of the function {name} uses more than one variable: {body}"
        )
    if not variables:
        constant = body

        def value(u: np.ndarray) -> np.ndarray:
            return Evaluator(points=u.shape[0], seed=seed).evaluate(constant)

        return NumericFunction(value, lambda u: np.zeros_like(u))
    (variable,) = variables
    derivative = sp.diff(body, variable)

    def at(expr: sp.Basic, u: np.ndarray) -> np.ndarray:
        return Evaluator(points=u.shape[0], seed=seed, overrides={variable: u}).evaluate(expr)

    def precise(u: np.ndarray) -> np.ndarray:
        evaluator = Evaluator(points=u.shape[0], seed=seed, overrides={variable: u})
        evaluator.evaluate(body)
        return evaluator.valid

    return NumericFunction(lambda u: at(body, u), lambda u: at(derivative, u), precise)


@lru_cache(maxsize=128)
def function_with_derivative(name: str, derivative: sp.Lambda, seed: int = 0) -> NumericFunction:
    """A function whose declared derivative is ``f (1 - f)`` is the logistic
    function; any other declared derivative is used for ``f'`` while ``f``
    stays a random smooth function."""
    (variable,) = derivative.variables
    f = sp.Function(name)
    body = derivative.expr
    if sp.simplify(body - f(variable) * (1 - f(variable))) == 0:
        return logistic_function(seed, name)
    base = random_smooth_function(name, seed)

    def deriv(u: np.ndarray) -> np.ndarray:
        evaluator = Evaluator(points=u.shape[0], seed=seed, overrides={variable: u})
        return evaluator.evaluate(body)

    return NumericFunction(base.value, deriv, base.precise)


def _real_positive(z: np.ndarray, *, allow_zero: bool = False) -> np.ndarray:
    ok = np.abs(z.imag) <= 1e-12 * np.maximum(1.0, np.abs(z.real))
    return ok & ((z.real >= 0) if allow_zero else (z.real > 0))


def _real(z: np.ndarray) -> np.ndarray:
    return np.abs(z.imag) <= 1e-12 * np.maximum(1.0, np.abs(z.real))


# name -> (numpy function, domain check or None)
_BUILTINS: dict[type, tuple[Callable, Callable | None]] = {
    sp.exp: (np.exp, None),
    sp.log: (np.log, _real_positive),
    sp.sin: (np.sin, None),
    sp.cos: (np.cos, None),
    sp.tan: (np.tan, None),
    sp.cot: (lambda z: 1 / np.tan(z), None),
    sp.sec: (lambda z: 1 / np.cos(z), None),
    sp.csc: (lambda z: 1 / np.sin(z), None),
    sp.sinh: (np.sinh, None),
    sp.cosh: (np.cosh, None),
    sp.tanh: (np.tanh, None),
    sp.asin: (np.arcsin, lambda z: _real(z) & (np.abs(z.real) <= 1)),
    sp.acos: (np.arccos, lambda z: _real(z) & (np.abs(z.real) <= 1)),
    sp.atan: (np.arctan, _real),
    sp.Abs: (np.abs, _real),
    sp.sign: (np.sign, _real),
}


# --------------------------------------------------------------------------- evaluator


@dataclass
class Evaluator:
    """Evaluates expressions at ``points`` random points, the same points for every
    expression given to the same evaluator (so two sides can be compared).

    ``definitions`` maps a symbol to its defining expression (``a1 -> sigma(z1)``),
    evaluated in its place. ``functions`` maps an undefined function's name to a
    :class:`NumericFunction`; other names get :func:`random_smooth_function`.
    ``sizes`` fixes dimension symbols (see :func:`choose_sizes`).
    """

    points: int = 16
    seed: int = 0
    draw: int = 0  # which draw of random values (a retry uses another)
    # The points are `tile` copies of the same points: random values repeat
    # (the equation checker varies one unknown across the copies, all else equal).
    tile: int = 1
    sizes: dict[sp.Symbol, int] = field(default_factory=dict)
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    functions: Mapping[str, NumericFunction] = field(default_factory=dict)
    overrides: dict[sp.Basic, np.ndarray] = field(default_factory=dict)
    # name -> the open interval its values are drawn from (a context's
    # ``p: probability``); other scalars follow the sampling policy.
    domains: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # Unevaluated nodes (a student's gradient of J) that both sides share: they
    # are unknown quantities, given random values like symbols.
    opaque: frozenset = frozenset()
    # For a caller that knows more names than the context (the derivation
    # checker's derivative quantities): ``resolve(symbol)`` gives an expression
    # evaluated in the symbol's place, or None ("no value for it": an error,
    # not a random value). Without it, free symbols get random values.
    resolve: Callable[[sp.Basic], sp.Basic | None] | None = None
    # ``fallback(node)`` gives the value of a node the evaluator does not know
    # (a gradient taken numerically), or None.
    fallback: Callable[[sp.Basic], np.ndarray | None] | None = None
    valid: np.ndarray = field(init=False)
    _cache: dict[sp.Basic, np.ndarray] = field(init=False, default_factory=dict)
    _nodes: int = field(init=False, default=0)
    _defining: set = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.valid = np.ones(self.points, dtype=bool)
        # Per point, the largest condition number of a matrix inverted: rounding
        # errors grow with it, so comparisons allow for it.
        self.condition = np.ones(self.points)
        # Per point, why it was dropped (besides leaving a domain): the values
        # were too large or too small for floats (overflow, underflow, a term
        # absorbed by a sum), or a denominator was exactly zero.
        self.imprecise = np.zeros(self.points, dtype=bool)
        self.divided_by_zero = np.zeros(self.points, dtype=bool)
        # Per point, whether a real function left its domain there (log of a
        # number that is not positive, asin beyond 1), and the first such node:
        # two sides that agree where both are defined may differ in where they
        # are defined (log(x^2) and 2 log x), which the comparison must see.
        self.outside_domain = np.zeros(self.points, dtype=bool)
        self.domain_nodes: list[sp.Basic] = []
        # Points where a sum cancelled down to rounding noise: a tiny term there
        # may be that noise, not a real quantity, so it is not "absorbed".
        self._cancelled = np.zeros(self.points, dtype=bool)

    # -- public

    def evaluate(self, expr: sp.Basic) -> np.ndarray:
        """``(k,)`` for a scalar, ``(k, r, c)`` for a matrix. Points outside a
        domain are marked in ``self.valid`` (their values are meaningless)."""
        self._nodes = 0
        return self._eval(expr)

    def size(self, dim: sp.Expr) -> int:
        value = _integer_size(sp.sympify(dim), self.sizes)
        if value is None:
            raise Unsupported(f"cannot give a size to the dimension {dim}")
        return value

    def invalidate(self, bad: np.ndarray) -> None:
        self.valid &= ~bad

    def leave_domain(self, bad: np.ndarray, node: sp.Basic) -> None:
        """Drop points where ``node`` (a real function) is outside its domain."""
        if bad.any():
            self.valid &= ~bad
            self.outside_domain |= bad
            self.domain_nodes.append(node)

    def lose_precision(self, bad: np.ndarray) -> None:
        """Drop points whose values floats cannot carry (see :data:`ABSORBED`)."""
        self.valid &= ~bad
        self.imprecise |= bad

    def divide_by_zero(self, bad: np.ndarray) -> None:
        self.valid &= ~bad
        self.divided_by_zero |= bad

    def _check_range(self, result: np.ndarray, *inputs: np.ndarray) -> None:
        """Overflow (a finite input, an infinite or NaN result) or underflow (a
        non-zero result that is zero or subnormal while its inputs were not
        zero) loses the point."""
        magnitudes = np.abs(result)
        if (
            np.minimum.reduce(magnitudes, axis=None) >= _SMALLEST
            and np.maximum.reduce(magnitudes, axis=None) <= _LARGEST
        ):
            return  # the common case (cheap ufunc reductions): every value in range
        size = magnitudes.max(axis=(1, 2)) if magnitudes.ndim == 3 else magnitudes
        overflow = ~(size <= _LARGEST)
        for value in inputs:
            overflow &= np.isfinite(_magnitude(value))
        bad = overflow
        if inputs:  # without inputs, a zero result is not known to be an underflow
            underflow = size < _SMALLEST
            for value in inputs:
                underflow &= _magnitude(value) > 0
            bad = overflow | underflow
        if bad.any():
            self.lose_precision(bad)

    # -- the walk

    def _eval(self, expr: sp.Basic) -> np.ndarray:
        cached = self._cache.get(expr)
        if cached is not None:
            return cached
        self._nodes += 1
        if self._nodes > _MAX_NODES:
            raise Unsupported(f"the expression is too large to evaluate (over {_MAX_NODES} nodes)")
        value = self._eval_node(expr)
        if not expr.is_Atom:
            self._cache[expr] = value
        return value

    def _scalar_constant(self, value: complex) -> np.ndarray:
        return np.full(self.points, value, dtype=complex)

    def _eval_node(self, expr: sp.Basic) -> np.ndarray:  # noqa: C901 - one branch per node type
        if expr in self.overrides:
            return self.overrides[expr]
        if expr in self.opaque:
            shape = getattr(expr, "shape", None)
            if isinstance(expr, sp.MatrixExpr) and shape is not None:
                dims = (self.points, self.size(shape[0]), self.size(shape[1]))
                return self._draw(f"Q:{sp.srepr(expr)}", dims)
            return self._scalars(f"Q:{sp.srepr(expr)}")
        if self.fallback is not None and not expr.is_Atom:
            found = self.fallback(expr)
            if found is not None:
                return found
        if expr.is_Number:
            return self._number(expr)
        if isinstance(expr, MatrixSymbol):
            return self._matrix_symbol(expr)
        if expr.is_Symbol:
            return self._symbol(expr)
        if expr is sp.S.Pi or expr is sp.S.Exp1 or expr is sp.S.ImaginaryUnit:
            return self._scalar_constant(complex(expr.evalf(17)))
        if isinstance(expr, MatMul) or (expr.is_Mul and not expr.is_commutative):
            return self._product(expr.args)
        if expr.is_Mul:
            return self._product(expr.args)
        if isinstance(expr, MatAdd) or expr.is_Add:
            return self._sum(expr.args)
        if isinstance(expr, Transpose):
            inner = self._eval(expr.arg)
            return inner if inner.ndim == 1 else np.swapaxes(inner, 1, 2)
        if isinstance(expr, Inverse):
            return self._inverse(expr.arg, self._eval(expr.arg))
        if isinstance(expr, MatPow):
            return self._matrix_power(expr)
        if expr.is_Pow:
            return self._power(expr)
        if isinstance(expr, Trace):
            return np.trace(self._square(expr.arg, "a trace"), axis1=1, axis2=2).astype(complex)
        if isinstance(expr, Determinant):
            return np.linalg.det(self._square(expr.arg, "a determinant")).astype(complex)
        if isinstance(expr, ARRAY_NODES):  # a odot b, X^+, ||X||_2
            return array_node_value(expr, self._matrix, ShapeError)
        if isinstance(expr, AppliedUndef):
            return self._undefined_function(expr)
        if isinstance(expr, ElementwiseApplyFunction):
            return self._elementwise(expr)
        if isinstance(expr, sp.Derivative):
            return self._derivative(expr)
        if isinstance(expr, sp.Subs):
            return self._subs(expr)
        if isinstance(expr, sp.Function) and type(expr) in _BUILTINS:
            return self._builtin(expr)
        if isinstance(expr, (sp.Max, sp.Min)):
            values = [self._scalar(a, expr) for a in expr.args]
            self.invalidate(~np.logical_and.reduce([_real(v) for v in values]))
            stacked = np.stack([v.real for v in values])
            picked = stacked.max(axis=0) if isinstance(expr, sp.Max) else stacked.min(axis=0)
            return picked.astype(complex)
        if isinstance(expr, IndexedSum):
            return value_batched(self, expr)
        if isinstance(expr, sp.Identity):
            n = self.size(expr.shape[0])
            return np.broadcast_to(np.eye(n, dtype=complex), (self.points, n, n))
        if isinstance(expr, sp.ZeroMatrix):
            r, c = (self.size(s) for s in expr.shape)
            return np.zeros((self.points, r, c), dtype=complex)
        if isinstance(expr, sp.OneMatrix):
            r, c = (self.size(s) for s in expr.shape)
            return np.ones((self.points, r, c), dtype=complex)
        if isinstance(expr, sp.MatrixBase):
            return self._explicit_matrix(expr)
        raise Unsupported(f"cannot evaluate {type(expr).__name__} numerically")

    def _number(self, expr: sp.Number) -> np.ndarray:
        if expr is sp.S.ComplexInfinity or expr is sp.S.NaN:
            # SymPy's value of 1/0 (zoo) and 0/0 (nan)
            raise DivisionByZero("division by zero")
        if expr.is_infinite:
            raise EvaluationError(f"the expression contains {expr}")
        try:
            value = float(expr)
        except (OverflowError, TypeError, ValueError):
            value = math.inf
        if not (abs(value) <= _LARGEST) or (expr != 0 and abs(value) < _SMALLEST):
            # 10^{400}, 10^{-400}: not a float; every point is lost
            self.lose_precision(np.ones(self.points, dtype=bool))
        return self._scalar_constant(value)

    def _draw(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        if self.tile == 1:
            return _draw_values(self.seed, self.draw, key, shape)
        one = _draw_values(self.seed, self.draw, key, (shape[0] // self.tile, *shape[1:]))
        return np.concatenate([one] * self.tile)

    def _scalars(self, name: str) -> np.ndarray:
        domain = self.domains.get(name)
        if self.tile == 1:
            return _draw_scalars(self.seed, self.draw, name, self.points, domain)
        one = _draw_scalars(self.seed, self.draw, name, self.points // self.tile, domain)
        return np.concatenate([one] * self.tile)

    def _symbol(self, symbol: sp.Symbol) -> np.ndarray:
        definition = self.definitions.get(symbol)
        if definition is not None:
            if symbol in self._defining:
                raise EvaluationError(f"the definition of {symbol} refers to itself")
            self._defining.add(symbol)
            try:
                return self._eval(definition)
            finally:
                self._defining.discard(symbol)
        size = self.sizes.get(symbol)
        if size is not None:  # a dimension written as a number (1/n): its size
            return self._scalar_constant(size)
        if self.resolve is not None:
            return self._resolved(symbol)
        return self._scalars(symbol.name)

    def _resolved(self, symbol: sp.Basic) -> np.ndarray:
        if symbol in self._defining:
            raise EvaluationError(f"the value of {symbol} refers to itself")
        replacement = self.resolve(symbol)
        if replacement is None:
            raise EvaluationError(f"no value for {symbol}")
        self._defining.add(symbol)
        try:
            return self._eval(replacement)
        finally:
            self._defining.discard(symbol)

    def _matrix_symbol(self, symbol: MatrixSymbol) -> np.ndarray:
        definition = self.definitions.get(symbol)
        if definition is not None and symbol not in self._defining:
            self._defining.add(symbol)
            try:
                return self._eval(definition)
            finally:
                self._defining.discard(symbol)
        if self.resolve is not None:
            return self._resolved(symbol)
        rows, cols = self.size(symbol.shape[0]), self.size(symbol.shape[1])
        return self._draw(f"M:{symbol.name}", (self.points, rows, cols))

    def _explicit_matrix(self, matrix: sp.MatrixBase) -> np.ndarray:
        rows, cols = matrix.shape
        out = np.empty((self.points, rows, cols), dtype=complex)
        for i in range(rows):
            for j in range(cols):
                out[:, i, j] = self._scalar(matrix[i, j], matrix)
        return out

    def _scalar(self, expr: sp.Basic, parent: sp.Basic) -> np.ndarray:
        value = self._eval(expr)
        if value.ndim == 3:
            if value.shape[1:] == (1, 1):
                return value[:, 0, 0]
            raise ShapeError(
                f"{_show(expr)} is a {format_shape(_shape_of(expr, value))} matrix where "
                f"{_show(parent)} needs a scalar"
            )
        return value

    def _matrix(self, expr: sp.Basic) -> np.ndarray:
        value = self._eval(expr)
        if value.ndim == 1:
            return value[:, None, None]
        return value

    def _square(self, expr: sp.Basic, what: str) -> np.ndarray:
        value = self._matrix(expr)
        if value.shape[1] != value.shape[2]:
            raise ShapeError(
                f"{_show(expr)} is {format_shape(_shape_of(expr, value))}, not square, "
                f"so it has no {what.split(' ', 1)[1]}"
            )
        return value

    def _product(self, factors: tuple[sp.Basic, ...]) -> np.ndarray:
        scalar = None
        matrix = None
        matrix_expr: list[sp.Basic] = []
        scalars: list[np.ndarray] = []
        for factor in factors:
            value = self._eval(factor)
            if value.ndim == 1:
                scalars.append(value)
                with np.errstate(all="ignore"):
                    scalar = value if scalar is None else scalar * value
                continue
            if matrix is None:
                matrix = value
            elif matrix.shape[2] == value.shape[1]:
                matrix = np.matmul(matrix, value)
            elif matrix.shape[1:] == (1, 1):  # a 1x1 result acts as a scalar
                matrix = matrix[:, 0, 0][:, None, None] * value
            elif value.shape[1:] == (1, 1):
                matrix = matrix * value[:, 0, 0][:, None, None]
            else:
                left = sp.MatMul(*matrix_expr) if len(matrix_expr) > 1 else matrix_expr[0]
                raise ShapeError(
                    f"{_show(left)} ({format_shape(_shape_of(left, matrix))}) times "
                    f"{_show(factor)} ({format_shape(_shape_of(factor, value))}): "
                    f"the inner sizes differ"
                )
            matrix_expr.append(factor)
        if matrix is None:
            if scalar is None:
                return self._scalar_constant(1.0)
            self._check_range(scalar, *scalars)
            return scalar
        if scalar is not None:
            matrix = scalar[:, None, None] * matrix
        self._check_range(matrix)
        return matrix

    def _sum(self, terms: tuple[sp.Basic, ...]) -> np.ndarray:
        values = [self._eval(t) for t in terms]
        shapes = {v.shape[1:] if v.ndim == 3 else () for v in values}
        if len(shapes) == 1:
            with np.errstate(all="ignore"):
                total = np.sum(values, axis=0) if len(values) > 2 else _add(values)
            self._check_sum(values, total)
            return total
        if shapes <= {(), (1, 1)}:  # scalars and 1x1 matrices add as scalars
            values = [v[:, 0, 0] if v.ndim == 3 else v for v in values]
            with np.errstate(all="ignore"):
                total = _add(values)
            self._check_sum(values, total)
            return total
        described = ", ".join(
            f"{_show(t)} ({format_shape(_shape_of(t, v)) if v.ndim == 3 else 'scalar'})"
            for t, v in zip(terms, values, strict=True)
        )
        raise ShapeError(f"terms of different shapes are added: {described}")

    def _check_sum(self, values: list[np.ndarray], total: np.ndarray) -> None:
        """A non-zero term far below the float resolution of the sum it is added
        to (``y + e^{-40}``) changes nothing: the point cannot tell the sum with
        it from the sum without it, and is lost. A sum that cancels down to
        rounding noise marks its points, where a tiny term may be that noise."""
        magnitudes = [np.abs(v) for v in values]
        top = max(np.maximum.reduce(m, axis=None) for m in magnitudes)
        if top > _LARGEST / len(values):
            self._check_range(total)  # overflow only: a sum that cancels to 0 is exact
        low = min(np.minimum.reduce(m, axis=None) for m in magnitudes)
        largest = None
        if low < ABSORBED * top:  # some term may be absorbed (or is 0): look per point
            sizes = [m.max(axis=(1, 2)) if m.ndim == 3 else m for m in magnitudes]
            largest = np.maximum.reduce(sizes)
            nonzero = np.minimum.reduce([np.where(z > 0, z, np.inf) for z in sizes])
            absorbed = (nonzero < ABSORBED * largest) & ~self._cancelled
            if absorbed.any():
                self.lose_precision(absorbed)
        remaining = _magnitude(total)
        if np.minimum.reduce(remaining) <= 1e-13 * top:
            if largest is None:
                largest = np.maximum.reduce([_magnitude(v) for v in values])
            self._cancelled |= (remaining <= 1e-13 * largest) & (largest > 0)

    def _inverse(self, arg: sp.Basic, value: np.ndarray) -> np.ndarray:
        if value.ndim == 1:
            self.divide_by_zero(value == 0)
            with np.errstate(all="ignore"):
                result = 1 / value
            self._check_range(result, value)
            return result
        if value.shape[1] != value.shape[2]:
            raise ShapeError(
                f"{_show(arg)} is {format_shape(_shape_of(arg, value))}, not square, "
                "so it has no inverse"
            )
        finite = np.isfinite(value).all(axis=(1, 2))
        safe = np.where(finite[:, None, None], value, np.eye(value.shape[1]))
        condition = np.linalg.cond(safe)
        bad = ~finite | ~np.isfinite(condition) | (condition > _CONDITION_LIMIT)
        self.invalidate(bad)
        self.condition = np.maximum(self.condition, np.where(bad, 1.0, condition))
        safe = np.where(bad[:, None, None], np.eye(value.shape[1]), safe)
        return np.linalg.inv(safe)

    def _matrix_power(self, expr: MatPow) -> np.ndarray:
        base = self._eval(expr.base)
        exponent = expr.exp
        if base.ndim == 1 or base.shape[1:] == (1, 1):
            return self._power(sp.Pow(expr.base, exponent, evaluate=False), base=base)
        if not exponent.is_Integer:
            raise Unsupported(f"matrix power {exponent} is not an integer")
        if base.shape[1] != base.shape[2]:
            raise ShapeError(
                f"{_show(expr.base)} is {format_shape(_shape_of(expr.base, base))}, not square, "
                f"so it cannot be raised to a power"
            )
        power = int(exponent)
        if power < 0:
            base = self._inverse(expr.base, base)
            power = -power
        if power > 64:
            raise Unsupported(f"matrix power {power} is too large")
        return np.linalg.matrix_power(base, power)

    def _power(self, expr: sp.Pow, base: np.ndarray | None = None) -> np.ndarray:
        if base is None:
            base = self._eval(expr.base)
        if base.ndim == 3:
            if base.shape[1:] != (1, 1):
                if expr.exp.is_number and expr.exp.is_negative and not isinstance(expr, MatPow):
                    raise MatrixDivision(f"division by the matrix {_show(expr.base)}")
                return self._matrix_power(sp.MatPow(expr.base, expr.exp))
            base = base[:, 0, 0]
        exponent_expr = expr.exp
        if exponent_expr.is_Integer:
            power = int(exponent_expr)
            if power < 0:
                self.divide_by_zero(base == 0)
            with np.errstate(all="ignore"):
                result = base**power if abs(power) <= 64 else np.power(base, float(power))
            self._check_range(result, base)
            return result
        exponent = self._scalar(exponent_expr, expr)
        # A negative (or complex) base takes the principal complex value, which is
        # compared like any other: (a^b)^c is not a^{bc}, sqrt(x^2) is not x.
        self.divide_by_zero((base == 0) & (exponent.real <= 0))
        with np.errstate(all="ignore"):
            result = np.power(base, exponent)
        self._check_range(result, base, exponent)
        return result

    def _builtin(self, expr: sp.Function) -> np.ndarray:
        func, domain = _BUILTINS[type(expr)]
        if len(expr.args) != 1:
            if isinstance(expr, sp.log) and len(expr.args) == 2:  # log(x, base)
                x, b = (self._scalar(a, expr) for a in expr.args)
                self.leave_domain(~_real_positive(x) | ~_real_positive(b) | (b == 1), expr)
                with np.errstate(all="ignore"):
                    return np.log(x) / np.log(b)
            raise Unsupported(f"{type(expr).__name__} with {len(expr.args)} arguments")
        arg = self._eval(expr.args[0])
        if domain is not None:
            bad = ~domain(arg)
            self.leave_domain(bad if arg.ndim == 1 else bad.any(axis=(1, 2)), expr)
        with np.errstate(all="ignore"):
            result = func(arg).astype(complex)
        if type(expr) in _CAN_OVERFLOW:  # the others stay in range for a finite argument
            self._check_range(result, arg)
        return result

    def _function_for(self, name: str) -> NumericFunction:
        known = self.functions.get(name)
        if known is not None:
            return known
        if name in LOGISTIC_NAMES:
            return _LOGISTIC  # sigma: 1 / (1 + e^{-u}) itself, not a stand-in
        return random_smooth_function(name, self.seed)

    def _apply(self, function: NumericFunction, arg: np.ndarray, *, derivative: bool) -> np.ndarray:
        """``f(arg)`` or ``f'(arg)``, losing the points floats cannot carry."""
        call = function.derivative if derivative else function.value
        if call is None:
            raise Unsupported("no derivative known for the function")
        with np.errstate(all="ignore"):
            result = call(arg)
        if function.precise is not None:
            ok = function.precise(arg)
            if ok.ndim == 3:
                ok = ok.all(axis=(1, 2))
            self.lose_precision(~ok)
        self._check_range(result, arg)
        return result

    def _elementwise(self, expr: ElementwiseApplyFunction) -> np.ndarray:
        """``sigma(X beta)``: a scalar function applied to every entry of a matrix."""
        matrix = self._matrix(expr.expr)
        function = expr.function
        variables = getattr(function, "variables", ())
        if len(variables) != 1 or function.expr.free_symbols - set(variables):
            raise Unsupported(f"cannot apply {function} entry by entry")
        entries = Evaluator(
            points=matrix.size,
            seed=self.seed,
            draw=self.draw,
            functions=self.functions,
            overrides={variables[0]: matrix.reshape(-1)},
        )
        values = entries.evaluate(function.expr)
        if values.ndim != 1:
            raise ShapeError(f"{function} gives a matrix for a single entry")
        self.invalidate(~entries.valid.reshape(matrix.shape[0], -1).all(axis=1))
        return values.reshape(matrix.shape)

    def _undefined_function(self, expr: AppliedUndef) -> np.ndarray:
        if len(expr.args) != 1:
            raise Unsupported(f"function {expr.func} of {len(expr.args)} arguments")
        arg = self._eval(expr.args[0])
        return self._apply(self._function_for(expr.func.__name__), arg, derivative=False)

    def _derivative(self, expr: sp.Derivative) -> np.ndarray:
        inner = expr.expr
        if (
            isinstance(inner, AppliedUndef)
            and len(inner.args) == 1
            and len(expr.variable_count) == 1
            and expr.variable_count[0][1] == 1
            and expr.variable_count[0][0] == inner.args[0]
        ):
            function = self._function_for(inner.func.__name__)
            if function.derivative is None:
                raise Unsupported(f"no derivative known for {inner.func}")
            with np.errstate(all="ignore"):
                return self._apply(function, self._eval(inner.args[0]), derivative=True)
        raise Unsupported(f"cannot evaluate the derivative {expr} numerically")

    def _subs(self, expr: sp.Subs) -> np.ndarray:
        # f'(g(x)) comes out of SymPy as Subs(Derivative(f(_xi), _xi), _xi, g(x)).
        inner = expr.expr
        if (
            isinstance(inner, sp.Derivative)
            and len(expr.variables) == 1
            and isinstance(inner.expr, AppliedUndef)
            and inner.expr.args == expr.variables
            and len(inner.variable_count) == 1
            and inner.variable_count[0][1] == 1
        ):
            function = self._function_for(inner.expr.func.__name__)
            if function.derivative is None:
                raise Unsupported(f"no derivative known for {inner.expr.func}")
            with np.errstate(all="ignore"):
                return self._apply(function, self._eval(expr.point[0]), derivative=True)
        raise Unsupported(f"cannot evaluate {expr} numerically")


# Functions whose value leaves the float range for an argument of moderate size
# (exp(-800) underflows to 0, exp(800) overflows).
_CAN_OVERFLOW = frozenset({sp.exp, sp.sinh, sp.cosh})


def _magnitude(value: np.ndarray) -> np.ndarray:
    """Per point, the largest absolute entry (a scalar's absolute value)."""
    size = np.abs(value)
    if size.ndim == 3:
        return size.max(axis=(1, 2))
    return size


def _add(values: list[np.ndarray]) -> np.ndarray:
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def _shape_of(expr: sp.Basic, value: np.ndarray) -> tuple:
    """The symbolic shape when SymPy knows it, else the concrete one."""
    shape = getattr(expr, "shape", None)
    if shape is not None and len(shape) == 2:
        return tuple(shape)
    return tuple(value.shape[1:]) if value.ndim == 3 else ()


def _show(expr: sp.Basic) -> str:
    text = str(expr)
    return text if len(text) <= 60 else text[:57] + "..."


def sampling_ranges(domain: tuple[float, float] | None) -> tuple[tuple[float, float], ...]:
    """The ranges a scalar is drawn from: the policy's, cut to a declared open
    interval ``domain`` (``(0, inf)`` for a positive name, ``(0, 1)`` for a
    probability); a domain the policy does not reach is sampled inside itself."""
    if domain is None:
        return _SCALAR_RANGES
    low, high = domain
    cut = tuple(
        (max(a, low), min(b, high))
        for a, b in _SCALAR_RANGES
        if min(b, high) - max(a, low) > 0.05 * (b - a)
    )
    if cut:
        return cut
    if math.isinf(low):
        return ((high - 3.0, high - 0.1),)
    if math.isinf(high):
        return ((low + 0.1, low + 3.0),)
    margin = 0.05 * (high - low)
    return ((low + margin, high - margin),)


@lru_cache(maxsize=4096)
def _draw_scalars(
    seed: int, draw: int, name: str, points: int, domain: tuple[float, float] | None = None
) -> np.ndarray:
    rng = np.random.default_rng([seed, draw, zlib.crc32(name.encode())])
    ranges = sampling_ranges(domain)
    choice = rng.integers(0, len(ranges), size=points)
    lows = np.array([r[0] for r in ranges])[choice]
    highs = np.array([r[1] for r in ranges])[choice]
    values = rng.uniform(lows, highs).astype(complex)
    values.setflags(write=False)
    return values


@lru_cache(maxsize=4096)
def _draw_values(seed: int, draw: int, key: str, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng([seed, draw, zlib.crc32(key.encode())])
    values = rng.standard_normal(shape).astype(complex)
    values.setflags(write=False)
    return values
