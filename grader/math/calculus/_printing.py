"""Expressions printed as plain text for feedback, by the math engine's one
printer (``grader.math.parse.to_plain_text``: ``(a2 - y)*w2*a1*(1 - a1)``,
``dL/dz2``), and the parts of a gradient node."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions import (
    MatrixSymbol,
)


def short_plain(expr: Any) -> str:
    text = plain(expr)
    return text if len(text) < 60 else text[:57] + "..."


def plain(expr: Any) -> str:
    """Plain text for an expression: the math engine's one printer,
    :func:`grader.math.parse.to_plain_text` (``X^T*X*beta - X^T*y``), so the
    values a derivation's feedback shows read like the answers' "read as"."""
    if expr is None:
        return ""
    if isinstance(expr, float):
        return f"{expr:g}"
    if not isinstance(expr, sp.Basic):
        return str(expr)
    from grader.math.parse import to_plain_text  # parse imports the engine's modules

    return to_plain_text(expr)


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
