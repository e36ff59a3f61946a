"""SymPy objects the parser builds beyond SymPy's own: named derivative
quantities (``d(L)/d(w1)``) and the unevaluated gradient ``Gradient(expr, wrt)``.

A derivative written by a student (``\\frac{\\partial L}{\\partial w_1}``,
``dL/dw1``, ``\\nabla_\\beta J``) is a *named quantity*, never a fraction: a
fraction would cancel ``\\partial`` against ``\\partial``. The name spells both
parts so that the derivation checker can split it again.
"""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.matrices.expressions.matexpr import MatrixExpr

__all__ = [
    "derivative_symbol",
    "split_derivative_symbol",
    "Gradient",
    "ScalarGradient",
    "MatrixGradient",
    "Differential",
    "ScalarDifferential",
    "MatrixDifferential",
]

_DERIVATIVE_NAME = re.compile(r"^d\((?P<of>.+)\)/d\((?P<wrt>[^()]+)\)$")


def _name_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    return sympy.sstr(value)


def derivative_symbol(
    *,
    of: Any,
    wrt: Any,
    context: Any = None,
    shape: tuple[Any, Any] | None = None,
) -> sympy.Symbol | sympy.MatrixSymbol:
    """The named quantity ``d(of)/d(wrt)``.

    A scalar ``Symbol(real=True)``, or a ``MatrixSymbol`` when a shape is
    known: ``shape`` if given, else the shape of ``wrt`` (the gradient of a
    scalar with respect to a vector is shaped like the vector), else the
    shape of ``of`` (a matrix quantity with respect to a scalar).
    ``of``/``wrt`` may be names or SymPy symbols; a ``MatrixSymbol`` carries
    its own shape.
    """
    of_name = _name_of(of)
    wrt_name = _name_of(wrt)
    if shape is None:
        shape = _shape(wrt, context) or _shape(of, context)
    name = f"d({of_name})/d({wrt_name})"
    if shape is not None and tuple(shape) != (1, 1):
        return sympy.MatrixSymbol(name, *shape)
    return sympy.Symbol(name, real=True)


def _shape(value: Any, context: Any) -> tuple[Any, Any] | None:
    if isinstance(value, MatrixExpr):
        return value.shape
    if context is not None and isinstance(value, str):
        return context.shape_of(value)
    return None


def split_derivative_symbol(symbol: Any) -> tuple[str, str] | None:
    """``d(L)/d(w1)`` -> ``("L", "w1")``; anything else -> ``None``.

    Accepts a Symbol, MatrixSymbol or a name string.
    """
    if isinstance(symbol, (sympy.Symbol, sympy.MatrixSymbol)):
        name = symbol.name
    elif isinstance(symbol, str):
        name = symbol
    else:
        return None
    if not isinstance(name, str):
        return None
    match = _DERIVATIVE_NAME.match(name)
    if match is None:
        return None
    return match.group("of"), match.group("wrt")


class Gradient:
    """The gradient of ``expr`` with respect to ``wrt``, unevaluated.

    ``Gradient(expr, wrt)`` returns a :class:`MatrixGradient` (a SymPy
    ``MatrixExpr`` shaped like ``wrt``) when ``wrt`` is a matrix/vector,
    else a :class:`ScalarGradient` (a SymPy ``Expr``). ``wrt`` may be
    ``None`` when the student wrote ``\\nabla (...)`` with nothing to say
    which variable; the derivation checker may fill it in. Use
    ``isinstance(x, Gradient)`` to recognise either kind.
    """

    def __new__(cls, expr: Any, wrt: Any = None):  # type: ignore[misc]
        if cls is Gradient:
            target = MatrixGradient if isinstance(wrt, MatrixExpr) else ScalarGradient
            return target(expr, wrt)
        return super().__new__(cls)  # pragma: no cover - subclasses define __new__

    @property
    def expr(self) -> Any:
        return self.args[0]  # type: ignore[attr-defined]

    @property
    def wrt(self) -> Any:
        args = self.args  # type: ignore[attr-defined]
        return args[1] if len(args) > 1 else None

    def with_wrt(self, wrt: Any) -> Any:
        """A copy with ``wrt`` set."""
        return Gradient(self.expr, wrt)

    def _sympystr(self, printer: Any) -> str:
        inner = printer._print(self.expr)
        if self.wrt is None:
            return f"Gradient({inner})"
        return f"Gradient({inner}, {printer._print(self.wrt)})"


class ScalarGradient(Gradient, sympy.Expr):
    """Gradient with respect to a scalar (or unknown) variable."""

    is_commutative = True

    def __new__(cls, expr: Any, wrt: Any = None):
        args = (sympy.sympify(expr),) if wrt is None else (sympy.sympify(expr), wrt)
        return sympy.Expr.__new__(cls, *args)


class MatrixGradient(Gradient, MatrixExpr):
    """Gradient with respect to a matrix/vector: shaped like ``wrt``."""

    def __new__(cls, expr: Any, wrt: Any = None):
        return MatrixExpr.__new__(cls, sympy.sympify(expr), wrt)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Gradient has no entries until it is evaluated")


class Differential:
    """The differential ``d\\beta`` of a variable (``dJ = (X\\beta - y)^T X \\, d\\beta``).

    ``Differential(x)`` returns a :class:`MatrixDifferential` (shaped like
    ``x``) for a matrix or vector, else a :class:`ScalarDifferential`. It has no
    value: a statement ``dJ = A \\, d\\beta`` is read as the gradient of J
    (``grader.math._differentials``); anywhere else it makes a line
    impossible to evaluate, never a guess.
    """

    def __new__(cls, variable: Any):  # type: ignore[misc]
        if cls is Differential:
            target = MatrixDifferential if isinstance(variable, MatrixExpr) else ScalarDifferential
            return target(variable)
        return super().__new__(cls)  # pragma: no cover - subclasses define __new__

    @property
    def variable(self) -> Any:
        return self.args[0]  # type: ignore[attr-defined]

    def _sympystr(self, printer: Any) -> str:
        return f"d({printer._print(self.variable)})"


class ScalarDifferential(Differential, sympy.Expr):
    """The differential of a scalar."""

    is_commutative = True

    def __new__(cls, variable: Any):
        return sympy.Expr.__new__(cls, variable)


class MatrixDifferential(Differential, MatrixExpr):
    """The differential of a matrix or vector: shaped like it."""

    def __new__(cls, variable: Any):
        return MatrixExpr.__new__(cls, variable)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a differential has no entries")


def contains_type(expr: Any, *kinds: type) -> bool:
    """Whether a node of ``expr`` is one of ``kinds`` (False for what is not SymPy)."""
    if not isinstance(expr, sympy.Basic):
        return False
    return any(isinstance(node, kinds) for node in sympy.preorder_traversal(expr))


def needs_calculus(expr: Any) -> bool:
    """Whether ``expr`` holds a gradient, a differential or a derivative quantity
    (``d(L)/d(w1)``), in one walk: what the equivalence checker's calculus step
    looks at; most answers have none and skip it."""
    if not isinstance(expr, sympy.Basic):
        return False
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (Gradient, Differential)):
            return True
        if isinstance(node, (sympy.Symbol, sympy.MatrixSymbol)) and "/" in str(node.name):
            if split_derivative_symbol(node) is not None:
                return True
    return False
