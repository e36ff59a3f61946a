"""The one numeric evaluator's safety rules (grader.math.evaluate), in
equivalence and in derivation checking alike: signed and complex sampling
tells apart what only agrees for positive values; a point that overflows,
underflows or whose sum absorbs a non-zero term is dropped, never counted as
agreement; 1/0 has no value."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.math.calculus import Evaluator as GraphEvaluator
from grader.math.calculus import Graph
from grader.math.context import MathContext
from grader.math.derivation import check_derivation
from grader.math.equivalence import equivalent
from grader.math.evaluate import Evaluator

SIGMA = {
    "symbols": {"sigma": "function"},
    "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"},
}
SIGMA_FORMULA = {
    "symbols": {"x": "scalar"},
    "functions": ["sigma"],
    "definitions": {"sigma": r"1/(1 + \exp(-u))"},
}
NEVER_EQUAL = {"not_equal", "undetermined"}

# (a, b, context, verdicts allowed)
CASES = [
    # signed and complex values: agreement for positive values only is not equality
    ("|x| + 1", "x + 1", None, {"not_equal"}),
    ("(a^b)^c", "a^{bc}", None, {"not_equal"}),
    (r"\sqrt{x^2}", "x", None, {"not_equal"}),
    ("(x^2)^{1/2}", "x", None, {"not_equal"}),
    (r"\sqrt{x}\sqrt{y}", r"\sqrt{x \cdot y}", None, {"not_equal"}),
    # true identities stay equal
    (r"\log(p^k (1-p)^{n-k})", r"k \log p + (n-k) \log(1-p)", None, {"equal"}),
    (r"\sqrt{x}\sqrt{x}", "x", None, {"equal"}),
    ("x^a x^b", "x^{a+b}", None, {"equal"}),
    ("e^{x} e^{y}", "e^{x+y}", None, {"equal"}),
    (r"\sin^2 x + \cos^2 x", "1", None, {"equal"}),
    ("(x + 1)^2 - x^2 - 2x", "1", None, {"equal"}),
    (r"\sigma(-z)", r"1 - \sigma(z)", SIGMA, {"equal"}),
    (r"\sigma(z)(1 - \sigma(z))", r"\sigma(z)\sigma(-z)", SIGMA, {"equal"}),
    (r"\tanh(z)", r"2\sigma(2z) - 1", SIGMA, {"equal"}),
    # overflow, underflow and absorbed terms are never agreement
    ("x^{6000} - x^{6001}", "x^{5999}", None, NEVER_EQUAL),
    ("x^{6000} - x^{6001} = x^{5999}", "x = x", None, NEVER_EQUAL),
    ("y + e^{-800}", "y", None, NEVER_EQUAL),
    (r"y + \exp(-10^4)", "y", None, NEVER_EQUAL),
    ("y + x^{5000}", "y", None, NEVER_EQUAL),
    ("y + e^{-40}", "y", None, NEVER_EQUAL),
    (r"y + e^{-x^2 - 100}", "y", None, NEVER_EQUAL),
    ("e^{800} + y", "e^{800}", None, NEVER_EQUAL),
    ("(x/100)^{20}", "0", None, NEVER_EQUAL),
    (r"x \cdot e^{-50}", "0", None, NEVER_EQUAL),
    (r"\sigma(800)", "1", SIGMA_FORMULA, NEVER_EQUAL),
    (r"\sigma(x + 800)", "1", SIGMA_FORMULA, NEVER_EQUAL),
    # no value at all: neither equal nor different
    ("1/0", "1/0", None, {"undetermined"}),
    ("x/0", "1/0", None, {"undetermined"}),
]


@pytest.mark.parametrize(
    ("a", "b", "context", "allowed"), CASES, ids=[f"{a} vs {b}" for a, b, _, _ in CASES]
)
def test_equivalence_sampling_and_precision(a, b, context, allowed) -> None:
    result = equivalent(a, b, context)
    assert result.verdict in allowed, result


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("1/0", "1/0", "division by zero"),
        ("x^{6000} - x^{6001} = x^{5999}", "x = x", "too large/small"),
    ],
)
def test_undetermined_says_why(a, b, reason) -> None:
    result = equivalent(a, b)
    assert result.verdict == "undetermined"
    assert reason in result.reason


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=40, max_value=100_000),
    st.sampled_from(["y", "x y + 1", "x^2 - 3", r"\frac{x}{y}", r"\log(x^2 + 1)", "3"]),
    st.sampled_from(["e^{-%d}", r"\exp(-%d)", "x e^{-%d}", "e^{-%d} y^2"]),
)
def test_a_tiny_added_term_is_never_equal(k, base, tiny) -> None:
    """``base + exp(-K)`` differs from ``base`` for every K: the numbers cannot
    see it (the term is absorbed or underflows), so they never say equal."""
    result = equivalent(f"{base} + {tiny % k}", base)
    assert result.verdict != "equal", result


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=40, max_value=5000))
def test_a_tiny_added_term_is_never_equal_on_sympy_objects(k) -> None:
    x, y = sp.symbols("x y", real=True)
    assert equivalent(x * y + sp.exp(-k), x * y).verdict != "equal"
    assert equivalent(x * (1 + sp.exp(-k)), x).verdict != "equal"


# --- the evaluator's own masks -------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "mask"),
    [
        (sp.Symbol("y") + sp.exp(-800), "imprecise"),  # underflow to 0
        (sp.Symbol("y") + sp.exp(-40), "imprecise"),  # absorbed by the sum
        (sp.exp(800) * sp.Symbol("y"), "imprecise"),  # overflow
        (sp.Symbol("x") ** 5000, "imprecise"),  # under- or overflow at every draw
        (1 / (sp.Symbol("x") - sp.Symbol("x", positive=True) * 0), None),  # a fine value
    ],
)
def test_evaluator_marks_points_floats_cannot_carry(expr, mask) -> None:
    evaluator = Evaluator(points=16)
    evaluator.evaluate(expr)
    if mask is None:
        assert evaluator.valid.all()
    else:
        assert not evaluator.valid.any()
        assert getattr(evaluator, mask).all()


def test_evaluator_draws_signed_values_and_values_in_0_1() -> None:
    values = Evaluator(points=64).evaluate(sp.Symbol("x")).real
    assert (values < 0).any() and ((values > 0) & (values < 1)).any() and (values > 1).any()


def test_a_negative_base_takes_the_principal_complex_power() -> None:
    a = sp.Symbol("a")
    evaluator = Evaluator(points=1, overrides={a: np.array([-4.0 + 0j])})
    value = evaluator.evaluate(sp.sqrt(a))
    assert evaluator.valid.all()
    assert np.isclose(value[0], 2j)


# --- derivations use the same evaluator and sampling ----------------------------

CONTEXT = {
    "symbols": {n: "scalar" for n in ("x", "y", "a", "b", "c", "p", "k", "n")},
    "definitions": {
        "J": "|x| + 1",
        "K": "(a^b)^c",
        "M": "y + x^2",
        "l": "k log(p) + (n - k) log(1 - p)",
    },
}

DERIVATIONS = [
    ("$$J = |x| + 1$$\n$$= x + 1$$", {"wrong"}),
    ("$$K = (a^b)^c$$\n$$= a^{b c}$$", {"wrong"}),
    ("$$J = \\sqrt{x^2} + 1$$\n$$= x + 1$$", {"wrong"}),
    ("$$M = y + x^2$$\n$$= y + x^2 + e^{-800}$$", {"wrong", "undetermined"}),
    ("$$M = y + x^2$$\n$$= y + x^2 + e^{-40}$$", {"wrong", "undetermined"}),
    ("$$M = y + x^2$$\n$$= x^2 + y$$", {"correct"}),
    ("$$l = k \\log p + (n - k)\\log(1 - p)$$\n$$= \\log(p^k (1 - p)^{n - k})$$", {"correct"}),
]


@pytest.mark.parametrize(
    ("text", "allowed"), DERIVATIONS, ids=[t.split("\n")[1] for t, _ in DERIVATIONS]
)
def test_derivation_rewrites_use_the_same_sampling(text, allowed) -> None:
    result = check_derivation(text, MathContext.from_mapping(CONTEXT))
    rewrite = [s for s in result.steps if s.line_no == 2][0]
    assert rewrite.status in allowed, rewrite


def test_graph_points_are_signed_and_inside_every_definition() -> None:
    p, k, n, loglik = sp.symbols("p k n l", real=True)
    graph = Graph(
        {"p": p, "k": k, "n": n, "l": loglik},
        {"l": k * sp.log(p) + (n - k) * sp.log(1 - p)},
    )
    evaluator = GraphEvaluator(graph)
    ks = [point[k] for point in evaluator.points]
    assert any(v < 0 for v in ks) and any(v > 0 for v in ks)
    for point in evaluator.points:
        assert 0 < point[p] < 1  # where log(p) and log(1 - p) have values
        assert np.isfinite(point[loglik])
