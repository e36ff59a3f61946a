"""Expressions printed plainly, the way a student would write them
(``(a2 - y) w2 a1 (1 - a1)``, ``dL/dz2``)."""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.matrices.expressions import (
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Transpose,
)


def short_plain(expr: Any) -> str:
    text = plain(expr)
    return text if len(text) < 60 else text[:57] + "..."


def plain(expr: Any) -> str:
    """Plain text for an expression, as a student would write it
    (``X^T X beta - X^T y``, ``a1 w2 (1 - a1)``).

    SymPy's own printer is avoided: printing a matrix product asks SymPy
    whether it can extract a minus sign, which evaluates the product
    (milliseconds per line, most of a derivation's checking time).
    """

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
    gradient = gradient_parts(expr)
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


def gradient_parts(expr: Any) -> tuple[Any, Any] | None:
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

    text = plain(expr)
    compound = isinstance(expr, (sp.Add, MatAdd)) or (
        strict and isinstance(expr, (sp.Mul, MatMul, sp.Pow))
    )
    if compound or (strict and text.startswith("-")):
        return f"({text})"
    if isinstance(expr, sp.Basic) and expr.is_Rational and expr.q != 1:
        return f"({text})"
    return text
