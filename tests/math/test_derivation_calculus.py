"""Reference derivatives on a computation graph (grader.math.calculus)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.math.calculus import Evaluator, Graph, ShapeMismatch, expression_shape

R = {name: sp.Symbol(name, real=True) for name in "x y w1 b1 w2 b2 z1 a1 z2 a2 L u".split()}
SIGMA = sp.Function("sigma")


def _network() -> Graph:
    s = R
    return Graph(
        {name: s[name] for name in "x y w1 b1 w2 b2 z1 a1 z2 a2 L".split()},
        {
            "z1": s["w1"] * s["x"] + s["b1"],
            "a1": SIGMA(s["z1"]),
            "z2": s["w2"] * s["a1"] + s["b2"],
            "a2": SIGMA(s["z2"]),
            "L": -(s["y"] * sp.log(s["a2"]) + (1 - s["y"]) * sp.log(1 - s["a2"])),
        },
        {"sigma": sp.Lambda(s["u"], SIGMA(s["u"]) * (1 - SIGMA(s["u"])))},
    )


def _least_squares() -> tuple[Graph, dict]:
    n, d = sp.symbols("n d", integer=True, positive=True)
    X = sp.MatrixSymbol("X", n, d + 1)
    y = sp.MatrixSymbol("y", n, 1)
    beta = sp.MatrixSymbol("beta", d + 1, 1)
    J = sp.Symbol("J", real=True)
    graph = Graph(
        {"X": X, "y": y, "beta": beta, "J": J},
        {"J": sp.Rational(1, 2) * (y - X * beta).T * (y - X * beta)},
    )
    return graph, {"X": X, "y": y, "beta": beta}


a1, a2, w2, x, y = (R[n] for n in ("a1", "a2", "w2", "x", "y"))
BACKPROP = [
    ("z2", a2 - y),
    ("w2", (a2 - y) * a1),
    ("b2", a2 - y),
    ("a1", (a2 - y) * w2),
    ("z1", (a2 - y) * w2 * a1 * (1 - a1)),
    ("w1", (a2 - y) * w2 * a1 * (1 - a1) * x),
    ("b1", (a2 - y) * w2 * a1 * (1 - a1)),
]


@pytest.mark.parametrize(("wrt", "expected"), BACKPROP, ids=[w for w, _ in BACKPROP])
def test_backprop_partials_in_the_graphs_names(wrt: str, expected: sp.Expr) -> None:
    assert sp.simplify(_network().partial("L", wrt) - expected) == 0


@pytest.mark.parametrize(("wrt", "expected"), BACKPROP, ids=[w for w, _ in BACKPROP])
def test_partials_agree_with_numeric_differentiation(wrt: str, expected: sp.Expr) -> None:
    graph = _network()
    evaluator = Evaluator(graph)
    for point in evaluator.points:
        symbolic = evaluator.value(graph.partial("L", wrt), point)
        numeric = evaluator.gradient_value(graph.symbols["L"], graph.symbols[wrt], point)
        assert np.isclose(symbolic, numeric, rtol=1e-9)


def test_local_derivatives_and_graph_structure() -> None:
    graph = _network()
    assert graph.local("z2", "w2") == a1
    assert sp.simplify(graph.local("a1", "z1") - a1 * (1 - a1)) == 0
    assert graph.is_sink("L") and not graph.is_sink("a2")
    assert graph.is_local("z2", "w2") and not graph.is_local("L", "z2")
    assert graph.children("a1") == ["z2"]
    assert graph.depends_on("L", "w1") and not graph.depends_on("z1", "w2")


def test_matrix_gradient_of_least_squares() -> None:
    graph, m = _least_squares()
    gradient = graph.partial("J", "beta")
    assert gradient.shape == m["beta"].shape
    expected = m["X"].T * m["X"] * m["beta"] - m["X"].T * m["y"]
    evaluator = Evaluator(graph)
    for point in evaluator.points:
        assert np.allclose(evaluator.value(gradient, point), evaluator.value(expected, point))


def test_gradient_of_an_explicit_expression_by_complex_step() -> None:
    graph, m = _least_squares()
    X, y, beta = m["X"], m["y"], m["beta"]
    expanded = sp.Rational(1, 2) * (y.T * y - 2 * beta.T * X.T * y + beta.T * X.T * X * beta)
    evaluator = Evaluator(graph)
    point = evaluator.points[0]
    numeric = evaluator.gradient_value(expanded, beta, point)
    exact = evaluator.value(X.T * X * beta - X.T * y, point)
    assert np.allclose(numeric, exact, rtol=1e-12)


def test_sizes_are_distinct_and_tall() -> None:
    graph, _ = _least_squares()
    dims = Evaluator(graph).dims
    sizes = {str(k): v for k, v in dims.items()}
    assert sizes["n"] > sizes["d"] + 1  # X is tall, so X^T X is invertible


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda m: m["X"] * m["X"].T * m["beta"], "cannot multiply"),
        (lambda m: m["X"].I * m["y"], "not square"),
        (lambda m: m["beta"] + m["y"], "cannot add"),
    ],
    ids=["x-xt-beta", "inverse-of-x", "add-shapes"],
)
def test_shape_mismatches_are_caught(build, problem: str) -> None:
    graph, m = _least_squares()
    expr = build(m)
    with pytest.raises(ShapeMismatch, match=problem):
        expression_shape(expr)
    evaluator = Evaluator(graph)
    with pytest.raises(ShapeMismatch):
        evaluator.value(expr, evaluator.points[0])


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=-3, max_value=3), st.floats(min_value=-3, max_value=3))
def test_sigmoid_rule_matches_the_logistic_function(w: float, b: float) -> None:
    """The numeric sigma is the logistic function, whose derivative is the declared rule."""
    graph = _network()
    evaluator = Evaluator(graph)
    u = R["u"]
    point = {u: complex(w * 0.5 + b)}
    expr = graph.differentiate(SIGMA(u), u)  # sigma(u) (1 - sigma(u))
    value = evaluator.value(expr, point)
    logistic = 1 / (1 + np.exp(-(w * 0.5 + b)))
    assert np.isclose(value, logistic * (1 - logistic))
