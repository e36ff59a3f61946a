"""grader.math.equivalence on SymPy objects built directly (the representation
contract), so these tests do not depend on the parser: verdicts, diagnoses,
equations, shapes, determinism, and the three-valued edge cases."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from grader.math.equivalence import Equivalence, equivalent, equivalent_jsonl, equivalent_many
from grader.math.evaluate import Evaluator, ShapeError, choose_sizes

n = sp.Symbol("n", integer=True, positive=True)
d = sp.Symbol("d", integer=True, positive=True)
p = sp.Symbol("p", integer=True, positive=True)
X = sp.MatrixSymbol("X", n, d + 1)
y = sp.MatrixSymbol("y", n, 1)
beta = sp.MatrixSymbol("beta", d + 1, 1)
A = sp.MatrixSymbol("A", n, n)
B = sp.MatrixSymbol("B", n, n)
R = sp.MatrixSymbol("R", n, p)
x, t, a1, a2, w2, lab = sp.symbols("x t a1 a2 w2 lab", real=True)
sigma = sp.Function("sigma")
GRADIENT = X.T * X * beta - X.T * y


def unchecked(*factors):
    """A product SymPy would not build by itself (shapes that do not fit)."""
    return sp.MatMul(*factors, evaluate=False)


EXPRESSIONS = [
    # a, b, verdict, diagnosis
    (X.T * (X * beta - y), GRADIENT, "equal", None),
    (X.T * y - X.T * X * beta, GRADIENT, "not_equal", "sign_flip"),
    (2 * GRADIENT, GRADIENT, "not_equal", "constant_factor"),
    (X.T * X * beta, GRADIENT, "not_equal", "missing_term"),
    (GRADIENT + beta, GRADIENT, "not_equal", "extra_term"),
    (unchecked(X, X.T, beta) - X.T * y, GRADIENT, "not_equal", "shape_mismatch"),
    (X.T * X, X * X.T, "not_equal", "shape_mismatch"),
    (beta.T * beta, beta * beta.T, "not_equal", "shape_mismatch"),
    ((X * beta).T * (X * beta), beta.T * X.T * X * beta, "equal", None),
    ((A * B).T, B.T * A.T, "equal", None),
    (A * B, B * A, "not_equal", "different"),
    ((A * B).I, B.I * A.I, "equal", None),
    ((A.I).T, (A.T).I, "equal", None),
    ((a2 - lab) * w2, (a2 - lab) * w2 * a1 * (1 - a1), "not_equal", "missing_factor"),
    (lab - a2, a2 - lab, "not_equal", "sign_flip"),
    (x**2 + 2 * x + 1, (x + 1) ** 2, "equal", None),
    (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), "equal", None),
    (sp.sqrt(x**2), sp.Abs(x), "equal", None),
    (sp.sqrt(x**2), x, "not_equal", "different"),
    # defined at different points (x, t < 0): a person decides (docs/equivalence.md)
    (sp.log(x * t), sp.log(x) + sp.log(t), "undetermined", None),
    (sp.log(1 - a2) + sp.log(a2), sp.log(a2 - a2**2), "equal", None),
    (sp.Rational("0.5"), sp.Rational(1, 2), "equal", None),
    (sp.Rational("0.33"), sp.Rational(1, 3), "not_equal", "different"),
    (sp.Rational(-1, 2), sp.Rational(1, 2), "not_equal", "sign_flip"),
    (sp.Symbol("X", real=True), x, "not_equal", "different"),
    (sigma(x) * (1 - sigma(x)), sigma(x) - sigma(x) ** 2, "equal", None),
    (sigma(x), sigma(t), "not_equal", "different"),
    (beta.T * beta, (beta.T * beta) + sp.ZeroMatrix(1, 1), "equal", None),
]


@pytest.mark.parametrize(
    "a, b, verdict, diagnosis",
    EXPRESSIONS,
    ids=[f"{i}-{v}-{dg}" for i, (_, _, v, dg) in enumerate(EXPRESSIONS)],
)
def test_expressions(a, b, verdict, diagnosis):
    result = equivalent(a, b)
    assert (result.verdict, result.diagnosis) == (verdict, diagnosis), result.reason


def test_shape_mismatch_names_both_shapes():
    result = equivalent(X.T * X, X * X.T)
    assert result.details == {"a_shape": "(d + 1) x (d + 1)", "b_shape": "n x n"}


def test_malformed_side_says_which_product_fails():
    result = equivalent(unchecked(X, X.T, beta), X.T * y)
    assert result.diagnosis == "shape_mismatch"
    assert result.details["malformed"] == "a"
    assert "X*X.T (n x n) times beta ((d + 1) x 1)" in result.reason


def test_inverse_of_non_square_matrix_is_malformed():
    result = equivalent(X.I * y, (X.T * X).I * X.T * y)
    assert result.diagnosis == "shape_mismatch"
    assert "not square" in result.reason


@pytest.mark.parametrize(
    "a, b, factor",
    [
        (GRADIENT / 2, GRADIENT, "1/2"),
        (3 * x**2, x**2, "3"),
        (-2 * (x + t), x + t, "-2"),
    ],
    ids=["half-matrix", "three", "minus-two"],
)
def test_constant_factor_is_reported(a, b, factor):
    result = equivalent(a, b)
    assert result.diagnosis == "constant_factor"
    assert result.details["factor"] == factor


def test_missing_factor_names_the_factor():
    result = equivalent((a2 - lab) * w2 * a1 * (1 - a1), (a2 - lab) * w2 * a1 * (1 - a1) * x)
    assert result.diagnosis == "missing_factor"
    assert result.details["factor"] == "x"


def test_missing_term_names_the_term():
    result = equivalent(X.T * X * beta, GRADIENT)
    assert result.details["term"] == str(-X.T * y)


EQUATIONS = [
    (sp.Eq(X.T * X * beta, X.T * y), sp.Eq(beta, (X.T * X).I * X.T * y), "equal", None),
    (sp.Eq(GRADIENT, sp.ZeroMatrix(d + 1, 1)), sp.Eq(X.T * X * beta, X.T * y), "equal", None),
    (sp.Eq(beta, X.T * y), sp.Eq(X.T * X * beta, X.T * y), "not_equal", "different"),
    (
        sp.Eq(unchecked(X, X.T, beta), X.T * y, evaluate=False),
        sp.Eq(X.T * X * beta, X.T * y),
        "not_equal",
        "shape_mismatch",
    ),
    (sp.Eq(3 * x - t + 13, 0), sp.Eq(3 * x + 4 * t + 14, 0), "not_equal", "different"),
    (sp.Eq(x, 2), sp.Eq(2, x), "equal", None),
    (sp.Eq(2 * x, 4), sp.Eq(x, 2), "equal", None),
    (sp.Eq(x, 2), sp.Eq(x, -2), "not_equal", "sign_flip"),
    (sp.Eq(x**2, 4), sp.Eq(x, 2), "not_equal", "different"),
    (sp.Eq((x - 1) * (x - 2), 0), sp.Eq(x**2 - 3 * x + 2, 0), "equal", None),
    (sp.Eq(t, 2 * x + 1), sp.Eq(2 * t, 4 * x + 2), "equal", None),
    (sp.Eq(a1, a2 - lab), sp.Eq(a1, lab - a2), "not_equal", "sign_flip"),
]


@pytest.mark.parametrize(
    "a, b, verdict, diagnosis",
    EQUATIONS,
    ids=[f"{i}-{v}-{dg}" for i, (_, _, v, dg) in enumerate(EQUATIONS)],
)
def test_equations(a, b, verdict, diagnosis):
    result = equivalent(a, b)
    assert (result.verdict, result.diagnosis) == (verdict, diagnosis), result.reason


def test_equation_against_expression_is_not_equal_with_reason():
    result = equivalent(sp.Eq(x, 2), x - 2)
    assert result.verdict == "not_equal"
    assert result.reason == "a is an equation, b is an expression"


def test_transcendental_equation_is_undetermined_not_wrong():
    # x^x = 2 and x ln x = ln 2 have the same solution, which neither the
    # numbers nor SymPy can show: undetermined, never not_equal
    result = equivalent(sp.Eq(x**x, 2), sp.Eq(x * sp.log(x), sp.log(2)), time_limit=5)
    assert result.verdict == "undetermined"
    # e^x = 1 has the one real solution x = 0 (SymPy's real solution sets)
    assert equivalent(sp.Eq(sp.exp(x), 1), sp.Eq(x, 0), time_limit=5).verdict == "equal"


def test_too_few_points_in_the_domain_falls_back_to_sympy():
    # log(-x^2 - 1) is never real: no point is inside the domain, so the
    # numbers cannot decide; SymPy shows both sides are the same expression.
    expr = sp.log(-(x**2) - 1)
    result = equivalent(expr, sp.log(-1 - x**2), time_limit=10)
    assert result.verdict == "equal"
    assert result.method == "symbolic"


def test_domain_problem_that_sympy_cannot_settle_is_undetermined():
    result = equivalent(sp.log(-(x**2) - 1), sp.log(-(x**2) - 2), time_limit=10)
    assert result.verdict == "undetermined"
    assert "domain" in result.reason


def test_same_input_same_verdict_and_seed_independence():
    pairs = [(GRADIENT, X.T * (X * beta - y)), ((a2 - lab) * w2, (a2 - lab) * w2 * a1)]
    for a, b in pairs:
        first = [equivalent(a, b, seed=0).to_dict() for _ in range(3)]
        assert first[0] == first[1] == first[2]
        assert {equivalent(a, b, seed=s).verdict for s in range(5)} == {first[0]["verdict"]}


def test_verdict_is_symmetric():
    for a, b, verdict, _ in EXPRESSIONS:
        assert equivalent(b, a).verdict == verdict


def test_to_dict_is_json():
    result = equivalent(X.T * X, X * X.T)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["verdict"] == "not_equal"
    assert data["diagnosis"] == "shape_mismatch"
    assert set(data) == {"verdict", "reason", "diagnosis", "details", "method"}


def test_huge_constant_is_undetermined_bad_input():
    huge = sp.Pow(10, sp.Pow(10, 10, evaluate=False), evaluate=False)
    result = equivalent(huge, sp.Integer(1))
    assert result.verdict == "undetermined"
    assert result.bad_input
    assert "too large" in result.reason


def test_evaluator_sizes_are_distinct_per_dimension_expression():
    dims = {n, d + 1, p, sp.Integer(1)}
    for seed in range(20):
        sizes = choose_sizes(dims, seed)
        values = [sizes[n], sizes[d] + 1, sizes[p]]
        assert len(set(values)) == 3
        assert min(values) >= 2


def test_evaluator_one_by_one_acts_as_scalar_in_products():
    evaluator = Evaluator(sizes=choose_sizes({n, d + 1}))
    value = evaluator.evaluate(sp.MatMul(beta.T * beta, X, evaluate=False))
    assert value.shape[1:] == (evaluator.size(n), evaluator.size(d + 1))
    with pytest.raises(ShapeError):
        evaluator.evaluate(unchecked(X, beta.T))


def test_many_keeps_order_and_reports_bad_items():
    items = [
        {"a": "x", "b": "x"},
        {"a": "x"},
        "not an object",
        {"a": "x", "b": "x", "symbols": ["X"]},
    ]
    results = list(equivalent_many(items[1:]))
    assert [r.verdict for r in results] == ["undetermined"] * 3
    assert results[0].reason == "item 1: missing 'b'"
    assert "expected an object" in results[1].reason
    assert "'symbols' must be an object" in results[2].reason


def test_jsonl_invalid_line_is_undetermined_and_others_answered():
    lines = ['{"a": 1', "", "[1, 2]"]
    out = list(equivalent_jsonl(lines))
    assert [o["line"] for o in out] == [1, 3]
    assert out[0]["reason"].startswith("line 1: invalid JSON: ")
    assert out[1]["reason"].startswith("line 3: expected an object")


def test_equivalence_is_a_plain_result():
    result = Equivalence("equal", "same")
    assert result.is_equal and result.diagnosis is None and result.details == {}


def test_symbolic_step_out_of_time_is_undetermined_with_the_limit():
    # never real anywhere, so the numbers cannot decide and SymPy is asked;
    # a limit far below what simplify needs makes it run out of time
    a = sp.log(-((x + 1) ** 2) - 1)
    b = sp.log(-(x**2) - 2 * x - 2)
    result = equivalent(a, b, time_limit=1e-4)
    assert result.verdict == "undetermined"
    assert result.reason.endswith("the symbolic check timed out after 0.0001s")


@pytest.mark.parametrize(
    "a, b",
    [
        (sp.Rational(333333333333, 10**12) * x, x / 3),
        (x + sp.exp(-30), x),
        (sp.Rational(5000000000001, 10**13) * x, x / 2),
    ],
    ids=["twelve-threes", "tiny-constant", "13th-digit"],
)
def test_differences_below_rounding_are_never_equal(a, b):
    assert equivalent(a, b, time_limit=10).verdict == "not_equal"


def test_large_literal_sizes_get_small_stand_ins():
    big = sp.MatrixSymbol("G", 1000, 500)
    other = sp.MatrixSymbol("H", 500, 3)
    result = equivalent(big.T * big, big * big.T)
    assert result.diagnosis == "shape_mismatch"
    assert result.details == {"a_shape": "500 x 500", "b_shape": "1000 x 1000"}
    assert equivalent((big * other).T, other.T * big.T).verdict == "equal"
    sizes = choose_sizes({sp.Integer(1000), sp.Integer(500), sp.Integer(3)})
    assert set(sizes) == {sp.Integer(500), sp.Integer(1000)}
    assert len({sizes[sp.Integer(500)], sizes[sp.Integer(1000)], 3}) == 3


SIGMA_DECLARED = {
    "symbols": {"sigma": "function"},
    "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"},
}


@pytest.mark.parametrize(
    "a, b, context, verdict",
    [
        (r"\sigma'(z_1)", r"\sigma(z_1)(1 - \sigma(z_1))", SIGMA_DECLARED, "equal"),
        (r"\sigma'(z_1)", r"\sigma(z_1) - \sigma(z_1)^2", SIGMA_DECLARED, "equal"),
        (r"\sigma'(z_1)", r"\sigma(z_1)", SIGMA_DECLARED, "not_equal"),
        # sigma with no formula is the logistic function: sigma' = sigma (1 - sigma)
        (
            r"\sigma'(z_1)",
            r"\sigma(z_1)(1 - \sigma(z_1))",
            {"symbols": {"sigma": "function"}},
            "equal",
        ),
        # any other function without a declaration is any function: f' is not f (1 - f)
        (r"f'(z_1)", r"f(z_1)(1 - f(z_1))", {"symbols": {"f": "function"}}, "not_equal"),
    ],
    ids=["declared", "declared-expanded", "declared-wrong", "sigma", "other"],
)
def test_function_derivatives_from_the_context(a, b, context, verdict):
    assert equivalent(a, b, context).verdict == verdict


P = sp.MatrixSymbol("P", n, p)
Q = sp.MatrixSymbol("Q", p, n)

EVALUATOR_CASES = [
    (sp.Trace(P * Q), sp.Trace(Q * P), "equal"),
    (sp.Trace(P * Q), sp.Trace(P) * sp.Trace(Q), "not_equal"),  # P is not square: no trace
    (sp.Determinant(A * B), sp.Determinant(A) * sp.Determinant(B), "equal"),
    (sp.Determinant(A + B), sp.Determinant(A) + sp.Determinant(B), "not_equal"),
    (A * sp.Identity(n), A, "equal"),
    (sp.Matrix([[x, 1], [0, x]]) ** 2, sp.Matrix([[x**2, 2 * x], [0, x**2]]), "equal"),
    (sp.Matrix([[x, 1], [0, x]]), sp.Matrix([[x, 0], [1, x]]), "not_equal"),
    (sp.Max(x, t), -sp.Min(-x, -t), "equal"),
    (sp.log(x, 2), sp.log(x) / sp.log(2), "equal"),
    (sp.asin(sp.sin(x)), x, "not_equal"),
    (sp.atan(sp.tan(x)), x, "not_equal"),
    (sp.exp(sp.log(x)), x, "equal"),
]


@pytest.mark.parametrize(
    "a, b, verdict",
    EVALUATOR_CASES,
    ids=[f"{i}-{v}" for i, (_, _, v) in enumerate(EVALUATOR_CASES)],
)
def test_evaluator_constructs(a, b, verdict):
    assert equivalent(a, b, time_limit=5).verdict == verdict


LOGISTIC = {"symbols": {"X": "n x p", "beta": "p x 1", "y": "n x 1", "sigma": "function"}}


@pytest.mark.parametrize(
    "a, b, verdict, diagnosis",
    [
        (r"X^T (\sigma(X \beta) - y)", r"X^T \sigma(X \beta) - X^T y", "equal", None),
        (r"X^T (\sigma(X \beta) - y)", r"X^T (y - \sigma(X \beta))", "not_equal", "sign_flip"),
        (r"\exp(X \beta)", r"\exp(\beta^T X^T)", "not_equal", "shape_mismatch"),
        (r"\log(\exp(X \beta))", r"X \beta", "equal", None),
    ],
    ids=["logistic-gradient", "logistic-sign", "row-vs-column", "log-exp"],
)
def test_functions_applied_to_every_entry(a, b, verdict, diagnosis):
    result = equivalent(a, b, LOGISTIC)
    assert (result.verdict, result.diagnosis) == (verdict, diagnosis), result.reason


@pytest.mark.parametrize(
    "a, b, verdict",
    [
        (sp.ImmutableMatrix([[x**2]]), x * x, "equal"),
        (sp.Identity(1) * x, x, "equal"),
        (beta.T * beta + sp.Identity(1), sp.Identity(1) + beta.T * beta, "equal"),
        (sp.ImmutableMatrix([[x, 0]]), x, "not_equal"),
    ],
    ids=["explicit-1x1", "identity-1x1", "1x1-plus-one", "1x2-is-not-scalar"],
)
def test_one_by_one_matrices_equal_their_scalar(a, b, verdict):
    assert equivalent(a, b).verdict == verdict


def test_a_function_defined_by_the_context_is_evaluated_by_its_formula():
    context = {"functions": ["sigma"], "definitions": {"sigma": "1/(1 + exp(-u))"}}
    assert equivalent(r"\sigma(z)", r"\frac{1}{1 + e^{-z}}", context).verdict == "equal"
    assert equivalent(r"\sigma'(z)", r"\sigma(z)(1 - \sigma(z))", context).verdict == "equal"
    assert equivalent(r"\sigma(z)", r"\frac{1}{1 + e^{z}}", context).verdict == "not_equal"
