"""The value of a gradient a student writes: ``\\nabla_\\beta (...)`` of an
expression, and ``\\nabla_\\beta J`` (``d(J)/d(beta)``) of a quantity the context
defines, as an expression without derivatives.

Matrix calculus in denominator layout: the gradient of a scalar with respect
to a matrix or vector has that variable's shape (``\\nabla_\\beta \\frac12
\\|y - X\\beta\\|^2 = X^T (X\\beta - y)``, (d+1) x 1). The derivative is SymPy's
(``MatrixExpr.diff``) on the context's graph (:class:`Graph`: definitions
expanded, the context's function derivatives applied), taken in a worker under
the time limit. What has no gradient in that sense (a vector with respect to a
vector, a Jacobian) or what SymPy cannot differentiate raises
:class:`GradientUnavailable` with the reason, never a guess.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from grader.math.calculus._errors import EvaluationError
from grader.math.calculus._graph import Graph
from grader.math.calculus._printing import short_plain

__all__ = ["GradientUnavailable", "derivative_values", "graph_for", "graph_from_context"]


class GradientUnavailable(EvaluationError):
    """A gradient whose value cannot be computed (the reason says why)."""

    kind = "unsupported"


_GRAPHS: dict[Any, Graph] = {}


def graph_for(context: Any) -> Graph:
    """The context's graph, built once per context (its partials are derived
    once too, and shared by every check with the same context)."""
    key = context_key(context)
    graph = _GRAPHS.get(key) if key is not None else None
    if graph is None:
        graph = graph_from_context(context)
        if key is not None:
            if len(_GRAPHS) > 32:
                _GRAPHS.clear()
            _GRAPHS[key] = graph
    return graph


def context_key(context: Any) -> Any:
    """What makes two contexts give the same graph (None: cannot tell)."""
    if context is None:
        return ("no context",)
    fingerprint = getattr(context, "fingerprint", None)
    if fingerprint is None:
        return None
    return (
        fingerprint,
        tuple(sorted((getattr(context, "function_derivative_sources", {}) or {}).items())),
    )


def graph_from_context(context: Any) -> Graph:
    """The context's symbols and definitions as a :class:`Graph`."""
    symbols: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    if context is not None:
        for name in list(getattr(context, "shapes", {})) + sorted(getattr(context, "scalars", ())):
            symbols[name] = context.symbol(name)
        definitions = dict(context.definitions)
        rules = dict(context.function_derivatives)
        for name in definitions:
            symbols.setdefault(name, context.symbol(name))
        for expr in definitions.values():
            for sym in _free_names(expr):
                symbols.setdefault(sym.name, sym)
    domains = dict(getattr(context, "domains", None) or {})
    return Graph(symbols, definitions, rules, domains)


def _free_names(expr: Any) -> set[Any]:
    if not isinstance(expr, sp.Basic):
        return set()
    return set(expr.free_symbols) | set(expr.atoms(MatrixSymbol))


def derivative_values(
    requests: list[tuple[Any, Any]], context: Any
) -> list[Any | GradientUnavailable]:
    """For each ``(of, wrt)``: the derivative's value, or the reason it has none.

    ``of`` is an expression (the student's ``\\nabla_\\beta (...)``) or a name
    the context defines (``"J"``: backpropagation's partial on the graph, the
    other definitions held as they are). ``wrt`` is a ``Symbol`` or
    ``MatrixSymbol``. Meant to run in a worker (``grader.timelimit``): it calls
    SymPy, which is not bounded.
    """
    graph = graph_from_context(context)
    results: list[Any | GradientUnavailable] = []
    for of, wrt in requests:
        try:
            results.append(_derivative(graph, of, wrt))
        except GradientUnavailable as error:
            results.append(error)
        except (TypeError, ValueError, AttributeError, NotImplementedError, KeyError) as error:
            results.append(
                GradientUnavailable(
                    f"SymPy cannot differentiate {_describe(of)} with respect to {wrt} "
                    f"({type(error).__name__})"
                )
            )
    return results


def _describe(of: Any) -> str:
    return of if isinstance(of, str) else short_plain(of)


def _derivative(graph: Graph, of: Any, wrt: Any) -> Any:
    name = getattr(wrt, "name", None)
    if name not in graph.symbols:
        graph.symbols[name] = wrt  # a variable the context does not declare
        graph._by_object[wrt] = name
    inner = graph.expand(graph.symbols[of] if isinstance(of, str) else of, {name})
    _check_scalar(inner, of, wrt)
    if isinstance(of, str) and graph._all_scalar(of, name):
        value = graph.partial(of, name)  # backpropagation's partial, in the graph's names
    else:
        value = graph.fold(graph.differentiate(inner, wrt))
    shape = _shape_of(value)
    expected = wrt.shape if isinstance(wrt, MatrixSymbol) else _shape_of(inner)
    if tuple(map(sp.sympify, shape)) != tuple(map(sp.sympify, expected)):
        raise GradientUnavailable(
            f"the derivative of {_describe(of)} with respect to {wrt} came out "
            f"{shape[0]} x {shape[1]}, not {expected[0]} x {expected[1]}"
        )
    value = sp.sympify(value)
    if any(
        isinstance(node.expr, MatrixExpr) or node.has(MatrixSymbol)
        for node in value.atoms(sp.Derivative)
    ):
        raise GradientUnavailable(
            f"SymPy left the derivative of {_describe(of)} with respect to {wrt} unevaluated"
        )
    unknown = sorted(
        {
            node.expr.func.__name__
            for node in value.atoms(sp.Derivative)
            if isinstance(node.expr, AppliedUndef)
            and node.expr.func.__name__ not in graph.function_rules
            and node.expr.func.__name__ not in graph.definitions
        }
    )
    if unknown:
        # sigma' of a sigma the context gives no formula or derivative for: any
        # value would be a stand-in's, and a right answer written as
        # sigma (1 - sigma) would lose its mark
        raise GradientUnavailable(
            f"the derivative of {_describe(of)} needs the derivative of {', '.join(unknown)}, "
            "which the context does not give (no formula, no function_derivatives)"
        )
    return value


def _shape_of(expr: Any) -> tuple[Any, Any]:
    return expr.shape if isinstance(expr, MatrixExpr) else (1, 1)


def _check_scalar(inner: Any, of: Any, wrt: Any) -> None:
    """A gradient with respect to a matrix or vector is of a scalar (or a 1x1
    matrix): the gradient of a vector would be a Jacobian, whose layout is a
    convention the student did not state."""
    if not isinstance(wrt, MatrixSymbol) or wrt.shape == (1, 1):
        return
    if isinstance(inner, MatrixExpr) and inner.shape != (1, 1):
        rows, cols = inner.shape
        raise GradientUnavailable(
            f"{_describe(of)} is {rows} x {cols}, not a scalar: its derivative with respect "
            f"to {wrt} is a Jacobian, whose layout is not read"
        )
