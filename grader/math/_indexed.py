"""Sums and products over an index (``\\sum_{i=1}^n (y_i - x_i^T\\beta)^2``): the
SymPy node the parser builds, and its numeric value in both evaluators.

A sum binds an index (``i``) and the *tied* symbols its body uses: ``x_i`` is
row i of the declared matrix ``X`` (a column vector), ``y_i`` entry i of the
vector ``y``, ``x_j`` may be column j of ``X`` (see docs/math-context.md). The
node keeps the ties, so it is self-contained: an evaluator needs no context to
compute it, only the values of ``X`` and ``y`` at its points.

Numbers: the body is evaluated once per row, at the concrete sizes the
evaluator already chose for the dimension symbols (``n = 7``), with the tied
symbols bound to that row of their sources, and the results added (or
multiplied). SymPy cannot simplify the node: the symbolic step reports
``undetermined`` for it (:func:`contains_indexed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np
import sympy
from sympy.core.symbol import Str
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.tensor.array.expressions.arrayexpr_derivatives import array_derive

__all__ = [
    "IndexedSum",
    "ScalarIndexedSum",
    "MatrixIndexedSum",
    "Tie",
    "contains_indexed",
    "value_batched",
    "value_at_point",
]

SUM, PRODUCT = "sum", "prod"


class Tie(NamedTuple):
    """``x_i`` (``symbol``) is ``kind`` ("row", "entry", "column") i of ``source``."""

    symbol: Any
    source: Any
    kind: str


class IndexedSum:
    """``op`` (sum or product) of ``body`` over ``index = lower .. upper``.

    ``IndexedSum(body, index, lower, upper, ties, op)`` returns a
    :class:`MatrixIndexedSum` (a ``MatrixExpr`` shaped like the body) for a
    matrix body, else a :class:`ScalarIndexedSum` (an ``Expr``);
    ``isinstance(x, IndexedSum)`` recognises both. ``upper`` is an integer or
    an expression in dimension symbols (``n``); ``ties`` are :class:`Tie`.
    """

    def __new__(  # type: ignore[misc]
        cls,
        body: Any,
        index: sympy.Symbol,
        lower: Any,
        upper: Any,
        ties: Iterable[Tie] = (),
        op: str = SUM,
    ):
        if cls is IndexedSum:
            # a 1x1 body ((y_i - x_i^T beta)^2) is the number it holds: a scalar sum
            matrix = isinstance(body, MatrixExpr) and tuple(body.shape) != (1, 1)
            target = MatrixIndexedSum if matrix else ScalarIndexedSum
            return target(body, index, lower, upper, ties, op)
        return super().__new__(cls)  # pragma: no cover - subclasses define __new__

    @staticmethod
    def _args(body: Any, index: Any, lower: Any, upper: Any, ties: Any, op: Any) -> tuple:
        tie_args = sympy.Tuple(
            *[sympy.Tuple(t[0], t[1], Str(str(t[2]))) for t in ties],
        )
        return (
            sympy.sympify(body),
            index,
            sympy.sympify(lower),
            sympy.sympify(upper),
            tie_args,
            op if isinstance(op, Str) else Str(op),
        )

    @property
    def body(self) -> Any:
        return self.args[0]  # type: ignore[attr-defined]

    @property
    def index(self) -> sympy.Symbol:
        return self.args[1]  # type: ignore[attr-defined]

    @property
    def lower(self) -> Any:
        return self.args[2]  # type: ignore[attr-defined]

    @property
    def upper(self) -> Any:
        return self.args[3]  # type: ignore[attr-defined]

    @property
    def ties(self) -> list[Tie]:
        return [Tie(t[0], t[1], t[2].name) for t in self.args[4]]  # type: ignore[attr-defined]

    @property
    def op(self) -> str:
        return self.args[5].name  # type: ignore[attr-defined]

    @property
    def bound_symbols(self) -> set:
        return {self.index, *(tie.symbol for tie in self.ties)}

    @property
    def free_symbols(self) -> set:
        inner = set(self.body.free_symbols) - self.bound_symbols
        for tie in self.ties:
            inner |= tie.source.free_symbols
        return inner | set(self.upper.free_symbols) | set(self.lower.free_symbols)

    def _eval_derivative(self, s: Any) -> Any:
        """A sum is differentiated term by term with respect to a scalar that
        is not bound by it; anything else is refused, never taken as 0."""
        if s in self.bound_symbols:
            raise NotImplementedError(f"cannot differentiate with respect to the index {s}")
        if s not in self.free_symbols:
            return sympy.S.Zero
        if self.op != SUM:
            raise NotImplementedError("cannot differentiate a product over an index")
        inner = sympy.diff(self.body, s)
        return IndexedSum(inner, self.index, self.lower, self.upper, self.ties, SUM)

    def _sympystr(self, printer: Any) -> str:
        sign = "sum" if self.op == SUM else "prod"
        return (
            f"{sign}({printer._print(self.body)}, "
            f"{self.index} = {printer._print(self.lower)}..{printer._print(self.upper)})"
        )


class ScalarIndexedSum(IndexedSum, sympy.Expr):
    """A sum (product) of scalars: a scalar."""

    is_commutative = True

    def __new__(cls, body, index, lower, upper, ties=(), op=SUM):  # noqa: ANN001
        return sympy.Expr.__new__(cls, *IndexedSum._args(body, index, lower, upper, ties, op))


class MatrixIndexedSum(IndexedSum, MatrixExpr):
    """A sum of matrices (``\\sum_i x_i x_i^T``): shaped like its body."""

    def __new__(cls, body, index, lower, upper, ties=(), op=SUM):  # noqa: ANN001
        return MatrixExpr.__new__(cls, *IndexedSum._args(body, index, lower, upper, ties, op))

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a sum over an index has no entries until it is evaluated")


def _no_matrix_derivative(expr: Any, x: Any) -> Any:
    raise NotImplementedError("SymPy cannot differentiate a sum over an index by a matrix")


_SCALAR_LEAF_DERIVATIVE = array_derive.dispatch(sympy.Expr)


def _scalar_leaf_derivative(expr: Any, x: Any) -> Any:
    """SymPy's matrix calculus takes any scalar it cannot look into (``log(s)``,
    ``s + 1``, ``sqrt(s)``) as a constant, derivative 0. Around a sum over an
    index that would be a silent wrong truth: refuse, so the checker says it
    cannot decide. Anything else keeps SymPy's behaviour."""
    if contains_indexed(expr):
        _no_matrix_derivative(expr, x)
    return _SCALAR_LEAF_DERIVATIVE(expr, x)


# Registered once, at import: a sum node (or a scalar around one) is never
# differentiated by a matrix as if it were a constant.
array_derive.register(ScalarIndexedSum)(_no_matrix_derivative)
array_derive.register(MatrixIndexedSum)(_no_matrix_derivative)
array_derive.register(sympy.Expr)(_scalar_leaf_derivative)


def contains_indexed(expr: Any) -> bool:
    """Whether ``expr`` holds a sum or product over an index anywhere."""
    if isinstance(expr, IndexedSum):
        return True
    return isinstance(expr, sympy.Basic) and any(
        isinstance(node, IndexedSum) for node in sympy.preorder_traversal(expr)
    )


# --------------------------------------------------------------------- numbers


def _fold(
    node: IndexedSum,
    count: int,
    sources: dict[Any, Any],
    take: Callable[[Any, str, int], Any],
    body_at: Callable[[dict[Any, Any]], Any],
    index_value: Callable[[int], Any],
) -> Any:
    """``op`` over the rows ``r = 0 .. count - 1`` of ``body_at(bindings)``."""
    lower = int(node.lower)
    total = None
    for row in range(count):
        bindings = {node.index: index_value(lower + row)}
        for tie in node.ties:
            bindings[tie.symbol] = take(sources[tie.source], tie.kind, row)
        value = body_at(bindings)
        if total is None:
            total = value
        elif node.op == SUM:
            total = total + value
        else:
            total = total * value
    return total


def _count(node: IndexedSum, size: Callable[[Any], int]) -> int:
    lower = node.lower
    if not lower.is_Integer:
        raise ValueError(f"the sum over {node.index} starts at {lower}, not a whole number")
    upper = node.upper
    last = int(upper) if upper.is_Integer else size(upper)
    return last - int(lower) + 1


def value_batched(evaluator: Any, node: IndexedSum) -> np.ndarray:
    """The value in :class:`grader.math.evaluate.Evaluator` (arrays with the
    points first: ``(k,)`` scalars, ``(k, r, c)`` matrices).

    Vectorised over the rows: one inner evaluator holds ``count`` copies of
    the ``k`` points (its ``tile``, so every other symbol takes the same
    values in each copy), copy ``r`` with ``x_i`` bound to row ``r``; the
    copies are then added (multiplied)."""
    from grader.math.evaluate import Evaluator, ShapeError, Unsupported

    try:
        count = _count(node, evaluator.size)
    except ValueError as error:
        raise Unsupported(str(error)) from None
    if count < 1:
        raise Unsupported(f"the sum over {node.index} has no terms")
    points = evaluator.points
    bindings: dict[Any, np.ndarray] = {}
    for tie in node.ties:
        source = evaluator._matrix(tie.source)  # (k, rows, cols)
        _check_rows(source, tie, count, axis=1, error=ShapeError)
        if tie.kind == "entry":
            stacked = source[:, :, 0].T  # (count, k)
        elif tie.kind == "row":
            stacked = np.transpose(source, (1, 0, 2))[:, :, :, None]  # (count, k, cols, 1)
        else:
            stacked = np.transpose(source, (2, 0, 1))[:, :, :, None]  # (count, k, rows, 1)
        bindings[tie.symbol] = np.ascontiguousarray(
            stacked.reshape(count * points, *stacked.shape[2:])
        )
    first = int(node.lower)
    bindings[node.index] = np.repeat(np.arange(first, first + count), points).astype(complex)
    # values the caller fixed (an unknown varied across copies) repeat in every copy
    repeated = {key: np.concatenate([value] * count) for key, value in evaluator.overrides.items()}
    inner = Evaluator(
        points=count * points,
        seed=evaluator.seed,
        draw=evaluator.draw,
        tile=evaluator.tile * count,
        sizes=evaluator.sizes,
        definitions=evaluator.definitions,
        functions=evaluator.functions,
        overrides={**repeated, **bindings},
        opaque=evaluator.opaque,
        domains=evaluator.domains,
        resolve=evaluator.resolve,  # the derivation checker's derivative quantities
    )
    value = inner.evaluate(node.body)
    if value.ndim == 1:
        value = np.broadcast_to(value, (count * points,))
    per_row = value.reshape(count, points, *value.shape[1:])
    evaluator.invalidate(~inner.valid.reshape(count, points).all(axis=0))
    evaluator.condition = np.maximum(
        evaluator.condition, inner.condition.reshape(count, points).max(axis=0)
    )
    if per_row.ndim == 4 and not isinstance(node, MatrixExpr):
        per_row = per_row[:, :, 0, 0]  # a 1x1 body in a scalar sum
    with np.errstate(all="ignore"):
        return per_row.sum(axis=0) if node.op == SUM else per_row.prod(axis=0)


def value_at_point(walker: Any, node: IndexedSum) -> Any:
    """The value in the derivation checker's evaluator
    (:mod:`grader.math.calculus`): one point at a time, plain arrays."""
    from grader.math.evaluate import EvaluationError, ShapeMismatch

    dims = walker.evaluator.dims

    def size(dim: Any) -> int:
        value = sympy.sympify(dim).subs(dims)
        if not value.is_Integer:
            raise ValueError(f"no size for {dim}")
        return int(value)

    try:
        count = _count(node, size)
    except ValueError as error:
        raise EvaluationError(str(error)) from None
    sources = {}
    for tie in node.ties:
        value = np.asarray(walker.walk(tie.source))
        if value.ndim != 2:
            raise ShapeMismatch(f"{tie.source} has no rows to sum over")
        sources[tie.source] = value
        _check_rows(value[None], tie, count, axis=1, error=ShapeMismatch)

    def take(value: np.ndarray, kind: str, row: int) -> Any:
        if kind == "entry":
            return value[row, 0]
        if kind == "row":
            return value[row, :].reshape(-1, 1)
        return value[:, row].reshape(-1, 1)

    def body_at(bindings: dict[Any, Any]) -> Any:
        inner = type(walker)(walker.evaluator, {**walker.point, **bindings}, walker.resolve)
        value = inner.walk(node.body)
        if not isinstance(node, MatrixExpr) and np.size(value) == 1:
            return np.asarray(value).reshape(-1)[0]  # a 1x1 body in a scalar sum
        return value

    if count < 1:
        raise EvaluationError(f"the sum over {node.index} has no terms")
    return _fold(node, count, sources, take, body_at, float)


def _check_rows(value: np.ndarray, tie: Tie, count: int, *, axis: int, error: type) -> None:
    """The sum runs over as many rows (columns) as its tied source has."""
    along = value.shape[2] if tie.kind == "column" else value.shape[axis]
    if along != count:
        what = "columns" if tie.kind == "column" else "rows"
        raise error(
            f"a sum with {count} terms binds {tie.symbol} to {tie.source}, which has {along} {what}"
        )
