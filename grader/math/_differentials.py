"""A statement in differentials read as the gradient it states:
``dJ = (X\\beta - y)^T X \\, d\\beta`` says that the gradient of J with respect to
beta is ``X^T (X\\beta - y)``, the transpose of what multiplies ``d\\beta``.

The right side must be linear in one differential, written in the forms of
matrix calculus (denominator layout, ``G`` shaped like the variable ``W``):

=========================================  =============================
written                                    gradient
=========================================  =============================
``A \\, dW \\, B`` (a scalar), ``tr(A dW B)``  ``A^T B^T``
``A \\, dW^T B``, ``tr(A dW^T B)``           ``B A``
``c \\, dz`` (z a scalar)                   ``c``
sums of these, scalar factors              the sum, the factors kept
=========================================  =============================

Anything else (a term without the differential, two differentials in one
term, a differential inside a function) is not read: the line keeps its
differentials, which have no value, so it is never judged on a guess.
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.matrices.expressions import MatrixExpr

from grader.math._nodes import Differential, contains_type, derivative_symbol
from grader.math._syntax import matadd, matmul, transpose_of

__all__ = ["gradient_from_differentials", "has_differential"]


def has_differential(expr: Any) -> bool:
    return contains_type(expr, Differential)


def gradient_from_differentials(
    terms: list[Any], context: Any, *, continues: bool = False
) -> tuple[list[Any], str | None]:
    """``[dJ, A dW]`` -> ``[d(J)/d(W), A^T]`` and a note saying how it was read;
    ``terms`` unchanged (and no note) when they are not such a statement.

    A chain ``dJ = A dW = B dW`` gives each member's gradient; a line that
    continues the previous one (``= B \\, dW``, ``continues``) has no
    ``dJ`` of its own: its members are read as gradients when each is a form
    in the same differential."""
    if continues:
        of = None
        forms = list(terms)
    elif len(terms) >= 2 and isinstance(terms[0], Differential):
        of = terms[0].variable
        forms = list(terms[1:])
        if isinstance(of, MatrixExpr) and of.shape != (1, 1):
            return terms, None
    else:
        return terms, None
    variables = {
        node.variable
        for form in forms
        if isinstance(form, sympy.Basic)
        for node in sympy.preorder_traversal(form)
        if isinstance(node, Differential)
    }
    if len(variables) != 1:
        return terms, None
    (variable,) = variables
    if variable == of:
        return terms, None
    expected = variable.shape if isinstance(variable, MatrixExpr) else (1, 1)
    gradients = []
    for form in forms:
        gradient = _gradient(form, Differential(variable))
        if gradient is None or has_differential(gradient):
            return terms, None
        shape = gradient.shape if isinstance(gradient, MatrixExpr) else (1, 1)
        if tuple(shape) != tuple(expected):
            return terms, None
        gradients.append(gradient)
    if of is None:
        note = f"read ... d{variable} as a gradient with respect to {variable}"
        return gradients, note
    quantity = derivative_symbol(of=of, wrt=variable, context=context)
    note = f"read d{of} = ... d{variable} as the gradient of {of} with respect to {variable}"
    return [quantity, *gradients], note


def _gradient(expr: Any, differential: Any) -> Any | None:
    """The gradient of the linear form ``expr`` of ``differential`` (see the table)."""
    if expr == differential:
        return sympy.S.One
    if isinstance(expr, (sympy.Add, sympy.MatAdd)):
        parts = [_gradient(term, differential) for term in expr.args]
        if any(part is None for part in parts):
            return None  # a term without the differential: not a differential form
        return _sum(parts)
    if isinstance(expr, sympy.Trace):
        return _gradient_of_product(_factors(expr.arg), differential)
    if isinstance(expr, (sympy.Mul, sympy.MatMul)):
        return _gradient_of_product(_factors(expr), differential)
    return None


def _factors(expr: Any) -> list[Any]:
    return list(expr.args) if isinstance(expr, (sympy.Mul, sympy.MatMul)) else [expr]


def _gradient_of_product(factors: list[Any], differential: Any) -> Any | None:
    holding = [i for i, f in enumerate(factors) if f.has(differential)]
    if len(holding) != 1:
        return None
    (k,) = holding
    before, factor, after = factors[:k], factors[k], factors[k + 1 :]
    if isinstance(factor, (sympy.Add, sympy.MatAdd)):  # A (dW B + C dW) D: distribute
        parts = [
            _gradient_of_product([*before, *_factors(term), *after], differential)
            for term in factor.args
        ]
        if any(part is None for part in parts):
            return None
        return _sum(parts)
    if not isinstance(differential, MatrixExpr):
        if factor != differential:
            return None
        return _product([*before, *after])  # c dz: the coefficient
    if factor == differential:  # A dW B: A^T B^T
        return _product([transpose_of(_product(before)), transpose_of(_product(after))])
    if isinstance(factor, sympy.Transpose) and factor.arg == differential:  # A dW^T B: B A
        return _product([_product(after), _product(before)])
    return None


def _product(factors: list[Any]) -> Any:
    factors = [f for f in factors if f != 1]
    if not factors:
        return sympy.S.One
    if len(factors) == 1:
        return factors[0]
    if any(isinstance(f, MatrixExpr) for f in factors):
        return matmul(*factors)
    return sympy.Mul(*factors)


def _sum(parts: list[Any]) -> Any:
    if any(isinstance(p, MatrixExpr) for p in parts):
        return matadd(*parts)
    return sympy.Add(*parts)
