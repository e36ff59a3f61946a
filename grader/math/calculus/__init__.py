"""Reference derivatives from a context's definitions, and numbers to compare them.

A context's ``definitions`` (``z1: w1 x + b1``, ``a1: sigma(z1)``, ...) form a
computation graph. :class:`Graph` derives partial derivatives on it with
SymPy, the way backpropagation does: ``partial("L", "z1")`` treats ``z1`` as
an input (its own definition is not expanded) and applies the chain rule over
every path from ``z1`` to ``L``. Results are written in the graph's own names
(``(a2 - y) w2 a1 (1 - a1)``, not nested sigmoids), using the context's
``function_derivatives`` (``sigma' = sigma (1 - sigma)``) so that a function's
derivative is written back in terms of the function.

Matrix calculus uses SymPy's ``MatrixSymbol`` differentiation:
``gradient(1/2 ||y - X beta||^2, beta)`` is ``X^T X beta - X^T y``.

:class:`Evaluator` turns expressions into numbers at random points by the
math engine's one evaluator (:mod:`grader.math.evaluate`, its sampling policy:
signed scalars, values in (0, 1), standard-normal matrices of concrete,
distinct sizes; points that overflow or leave a domain are left out), where
the graph's intermediate names take the values their definitions give. Numbers are what the derivation checker compares: fast, and
a product whose shapes do not agree fails as it should (:class:`ShapeMismatch`)
instead of being silently reordered. Gradients of a student's own expression
are taken numerically by the complex step (exact to rounding for the
analytic expressions met here), so no symbolic work is repeated per sheet.

Layout (private modules, this file is the public face): ``_graph`` the graph
and its partial derivatives, ``_numbers`` the :class:`Evaluator`, ``_shapes``
shapes in the context's dimensions, ``_printing`` plain text of expressions,
``_errors`` what cannot be evaluated (re-exported from the one hierarchy in
:mod:`grader.math.evaluate`).
"""

from __future__ import annotations

from grader.math.calculus._errors import (
    MEANINGLESS_PARSE_ERRORS,
    EvaluationError,
    MatrixDivision,
    ShapeMismatch,
)
from grader.math.calculus._gradients import (
    GradientUnavailable,
    context_key,
    derivative_values,
    graph_for,
)
from grader.math.calculus._graph import Graph
from grader.math.calculus._numbers import Evaluator, nice_number
from grader.math.calculus._printing import plain, short_plain
from grader.math.calculus._shapes import dimensions_text, expression_shape

__all__ = [
    "GradientUnavailable",
    "context_key",
    "derivative_values",
    "dimensions_text",
    "graph_for",
    "plain",
    "short_plain",
    "EvaluationError",
    "Evaluator",
    "Graph",
    "MEANINGLESS_PARSE_ERRORS",
    "MatrixDivision",
    "ShapeMismatch",
    "expression_shape",
    "nice_number",
]
