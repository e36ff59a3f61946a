"""Are two answers the same? Numeric first, symbolic second, three-valued.

``equivalent(a, b, context)`` returns an :class:`Equivalence` whose verdict is

- ``equal``: the two agree at every random point tried (and at least three
  points were inside both sides' domains), or SymPy shows their difference is 0;
- ``not_equal``: they differ, with a ``diagnosis`` (shape mismatch, sign flip,
  constant factor, missing or extra term, missing factor, different);
- ``undetermined``: the grader could not tell (could not parse, timed out, too
  few points inside the domain, a construct it cannot evaluate), with the
  reason. A student's right answer must never be lost to the grader's
  limits, so whatever is not shown is never reported as ``not_equal``.

The numeric step (``grader.math.evaluate``) draws values for every symbol
(matrices of concrete, distinct sizes per dimension symbol) and evaluates both
sides at the same points. It is bounded by construction. SymPy is only asked
when the numbers cannot decide (too few valid points, values that agree only
roughly, a construct the evaluator does not know); it runs in a worker
process under ``time_limit`` (``grader.timelimit``), killed if it runs over.

Equations compare as equations: ``a = b`` is equivalent to ``c = d`` when they
have the same solutions. See :func:`_compare_equations`.

Convention: ``a`` is the answer being judged and ``b`` the reference, so a
diagnosis reads "a is b with a missing term". The verdict itself is
symmetric.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatAdd, MatMul, MatrixExpr, MatrixSymbol

from grader.errors import GraderError
from grader.math.evaluate import (
    EvaluationError,
    Evaluator,
    NumericFunction,
    ShapeError,
    Unsupported,
    choose_sizes,
    format_shape,
    logistic_function,
)
from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

__all__ = [
    "Equivalence",
    "equivalent",
    "equivalent_many",
    "equivalent_jsonl",
    "MAX_EXPRESSION_CHARS",
]

EQUAL = "equal"
NOT_EQUAL = "not_equal"
UNDETERMINED = "undetermined"

MAX_EXPRESSION_CHARS = 20_000  # longer input is not parsed (no exam answer is this long)
MIN_VALID_POINTS = 3
FIRST_POINTS = 16  # points in the first draw (vectorised: 16 cost about what 1 does)
RETRY_POINTS = 64  # a second draw when too few points fell inside the domains
CLOSE = 5e-13  # relative difference under which two values agree (rounding is ~1e-15)
APART = 1e-6  # relative difference above which two values differ
PRECISE = 10**6  # a number with a denominator above this (0.333333333333) is checked exactly
# In between: the numbers cannot tell (rounding, or a float answer close to an
# exact one) and SymPy decides.


@dataclass
class Equivalence:
    """The verdict on two answers (see the module docstring)."""

    verdict: str
    reason: str
    diagnosis: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    method: str = "numeric"  # numeric | symbolic | structure | none
    bad_input: bool = False  # undetermined because the input itself is unusable

    @property
    def is_equal(self) -> bool:
        return self.verdict == EQUAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "diagnosis": self.diagnosis,
            "details": _jsonable(self.details),
            "method": self.method,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --------------------------------------------------------------------------- inputs


@dataclass
class _Side:
    kind: str  # "expression" | "equation" | "malformed"
    terms: tuple  # (expr,) or (lhs, rhs); () when malformed
    text: str
    problems: tuple[str, ...] = ()  # why the side has no meaning (shapes that do not fit)

    @property
    def expr(self) -> sp.Basic:
        return self.terms[0]


class _Undetermined(Exception):
    def __init__(self, result: Equivalence):
        self.result = result


def _undetermined(reason: str, *, bad_input: bool = False, **details: Any) -> _Undetermined:
    return _Undetermined(
        Equivalence(UNDETERMINED, reason, details=details, method="none", bad_input=bad_input)
    )


def _as_context(context: Any) -> Any:
    if context is None or not isinstance(context, Mapping):
        return context
    from grader.math.context import MathContext

    return MathContext.from_mapping(context)


def _read_side(value: Any, label: str, context: Any) -> _Side:
    if isinstance(value, str):
        return _parse_side(value, label, context)
    kind = getattr(value, "kind", None)
    terms = getattr(value, "terms", None)
    if kind is not None and terms is not None:  # a MathLine
        return _side_from_line(value, label, getattr(value, "source", str(value)))
    if isinstance(value, sp.Equality):
        return _Side("equation", (value.lhs, value.rhs), str(value))
    if isinstance(value, sp.logic.boolalg.BooleanAtom):
        raise _undetermined(f"{label} is the constant {value}, not a formula")
    if isinstance(value, sp.core.relational.Relational):
        raise _undetermined(f"{label} is an inequality ({value}); only = is compared")
    if isinstance(value, sp.MatrixBase) and not isinstance(value, sp.Basic):
        value = sp.ImmutableMatrix(value)  # a mutable Matrix is not a SymPy expression
    if isinstance(value, (int, float)):
        value = sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    return _Side("expression", (value,), str(value))


def _parse_side(text: str, label: str, context: Any) -> _Side:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise _undetermined(
            f"could not parse {label}: the expression is too long "
            f"({len(text):,} characters, the limit is {MAX_EXPRESSION_CHARS:,})",
            bad_input=True,
            side=label,
        )
    if not text.strip():
        raise _undetermined(f"could not parse {label}: it is empty", bad_input=True, side=label)
    from grader.math.parse import MathParseError, parse_math

    try:
        line = parse_math(text, context)
    except MathParseError as error:
        position = getattr(error, "position", None)
        reason = getattr(error, "reason", None) or str(error)
        if reason.startswith(_MEANINGLESS_PARSE_ERRORS):
            # The parser refuses these, but they are a student's mistake with a
            # meaning we can state (no matrix division), not unreadable text.
            return _Side("malformed", (), text, (reason,))
        where = f" at column {position + 1}" if isinstance(position, int) else ""
        raise _undetermined(
            f"could not parse {label}{where}: {reason}",
            bad_input=True,
            side=label,
            position=position,
        ) from None
    except RecursionError:
        raise _undetermined(
            f"could not parse {label}: it is nested too deeply", bad_input=True, side=label
        ) from None
    except GraderError as error:
        raise _undetermined(
            f"could not parse {label}: {error.message}", bad_input=True, side=label
        ) from None
    return _side_from_line(line, label, text)


_MEANINGLESS_PARSE_ERRORS = ("division by a matrix", "square root of a matrix")


def _side_from_line(line: Any, label: str, text: str) -> _Side:
    terms = tuple(line.terms)
    if getattr(line, "rest", None):
        raise _undetermined(
            f"{label} holds more than one statement ({text!r}); compare them one by one"
        )
    problems = tuple(getattr(line, "shape_problems", None) or ())
    if problems and line.kind in ("expression", "equation"):
        return _Side("malformed", (), text, problems)
    if getattr(line, "continues_previous", False):
        raise _undetermined(
            f"{label} starts with '=' and continues a previous line; give the whole statement"
        )
    if line.kind == "expression" and len(terms) == 1:
        return _Side("expression", terms, text)
    if line.kind == "equation" and len(terms) == 2:
        return _Side("equation", terms, text)
    if line.kind == "chain":
        raise _undetermined(
            f"{label} is a chain of {len(terms)} equal expressions; compare its parts one by one"
        )
    if line.kind == "shape_statement":
        raise _undetermined(f"{label} states shapes, it is not a formula")
    raise _undetermined(f"{label} is text, not a formula", bad_input=True, side=label)


# --------------------------------------------------------------------------- the setup


@dataclass
class _Setup:
    """What the numeric step needs from the context."""

    definitions: dict[sp.Basic, sp.Basic]
    functions: dict[str, NumericFunction]
    dims: set
    opaque: frozenset = frozenset()


def _setup(context: Any, exprs: Iterable[sp.Basic], seed: int) -> _Setup:
    definitions: dict[sp.Basic, sp.Basic] = {}
    functions: dict[str, NumericFunction] = {}
    if context is not None:
        declared_functions = set(getattr(context, "functions", ()) or ())
        for name, expr in getattr(context, "definitions", {}).items():
            if name in declared_functions:  # sigma: 1 / (1 + exp(-u))
                functions[name] = _defined_function(name, expr, seed)
                continue
            symbol = context.symbol(name) if hasattr(context, "symbol") else sp.Symbol(name)
            definitions[symbol] = expr
        for name, derivative in getattr(context, "function_derivatives", {}).items():
            if name not in functions:
                functions[name] = _function_with_derivative(name, derivative, seed)
    dims: set = set()
    exprs = list(exprs)
    half = len(exprs) // 2
    gradients: list[set] = [set(), set()]  # gradient nodes of side a, of side b
    for index, expr in enumerate([*exprs, *definitions.values()]):
        for node in sp.preorder_traversal(expr):
            if isinstance(node, MatrixSymbol):
                dims.update(sp.sympify(s) for s in node.shape)
            elif _is_gradient(node) and index < len(exprs):
                gradients[0 if index < half else 1].add(node)
    # A gradient both sides share is one unknown quantity; given random values.
    return _Setup(definitions, functions, dims, frozenset(gradients[0] & gradients[1]))


@lru_cache(maxsize=128)
def _defined_function(name: str, body: sp.Basic, seed: int) -> NumericFunction:
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

    return NumericFunction(lambda u: at(body, u), lambda u: at(derivative, u))


@lru_cache(maxsize=128)
def _function_with_derivative(name: str, derivative: sp.Lambda, seed: int) -> NumericFunction:
    """A function whose declared derivative is ``f (1 - f)`` is evaluated as a logistic
    curve (the ODE's solutions); any other declared derivative is used for ``f'``
    while ``f`` stays a random smooth function."""
    (variable,) = derivative.variables
    f = sp.Function(name)
    body = derivative.expr
    if sp.simplify(body - f(variable) * (1 - f(variable))) == 0:
        return logistic_function(seed, name)
    from grader.math.evaluate import random_smooth_function

    base = random_smooth_function(name, seed)

    def deriv(u: np.ndarray) -> np.ndarray:
        evaluator = Evaluator(points=u.shape[0], seed=seed, overrides={variable: u})
        return evaluator.evaluate(body)

    return NumericFunction(base.value, deriv)


# --------------------------------------------------------------------------- numbers


@dataclass
class _Values:
    a: np.ndarray
    b: np.ndarray
    valid: np.ndarray
    evaluator: Evaluator
    condition: np.ndarray  # per point, the worst condition number of an inverse


def _evaluate_pair(
    a: sp.Basic, b: sp.Basic, setup: _Setup, seed: int, points: int, draw: int
) -> _Values:
    sizes = choose_sizes(setup.dims, seed + draw)
    evaluator = Evaluator(
        points=points,
        seed=seed,
        draw=draw,
        sizes=sizes,
        definitions=setup.definitions,
        functions=setup.functions,
        opaque=setup.opaque,
    )
    va = _checked(evaluator, a, "a")
    vb = _checked(evaluator, b, "b")
    return _Values(va, vb, evaluator.valid.copy(), evaluator, evaluator.condition.copy())


class _SideShapeError(Exception):
    def __init__(self, label: str, error: ShapeError):
        self.label = label
        self.error = error


def _checked(evaluator: Evaluator, expr: sp.Basic, label: str) -> np.ndarray:
    try:
        return evaluator.evaluate(expr)
    except ShapeError as error:
        raise _SideShapeError(label, error) from None


def _as_comparable(value: np.ndarray) -> np.ndarray:
    """``(k,)`` scalars and ``(k, 1, 1)`` matrices both become ``(k, 1, 1)``."""
    return value[:, None, None] if value.ndim == 1 else value


def _finite(value: np.ndarray) -> np.ndarray:
    return np.isfinite(value).all(axis=(1, 2))


def _relative_gap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per point: the largest entry difference over the largest entry size (at least 1)."""
    scale = np.maximum(np.abs(x).max(axis=(1, 2)), np.abs(y).max(axis=(1, 2)))
    scale = np.maximum(scale, 1.0)
    return np.abs(x - y).max(axis=(1, 2)) / scale


def _shape_text(expr: sp.Basic, value: np.ndarray) -> str:
    if value.ndim == 1 or value.shape[1:] == (1, 1):
        return "scalar" if value.ndim == 1 else "1 x 1"
    shape = getattr(expr, "shape", None)
    if isinstance(expr, MatrixExpr) and shape is not None:
        return format_shape(shape)
    return format_shape(value.shape[1:])


# --------------------------------------------------------------------------- expressions


def _compare_expressions(
    a: sp.Basic, b: sp.Basic, context: Any, seed: int, time_limit: float
) -> Equivalence:
    if _is_number(a) and _is_number(b) and a.is_Rational and b.is_Rational:
        if a == b:
            return Equivalence(EQUAL, "the same number", method="structure")
        return _diagnose_numbers(a, b)
    setup = _setup(context, (a, b), seed)
    try:
        values = _evaluate_pair(a, b, setup, seed, FIRST_POINTS, 0)
    except _SideShapeError as error:
        return _malformed(error, a, b, setup, seed)
    except Unsupported as error:
        return _symbolic_or_undetermined(a, b, context, time_limit, f"{error}")
    except EvaluationError as error:
        return _symbolic_or_undetermined(a, b, context, time_limit, f"{error}")
    va, vb = _as_comparable(values.a), _as_comparable(values.b)
    if va.shape[1:] != vb.shape[1:]:
        shape_a, shape_b = _shape_text(a, values.a), _shape_text(b, values.b)
        return Equivalence(
            NOT_EQUAL,
            f"the shapes differ: a is {shape_a}, b is {shape_b}",
            "shape_mismatch",
            {"a_shape": shape_a, "b_shape": shape_b},
        )
    valid = values.valid & _finite(va) & _finite(vb)
    if valid.sum() < MIN_VALID_POINTS:
        try:
            values = _evaluate_pair(a, b, setup, seed, RETRY_POINTS, 1)
        except (EvaluationError, _SideShapeError) as error:  # pragma: no cover - same tree
            return _symbolic_or_undetermined(a, b, context, time_limit, str(error))
        va, vb = _as_comparable(values.a), _as_comparable(values.b)
        valid = values.valid & _finite(va) & _finite(vb)
    if valid.sum() < MIN_VALID_POINTS:
        if _constant_overflow(a) or _constant_overflow(b):
            raise _undetermined(
                "a number in the expression is too large to evaluate", bad_input=True
            )
        return _symbolic_or_undetermined(
            a,
            b,
            context,
            time_limit,
            f"domain problems: only {int(valid.sum())} of {valid.size} random points were "
            "inside both expressions' domains",
        )
    gap = _relative_gap(va[valid], vb[valid])
    apart = gap > APART
    # rounding grows with the condition of inverted matrices: allow for it (capped)
    close = np.minimum(CLOSE * values.condition[valid], 1e-8)
    if not apart.any() and (gap <= close).all():
        if _has_precise_number(a) or _has_precise_number(b):
            # Floats agree to 1e-13, not to the last digit of a 12-digit decimal.
            return _symbolic_or_undetermined(
                a,
                b,
                context,
                time_limit,
                "equal to rounding, but a very small, large or long number needs an exact check",
            )
        return Equivalence(
            EQUAL,
            f"equal at {int(valid.sum())} random points",
            details={"points": int(valid.sum())},
        )
    # Different expressions differ almost everywhere, or (|x| vs x, piecewise
    # agreement) agree exactly on part of the points and clearly differ on the
    # rest. One stray point is rounding near a pole, not a difference.
    if apart.sum() >= max(2, (valid.sum() + 1) // 2) or (
        apart.sum() >= 2 and (gap[~apart] <= close[~apart]).all()
    ):
        return _diagnose(a, b, values, valid)
    return _symbolic_or_undetermined(
        a,
        b,
        context,
        time_limit,
        f"the numbers agree only roughly (largest relative difference {gap.max():.1e})",
    )


def _has_precise_number(expr: sp.Basic) -> bool:
    """Numbers that float arithmetic cannot tell apart from a neighbour: a long
    decimal (0.333333333333), or a constant far from 1 (``e^{-30}``, which
    added to ``x`` changes it by less than rounding)."""
    for node in sp.preorder_traversal(expr):
        if node.is_Atom:
            if node.is_Float or (
                node.is_Rational and (node.q > PRECISE or abs(node.p) > PRECISE**2)
            ):
                return True
        elif getattr(node, "is_number", False) and not node.is_Rational:
            try:
                size = abs(complex(node.evalf(15)))
            except (TypeError, ValueError, OverflowError):
                return True
            if size != 0 and not 1e-6 <= size <= 1e6:
                return True
    return False


def _is_number(expr: sp.Basic) -> bool:
    return isinstance(expr, sp.Basic) and expr.is_Number


def _constant_overflow(expr: sp.Basic) -> bool:
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and not node.free_symbols:
            try:
                magnitude = abs(float(node.exp)) * np.log10(max(abs(float(node.base)), 1e-300))
            except (TypeError, ValueError, OverflowError):
                return True
            if magnitude > 300:
                return True
    return False


def _diagnose_numbers(a: sp.Rational, b: sp.Rational) -> Equivalence:
    details = {"a": str(a), "b": str(b)}
    if a == -b:
        return Equivalence(NOT_EQUAL, "a is -b", "sign_flip", details, method="structure")
    if b != 0 and a != 0:
        k = a / b
        if k.q <= 12 and abs(k.p) <= 12:
            details["factor"] = str(k)
            return Equivalence(
                NOT_EQUAL, f"a is {k} times b", "constant_factor", details, method="structure"
            )
    return Equivalence(NOT_EQUAL, f"{a} is not {b}", "different", details, method="structure")


def _malformed(
    error: _SideShapeError, a: sp.Basic, b: sp.Basic, setup: _Setup, seed: int
) -> Equivalence:
    other_label = "b" if error.label == "a" else "a"
    other = b if error.label == "a" else a
    evaluator = Evaluator(points=2, seed=seed, sizes=choose_sizes(setup.dims, seed))
    evaluator.definitions = setup.definitions
    evaluator.functions = setup.functions
    other_shape = None
    try:
        other_shape = _shape_text(other, evaluator.evaluate(other))
    except ShapeError as other_error:
        raise _undetermined(
            f"neither side is well formed: a: {error.error}; b: {other_error}"
            if error.label == "a"
            else f"neither side is well formed: a: {other_error}; b: {error.error}"
        ) from None
    except EvaluationError:
        pass
    details = {"malformed": error.label, "problem": str(error.error)}
    details[f"{error.label}_shape"] = "not well formed"
    if other_shape is not None:
        details[f"{other_label}_shape"] = other_shape
    return Equivalence(
        NOT_EQUAL, f"{error.label} is not well formed: {error.error}", "shape_mismatch", details
    )


# --------------------------------------------------------------------------- diagnosis


def _diagnose(a: sp.Basic, b: sp.Basic, values: _Values, valid: np.ndarray) -> Equivalence:
    va, vb = _as_comparable(values.a)[valid], _as_comparable(values.b)[valid]
    if _all_close(va, -vb):
        return Equivalence(NOT_EQUAL, "a is -b (a sign flip)", "sign_flip", {"factor": "-1"})
    factor = _constant_ratio(va, vb)
    if factor is not None:
        return Equivalence(
            NOT_EQUAL,
            f"a is {factor} times b (a constant factor)",
            "constant_factor",
            {"factor": factor},
        )
    evaluator = values.evaluator
    for term in _terms(b):
        vt = _term_values(evaluator, term, valid)
        if vt is not None and vt.shape[1:] == va.shape[1:] and _all_close(va, vb - vt):
            return Equivalence(
                NOT_EQUAL,
                f"a is b without the term {term}",
                "missing_term",
                {"term": str(term)},
            )
    for term in _terms(a):
        vt = _term_values(evaluator, term, valid)
        if vt is not None and vt.shape[1:] == va.shape[1:] and _all_close(va - vt, vb):
            return Equivalence(
                NOT_EQUAL,
                f"a is b with an extra term {term}",
                "extra_term",
                {"term": str(term)},
            )
    missing = _missing_factor(b, va, vb, evaluator, valid)
    if missing is not None:
        return Equivalence(
            NOT_EQUAL,
            f"a is b without the factor {missing}",
            "missing_factor",
            {"factor": str(missing)},
        )
    extra = _missing_factor(a, vb, va, evaluator, valid)
    details = {"extra_factor": str(extra)} if extra is not None else {}
    differing = int((_relative_gap(va, vb) > APART).sum())
    if extra is not None:
        reason = f"a is b times an extra factor {extra}"
    elif differing < len(va):
        reason = f"a and b differ at {differing} of {len(va)} random points (agree at the others)"
    else:
        reason = "a and b differ"
    return Equivalence(NOT_EQUAL, reason, "different", details)


def _all_close(x: np.ndarray, y: np.ndarray) -> bool:
    return bool((_relative_gap(x, y) <= 1e-9).all())


def _constant_ratio(va: np.ndarray, vb: np.ndarray) -> str | None:
    nonzero = np.abs(vb) > 1e-9 * np.maximum(1.0, np.abs(vb).max())
    if not nonzero.any() or (np.abs(va[~nonzero]) > 1e-9).any():
        return None
    ratios = va[nonzero] / vb[nonzero]
    k = ratios.flat[0]
    if abs(k.imag) > 1e-9 or abs(k) < 1e-12:
        return None
    if not np.allclose(ratios, k, rtol=1e-9, atol=1e-12):
        return None
    fraction = Fraction(float(k.real)).limit_denominator(1000)
    if abs(float(fraction) - k.real) <= 1e-9 * max(1.0, abs(k.real)):
        return str(fraction)
    return f"{k.real:.6g}"


def _terms(expr: sp.Basic) -> list[sp.Basic]:
    if isinstance(expr, MatAdd) or expr.is_Add:
        return list(expr.args)
    return []


def _factors(expr: sp.Basic) -> list[sp.Basic]:
    if isinstance(expr, MatMul):
        return [f for f in expr.args if not isinstance(f, MatrixExpr)]
    if expr.is_Mul:
        factors = []
        for f in expr.args:
            if f.is_Number and f.is_negative and f != -1:
                factors.append(-f)
            elif f != -1:
                factors.append(f)
        return factors
    return []


def _term_values(evaluator: Evaluator, term: sp.Basic, valid: np.ndarray) -> np.ndarray | None:
    try:
        return _as_comparable(evaluator.evaluate(term))[valid]
    except EvaluationError:
        return None


def _missing_factor(
    full: sp.Basic,
    short: np.ndarray,
    full_values: np.ndarray,
    evaluator: Evaluator,
    valid: np.ndarray,
) -> sp.Basic | None:
    """A product of some of ``full``'s factors that ``short`` lacks, if one explains it."""
    factors = _factors(full)
    if len(factors) < 2 or len(factors) > 8:
        return None
    values = {}
    for f in factors:
        v = _term_values(evaluator, f, valid)
        if v is None or v.shape[1:] != (1, 1):
            return None
        values[f] = v
    for size in range(1, min(3, len(factors) - 1) + 1):
        for subset in combinations(factors, size):
            product = np.prod([values[f] for f in subset], axis=0)
            if _all_close(short * product, full_values):
                return sp.Mul(*subset)
    return None


# --------------------------------------------------------------------------- equations


def _compare_equations(
    a: _Side, b: _Side, context: Any, seed: int, time_limit: float
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
                result = _compare_expressions(y1, y2, context, seed, time_limit)
                result.reason = f"both give {x1}: {result.reason}"
                return result
    setup = _setup(context, (l1, r1, l2, r2), seed)
    try:
        residuals = _residual_values(l1, r1, l2, r2, setup, seed, {})
    except _SideShapeError as error:
        which = "a" if error.label in ("l1", "r1", "R1") else "b"
        return _malformed_equation(which, error.error, a, b, setup, seed)
    except EvaluationError as error:
        return _symbolic_equations_or_undetermined(a, b, time_limit, str(error))
    R1, R2, valid = residuals
    if R1.shape[1:] != R2.shape[1:]:
        s1 = _shape_text(l1, R1) if R1.ndim == 3 else "scalar"
        s2 = _shape_text(l2, R2) if R2.ndim == 3 else "scalar"
        return Equivalence(
            NOT_EQUAL,
            f"the equations have different shapes: a is {s1}, b is {s2}",
            "shape_mismatch",
            {"a_shape": s1, "b_shape": s2},
        )
    if valid.sum() < MIN_VALID_POINTS:
        return _symbolic_equations_or_undetermined(
            a, b, time_limit, "domain problems: too few random points inside the domains"
        )
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
    for unknown in _unknown_candidates(a, b):
        result = _compare_by_solution(unknown, l1, r1, l2, r2, setup, seed)
        if result is not None:
            return result
    factor = _constant_ratio(R1[valid], R2[valid])
    if factor is not None:
        return Equivalence(
            EQUAL, f"the residuals are proportional (factor {factor})", details={"factor": factor}
        )
    different_root = _root_of_one_only(a, b, setup, seed)
    if different_root is not None:
        return different_root
    return _symbolic_equations_or_undetermined(
        a, b, time_limit, "could not compare the equations' solution sets"
    )


ROOT_INTERVAL = (-10.0, 10.0)
ROOT_GRID = 2001


def _root_of_one_only(a: _Side, b: _Side, setup: _Setup, seed: int) -> Equivalence | None:
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
    return isinstance(expr, (sp.Symbol, MatrixSymbol)) or _is_gradient(expr)


def _is_gradient(expr: sp.Basic) -> bool:
    return type(expr).__name__ in ("ScalarGradient", "MatrixGradient")


def _symbols(expr: sp.Basic) -> set:
    return set(expr.atoms(sp.Symbol)) | set(expr.atoms(MatrixSymbol))


def _all_zero(R: np.ndarray) -> bool:
    R = _as_comparable(R)
    return bool((np.abs(R).max(axis=(1, 2)) <= 1e-10).all())


def _residual_values(
    l1, r1, l2, r2, setup: _Setup, seed: int, overrides: dict, points: int = 8, tile: int = 1
):
    sizes = choose_sizes(setup.dims, seed)
    evaluator = Evaluator(
        points=points,
        seed=seed,
        tile=tile,
        sizes=sizes,
        definitions=setup.definitions,
        functions=setup.functions,
        opaque=setup.opaque,
        overrides=overrides,
    )
    residuals = []
    for label, lhs, rhs in (("1", l1, r1), ("2", l2, r2)):
        lv = _checked(evaluator, lhs, f"l{label}")
        rv = _checked(evaluator, rhs, f"r{label}")
        lv, rv = _as_comparable(lv), _as_comparable(rv)
        # "M = 0" with a matrix M: the 0 is the zero matrix of M's shape.
        if rhs == 0 and lv.shape[1:] != (1, 1):
            rv = np.zeros_like(lv)
        elif lhs == 0 and rv.shape[1:] != (1, 1):
            lv = np.zeros_like(rv)
        if lv.shape != rv.shape:
            raise _SideShapeError(
                f"R{label}",
                ShapeError(
                    f"the two sides have different shapes: {_shape_text(lhs, lv)} and "
                    f"{_shape_text(rhs, rv)}"
                ),
            )
        residuals.append(lv - rv)
    R1, R2 = residuals
    valid = evaluator.valid & _finite(R1) & _finite(R2)
    return R1, R2, valid


def _malformed_equation(which, error, a, b, setup, seed) -> Equivalence:
    other = b if which == "a" else a
    try:
        evaluator = Evaluator(points=2, seed=seed, sizes=choose_sizes(setup.dims, seed))
        for term in other.terms:
            evaluator.evaluate(term)
    except ShapeError:
        raise _undetermined("neither equation is well formed") from None
    except EvaluationError:
        pass
    return Equivalence(
        NOT_EQUAL,
        f"{which} is not well formed: {error}",
        "shape_mismatch",
        {"malformed": which, "problem": str(error)},
    )


def _unknown_candidates(a: _Side, b: _Side) -> list[sp.Basic]:
    alone = []
    for side in (a, b):
        for term in side.terms:
            if _is_quantity(term) and term not in alone:
                alone.append(term)
    rest = sorted(
        (_symbols(a.terms[0]) | _symbols(a.terms[1]))
        & (_symbols(b.terms[0]) | _symbols(b.terms[1])),
        key=lambda s: (isinstance(s, MatrixSymbol), str(s)),
    )
    candidates = alone + [s for s in rest if s not in alone and not _is_dimension(s)]
    return candidates[:6]


def _is_dimension(symbol: sp.Basic) -> bool:
    return isinstance(symbol, sp.Symbol) and bool(symbol.is_integer)


def _compare_by_solution(unknown, l1, r1, l2, r2, setup: _Setup, seed: int) -> Equivalence | None:
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
        R1, R2, ok = _residual_values(
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
    except (EvaluationError, _SideShapeError):
        return None
    valid = np.logical_and.reduce([v for _, _, v in evaluated])
    if valid.sum() < MIN_VALID_POINTS:
        return None
    u_base, u_probe = _flat(_as_comparable(base)), _flat(_as_comparable(probe))
    solutions: list[np.ndarray | None] = []
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
    if solutions[0] is None and solutions[1] is None:
        return None
    if solutions[0] is None or solutions[1] is None:
        return _solution_of_one_only(
            unknown, solutions, (l1, r1, l2, r2), setup, seed, shape, valid
        )
    first, second = solutions[0][valid], solutions[1][valid]
    gap = np.abs(first - second).max(axis=1) / np.maximum(1.0, np.abs(second).max(axis=1))
    if (gap <= 1e-8).all():
        return Equivalence(EQUAL, f"same solution for {unknown}", details={"unknown": str(unknown)})
    if (gap > APART).sum() >= max(2, (len(gap) + 1) // 2):
        s1, s2 = first[:, :, None], second[:, :, None]
        details: dict[str, Any] = {"unknown": str(unknown)}
        diagnosis = "different"
        reason = f"the equations give different solutions for {unknown}"
        if _all_close(s1, -s2):
            diagnosis, details["factor"] = "sign_flip", "-1"
            reason += " (of opposite sign)"
        else:
            factor = _constant_ratio(s1, s2)
            if factor is not None:
                diagnosis, details["factor"] = "constant_factor", factor
                reason += f" ({factor} times the other)"
        return Equivalence(NOT_EQUAL, reason, diagnosis, details)
    return None


def _solution_of_one_only(
    unknown, solutions, sides, setup: _Setup, seed: int, shape: tuple, valid: np.ndarray
) -> Equivalence | None:
    """One equation has a unique solution for ``unknown``; if the other equation
    does not hold there, the solution sets differ (``x = 2`` vs ``y = 2``).
    If it does hold, the other may have more solutions: no verdict."""
    index = 0 if solutions[0] is not None else 1
    solution = solutions[index].reshape(shape)
    try:
        R1, R2, ok = _residual_values(*sides, setup, seed, {unknown: solution}, shape[0])
    except (EvaluationError, _SideShapeError):
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
    value = _as_comparable(value)
    return value.reshape(value.shape[0], -1)


# --------------------------------------------------------------------------- symbolic


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
    simplified = sp.simplify(difference)
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


def _symbolic_or_undetermined(
    a: sp.Basic, b: sp.Basic, context: Any, time_limit: float, why: str
) -> Equivalence:
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
    """Runs in the worker: compare the real roots of two one-unknown polynomial residuals."""
    symbols = r1.free_symbols | r2.free_symbols
    if len(symbols) != 1:
        return None
    (x,) = symbols
    try:
        p1, p2 = sp.Poly(r1, x), sp.Poly(r2, x)
    except sp.PolynomialError:
        return None
    if p1.is_zero or p2.is_zero:
        return None
    return set(sp.real_roots(p1)) == set(sp.real_roots(p2))


def _symbolic_equations_or_undetermined(
    a: _Side, b: _Side, time_limit: float, why: str
) -> Equivalence:
    if any(isinstance(t, MatrixExpr) for t in (*a.terms, *b.terms)):
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


# --------------------------------------------------------------------------- public API


def equivalent(
    a: Any, b: Any, context: Any = None, *, time_limit: float = 2.0, seed: int = 0
) -> Equivalence:
    """Compare ``a`` (the answer) with ``b`` (the reference).

    ``a`` and ``b`` are text (read by ``grader.math.parse_math`` with
    ``context``), SymPy objects (``Eq`` for equations) or parsed
    ``MathLine`` objects. ``context`` is a ``MathContext`` or a mapping in the
    context format (``{"symbols": {"X": "n x p"}, "aliases": {...}}``).
    ``time_limit`` bounds the symbolic step, in seconds; ``seed`` fixes the
    random points (same input, same seed: same verdict).

    Never raises for a student's input: unreadable text is ``undetermined``.
    Raises ``TypeError`` for arguments of the wrong type (a programming error).
    """
    for label, value in (("a", a), ("b", b)):
        if not isinstance(value, (str, int, float, sp.Basic, sp.MatrixBase)) and not hasattr(
            value, "terms"
        ):
            raise TypeError(
                f"{label} must be text, a SymPy expression or a MathLine, not {type(value).__name__}"
            )
    try:
        context = _as_context(context)
        side_a = _read_side(a, "a", context)
        side_b = _read_side(b, "b", context)
        if "malformed" in (side_a.kind, side_b.kind):
            return _compare_malformed(side_a, side_b, context, seed)
        if side_a.kind != side_b.kind:
            return Equivalence(
                NOT_EQUAL,
                f"a is an {side_a.kind}, b is an {side_b.kind}",
                "different",
                {"a_kind": side_a.kind, "b_kind": side_b.kind},
                method="structure",
            )
        if side_a.kind == "equation":
            return _compare_equations(side_a, side_b, context, seed, time_limit)
        return _compare_expressions(side_a.expr, side_b.expr, context, seed, time_limit)
    except _Undetermined as stop:
        return stop.result
    except RecursionError:
        return Equivalence(
            UNDETERMINED, "the expression is nested too deeply", method="none", bad_input=True
        )
    except GraderError as error:  # a context that does not load (bad shape syntax, ...)
        return Equivalence(
            UNDETERMINED, f"bad context: {error.message}", method="none", bad_input=True
        )
    except Exception as error:  # noqa: BLE001 - a grader bug must not look like a verdict
        return Equivalence(
            UNDETERMINED,
            f"internal error while comparing ({type(error).__name__}: {error})",
            method="none",
        )


def _compare_malformed(side_a: _Side, side_b: _Side, context: Any, seed: int) -> Equivalence:
    """One side (or both) has no meaning: a product whose shapes do not fit, a
    division by a matrix, a scalar added to a matrix."""
    if side_a.kind == side_b.kind == "malformed":
        raise _undetermined(
            f"neither side is well formed: a {'; '.join(side_a.problems)}; "
            f"b {'; '.join(side_b.problems)}"
        )
    bad, good, label = (
        (side_a, side_b, "a") if side_a.kind == "malformed" else (side_b, side_a, "b")
    )
    setup = _setup(context, good.terms, seed)
    evaluator = Evaluator(
        points=2,
        seed=seed,
        sizes=choose_sizes(setup.dims, seed),
        definitions=setup.definitions,
        functions=setup.functions,
        opaque=setup.opaque,
    )
    good_shape = None
    try:
        shapes = [_shape_text(term, evaluator.evaluate(term)) for term in good.terms]
        good_shape = shapes[-1]
    except ShapeError as error:
        raise _undetermined(
            f"neither side is well formed: {'; '.join(bad.problems)}; {error}"
        ) from None
    except EvaluationError:
        pass
    problem = "; ".join(bad.problems)
    details = {"malformed": label, "problem": problem, f"{label}_shape": "not well formed"}
    if good_shape is not None:
        details[f"{'b' if label == 'a' else 'a'}_shape"] = good_shape
    return Equivalence(
        NOT_EQUAL,
        f"{label} is not well formed: it {problem}"
        if not problem.startswith(_MEANINGLESS_PARSE_ERRORS)
        else f"{label} is not well formed: {problem}",
        "shape_mismatch",
        details,
        method="structure",
    )


def _context_for_item(item: Mapping[str, Any], base: Any) -> Any:
    symbols, aliases = item.get("symbols"), item.get("aliases")
    full = item.get("context")
    if not symbols and not aliases and not full:
        return base
    from grader.math.context import MathContext

    if full:  # a whole context (definitions, function derivatives, ...)
        base = (
            base.merged(MathContext.from_mapping(full))
            if base is not None
            else (MathContext.from_mapping(full))
        )
        if not symbols and not aliases:
            return base
    mapping: dict[str, Any] = {}
    if symbols:
        mapping["symbols"] = symbols
    if aliases:
        mapping["aliases"] = aliases
    own = MathContext.from_mapping(mapping)
    return base.merged(own) if base is not None else own


def equivalent_many(
    items: Iterable[Mapping[str, Any]],
    context: Any = None,
    *,
    time_limit: float = 2.0,
    seed: int = 0,
) -> Iterator[Equivalence]:
    """One verdict per item ``{"a", "b", "symbols"?, "aliases"?}``, in order.
    An item's own symbols and aliases are laid over ``context``. A bad item
    gives an ``undetermined`` verdict; the others are still answered."""
    base = _as_context(context)
    for index, item in enumerate(items, start=1):
        yield _one_item(item, index, base, time_limit, seed)


def _one_item(
    item: Any,
    index: int,
    base: Any,
    time_limit: float,
    seed: int,
    contexts: dict[str, Any] | None = None,
) -> Equivalence:
    def bad(reason: str) -> Equivalence:
        return Equivalence(UNDETERMINED, f"item {index}: {reason}", method="none", bad_input=True)

    if not isinstance(item, Mapping):
        return bad(f"expected an object with 'a' and 'b', got {type(item).__name__}")
    missing = [key for key in ("a", "b") if key not in item]
    if missing:
        return bad(f"missing {' and '.join(repr(k) for k in missing)}")
    if not all(isinstance(item[key], str) for key in ("a", "b")):
        return bad("'a' and 'b' must be strings")
    for key in ("symbols", "aliases", "context"):
        if item.get(key) is not None and not isinstance(item[key], Mapping):
            return bad(f"{key!r} must be an object mapping names to values")
    key = None
    if contexts is not None:
        key = json.dumps([item.get(k) for k in ("symbols", "aliases", "context")], sort_keys=True)
    try:
        if key is not None and key in contexts:
            context = contexts[key]
        else:
            context = _context_for_item(item, base)
            if key is not None and len(contexts) < 1000:
                contexts[key] = context
    except GraderError as error:
        return bad(f"bad context: {error.message}")
    return equivalent(item["a"], item["b"], context, time_limit=time_limit, seed=seed)


def equivalent_jsonl(
    lines: Iterable[str], context: Any = None, *, time_limit: float = 2.0, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """The ``grader equiv --batch`` loop: JSON lines in, one JSON-able verdict per
    non-blank line out, in order. An invalid line gives ``undetermined`` with
    ``line N: ...`` as the reason."""
    base = _as_context(context)
    contexts: dict[str, Any] = {}  # the same symbols on many lines: build the context once
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            result = Equivalence(
                UNDETERMINED, f"line {number}: invalid JSON: {error.msg}", method="none"
            )
        except RecursionError:
            result = Equivalence(
                UNDETERMINED, f"line {number}: invalid JSON: nested too deeply", method="none"
            )
        else:
            result = _one_item(item, number, base, time_limit, seed, contexts)
            if result.bad_input and result.reason.startswith(f"item {number}: "):
                result.reason = f"line {number}: " + result.reason[len(f"item {number}: ") :]
            elif result.bad_input:
                result.reason = f"line {number}: {result.reason}"
        yield {"line": number, **result.to_dict()}
