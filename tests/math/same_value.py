"""``same_value``: whether two parsed expressions have the same mathematical
value, for tests that compare the parser's output with an expected form.
Matrices are made explicit with fixed integer entries (by name), so two forms
of one product compare equal and a transposed or reordered one does not."""

from __future__ import annotations

import sympy
from sympy import MatrixSymbol, Symbol

from grader.math import Gradient

# Concrete sizes for the dimension symbols the tests use.
DIMENSIONS = {
    Symbol(name, integer=True, positive=True): size
    for name, size in {"n": 3, "p": 2, "d": 2}.items()
}


def explicit(expr):
    """``expr`` with dimensions made concrete and every matrix symbol replaced
    by a fixed integer matrix (diagonally dominant, so square ones invert)."""
    expr = sympy.sympify(expr).subs(DIMENSIONS)
    replacements = {}
    for matrix in expr.atoms(MatrixSymbol):
        rows, cols = (int(k) for k in matrix.shape)
        seed = sum(ord(ch) for ch in matrix.name)
        replacements[matrix] = sympy.ImmutableMatrix(
            rows,
            cols,
            [
                ((seed * 7 + 3 * i) % 11) - 5 + (20 if i % (cols + 1) == 0 else 0)
                for i in range(rows * cols)
            ],
        )
    value = expr.xreplace(replacements).doit()
    return value.as_explicit() if isinstance(value, sympy.MatrixExpr) else value


def same_value(got, want) -> bool:
    if isinstance(got, Gradient) or isinstance(want, Gradient):
        return type(got) is type(want) and got.wrt == want.wrt and same_value(got.expr, want.expr)
    if isinstance(got, sympy.MatrixExpr) != isinstance(want, sympy.MatrixExpr):
        return False
    if isinstance(got, sympy.MatrixExpr) and got.shape != want.shape:
        return False
    difference = explicit(got) - explicit(want)
    if isinstance(difference, sympy.MatrixBase):
        return all(sympy.simplify(entry) == 0 for entry in difference)
    return sympy.simplify(difference) == 0
