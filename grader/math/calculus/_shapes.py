"""Shapes of expressions in the context's dimensions (``(d + 1) x 1``), worked out
symbolically."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions import (
    Identity,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixSymbol,
    Transpose,
    ZeroMatrix,
)

from grader.math.calculus._errors import MatrixDivision, ShapeMismatch
from grader.math.calculus._printing import short_plain


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
            raise ShapeMismatch(f"{short_plain(expr.args[0])} is not square, it has no inverse")
        return inner
    if isinstance(expr, MatPow):
        inner = expression_shape(expr.args[0])
        if inner is not None and not _same_dim(inner[0], inner[1]):
            raise ShapeMismatch(f"{short_plain(expr.args[0])} is not square, it has no power")
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
                    f"cannot multiply {_dims(shape)} by {_dims(factor_shape)} in {short_plain(expr)}"
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
                MatrixDivision(f"division by the matrix {short_plain(expr.base)}")
                if (expr.exp.is_negative)
                else ShapeMismatch(f"power of the non-square {short_plain(expr.base)}")
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
