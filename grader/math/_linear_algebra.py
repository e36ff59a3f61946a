"""Matrix operations the parser builds beyond ``MatMul``, ``Transpose`` and
``Inverse``, and their numbers.

- the entrywise (Hadamard) product ``a \\odot b``: SymPy's ``HadamardProduct``
  (built as :class:`Hadamard`, which prints ``a ⊙ b``);
- the Moore-Penrose pseudo-inverse ``X^{+}``, ``X^\\dagger``, ``pinv(X)``:
  :class:`PseudoInverse` (for a tall ``X`` of full column rank it is
  ``(X^T X)^{-1} X^T``, and numbers show it);
- the norms that are not a square root of ``v^T v`` or ``tr(X^T X)`` (those
  two are written that way, so SymPy can expand them): :class:`Norm` of
  order 1 or infinity of a vector, and of order 2 of a matrix (the spectral
  norm, the largest singular value: not the Frobenius norm).

:func:`array_node_value` gives the numbers of all three from the numbers of
their arguments; each evaluator calls it from one dispatch line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from sympy.matrices.expressions import DiagMatrix, HadamardPower, HadamardProduct
from sympy.matrices.expressions.matexpr import MatrixExpr

__all__ = ["ARRAY_NODES", "Hadamard", "Norm", "Ones", "PseudoInverse", "array_node_value"]


class PseudoInverse(MatrixExpr):
    """The Moore-Penrose pseudo-inverse of a matrix: ``cols x rows``."""

    def __new__(cls, arg: Any) -> PseudoInverse:
        return MatrixExpr.__new__(cls, sympy.sympify(arg))

    @property
    def arg(self) -> Any:
        return self.args[0]

    @property
    def shape(self) -> tuple[Any, Any]:
        rows, cols = self.arg.shape
        return cols, rows

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a pseudo-inverse has no symbolic entries")

    def _sympystr(self, printer: Any) -> str:
        return f"pinv({printer._print(self.arg)})"

    _grader_plain = _sympystr  # the plain-text printer: reads back as pinv(X)


_ORDER_TEXT = {1: "1", 2: "2"}


class Norm(sympy.Expr):
    """``\\|v\\|_1``, ``\\|v\\|_\\infty`` of a vector; ``\\|X\\|_2`` (spectral) of a matrix.

    ``order`` is 1, 2 or ``oo``. A non-negative real number."""

    is_commutative = True
    is_real = True
    is_extended_real = True
    is_nonnegative = True
    is_extended_nonnegative = True

    def __new__(cls, arg: Any, order: Any) -> Norm:
        return sympy.Expr.__new__(cls, arg, sympy.sympify(order))

    @property
    def arg(self) -> Any:
        return self.args[0]

    @property
    def order(self) -> Any:
        return self.args[1]

    def _sympystr(self, printer: Any) -> str:
        order = "inf" if self.order == sympy.oo else printer._print(self.order)
        return f"||{printer._print(self.arg)}||_{order}"

    _grader_plain = _sympystr


class Hadamard(HadamardProduct):
    """SymPy's ``HadamardProduct``, printed ``a ⊙ b`` (which reads back)."""

    def _sympystr(self, printer: Any) -> str:
        parts = []
        for arg in self.args:
            text = printer._print(arg)
            simple = isinstance(arg, (sympy.MatrixSymbol, sympy.Transpose)) and (
                not isinstance(arg, sympy.Transpose) or isinstance(arg.arg, sympy.MatrixSymbol)
            )
            parts.append(text if simple else f"({text})")
        return " \u2299 ".join(parts)

    def _grader_plain(self, printer: Any) -> str:
        # in parentheses: the printer's products do not know its precedence
        return f"({self._sympystr(printer)})"


class Ones(sympy.OneMatrix):
    """A column (or row) of ones, ``\\mathbf{1}_n``: printed ``1_n`` (SymPy
    prints a ``OneMatrix`` as ``1``, which reads back as a number)."""

    def _sympystr(self, printer: Any) -> str:
        rows, cols = self.shape
        length = rows if cols == 1 else cols
        text = printer._print(length)
        text = text if getattr(length, "is_Atom", True) else "{" + text + "}"
        return f"1_{text}" if cols == 1 else f"1_{text}^T"

    _grader_plain = _sympystr


class Diagonal(DiagMatrix):
    """``diag(s)``: the square matrix with the vector s on its diagonal, printed
    as written (SymPy prints ``DiagMatrix(s)``)."""

    def _sympystr(self, printer: Any) -> str:
        return f"diag({printer._print(self.args[0])})"

    _grader_plain = _sympystr


ARRAY_NODES = (HadamardProduct, HadamardPower, PseudoInverse, Norm, DiagMatrix)


def array_node_value(
    expr: Any,
    matrix_of: Callable[[Any], np.ndarray],
    shape_error: type[Exception],
) -> np.ndarray:
    """The numbers of a node of :data:`ARRAY_NODES`.

    ``matrix_of(arg)`` evaluates an argument as an array whose last two axes
    are its rows and columns (an evaluator's own leading axis of points, if
    any, comes first); a shape error is raised as ``shape_error``. A matrix
    result keeps that layout; a norm is an array of the leading axes.
    """
    if isinstance(expr, HadamardProduct):
        values = [matrix_of(arg) for arg in expr.args]
        total = values[0]
        for arg, value in zip(expr.args[1:], values[1:], strict=True):
            if value.shape[-2:] != total.shape[-2:]:
                raise shape_error(
                    f"an entrywise product of a {_shape(total)} and a {_shape(value)} "
                    f"matrix ({arg}): the shapes differ"
                )
            total = total * value
        return total
    if isinstance(expr, HadamardPower):  # NumPy's M**k: a whole k (the parser's rule)
        exponent = expr.exp
        if not exponent.is_Integer:
            raise TypeError(f"an entrywise power {exponent} is not a whole number")
        with np.errstate(all="ignore"):
            return matrix_of(expr.base) ** int(exponent)
    if isinstance(expr, PseudoInverse):
        return np.linalg.pinv(matrix_of(expr.arg))
    if isinstance(expr, DiagMatrix):  # diag(s): the vector's entries on the diagonal
        value = matrix_of(expr.args[0])
        vector = value[..., :, 0] if value.shape[-1] == 1 else value[..., 0, :]
        return vector[..., :, None] * np.eye(vector.shape[-1], dtype=value.dtype)
    if isinstance(expr, Norm):
        value = matrix_of(expr.arg)
        if expr.order == 2:
            norm = np.linalg.norm(value, ord=2, axis=(-2, -1))
        elif expr.order == 1:
            norm = np.abs(value).sum(axis=(-2, -1))
        else:
            norm = np.abs(value).max(axis=(-2, -1))
        norm = norm.astype(value.dtype)
        return norm if norm.ndim else norm[()]
    raise TypeError(f"not an array node: {type(expr).__name__}")


def _shape(value: np.ndarray) -> str:
    rows, cols = value.shape[-2:]
    return f"{rows} x {cols}"
