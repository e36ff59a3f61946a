"""``grader.math.equivalent`` on code-like and plain-text math and on the
logistic family: tables of pairs with the verdict each must get, half of them
traps that must be ``not_equal`` (a transposed product, the inverse of a
non-square matrix, sigma' for sigma^2, 1 - sigma(z) for sigma(1 - z))."""

from __future__ import annotations

import pytest

from grader.math import equivalent

# The exam's notation: X is n x (d+1), sigma is listed as a function.
EXAM = {
    "symbols": {"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1", "w": "(d+1) x 1"},
    "functions": ["sigma"],
    "aliases": {"B": "beta"},
}
# The exam's Q2 context declares sigma with its derivative as well.
DECLARED = {
    "symbols": {"z": "scalar", "p": "scalar"},
    "functions": ["sigma"],
    "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"},
}
LISTED = {"symbols": {"z": "scalar", "p": "scalar"}, "functions": ["sigma"]}

CODE = [
    ("X.T @ X", "X^T X", "equal"),
    ("X.T.dot(X)", r"X^\top X", "equal"),
    ("X.T @ X @ beta - X.T @ y", r"X^T(X\beta - y)", "equal"),
    ("np.linalg.inv(X.T @ X) @ X.T @ y", "(X^T X)^{-1} X^T y", "equal"),
    ("np.linalg.solve(X.T @ X, X.T @ y)", "(X^T X)^{-1} X^T y", "equal"),
    ("np.linalg.lstsq(X, y)", "(X^T X)^{-1} X^T y", "undetermined"),  # not read
    # NumPy's arrays: ** and / entry by entry, a number added to every entry
    ("1 / (1 + np.exp(-X @ beta))", r"\sigma(X\beta)", "equal"),
    ("np.sum((y - X @ beta)**2)", r"\|y - X\beta\|^2", "equal"),
    ("((y - X @ beta)**2).sum()", r"\|y - X\beta\|^2", "equal"),
    ("np.mean((y - X @ beta)**2)", r"\frac{1}{n}\|y - X\beta\|^2", "equal"),
    ("np.mean((y - X @ beta)**2)", r"\|y - X\beta\|^2", "not_equal"),  # trap: no 1/n
    ("np.sum(y - X @ beta)**2", r"\|y - X\beta\|^2", "not_equal"),  # trap: square of sum
    ("1 / (1 + np.exp(X @ beta))", r"\sigma(X\beta)", "not_equal"),  # trap: sign
    ("(X.T @ X)**-1 @ X.T @ y", "(X^T X)^{-1} X^T y", "undetermined"),  # entrywise or inverse?
    ("inv(X^T X) X^T y", "(X^T X)^{-1} X^T y", "equal"),
    ("inverse(X^T X) X^T y", "(X^T X)^{-1} X^T y", "equal"),
    ("(X'X)^{-1} X'y", "(X^T X)^{-1} X^T y", "equal"),
    # a prime on a matrix is a transpose only in a product; w' alone is w's new value
    ("w' = w - X'(Xw - y)", r"w \leftarrow w - X^T(Xw - y)", "equal"),
    ("w' = w + X'(Xw - y)", r"w \leftarrow w - X^T(Xw - y)", "not_equal"),  # trap: ascent
    ("np.dot(X, beta)", r"X\beta", "equal"),
    ("X.dot(B)", r"X\beta", "equal"),
    ("(y - X @ beta).T @ (y - X @ beta)", r"\|y - X\beta\|^2", "equal"),
    ("np.linalg.norm(y - X @ beta)**2", r"\|y - X\beta\|_2^2", "equal"),
    ("2 * X.T @ (X @ beta - y)", r"2X^T(X\beta - y)", "equal"),
    ("X @ X.T", "X^T X", "not_equal"),  # trap: the other product
    ("np.linalg.inv(X) @ y", "(X^T X)^{-1} X^T y", "not_equal"),  # trap: X is not square
    ("np.linalg.inv(X.T @ X) @ X @ y", "(X^T X)^{-1} X^T y", "not_equal"),  # trap: no .T
    ("X.T * X", "X^T X", "not_equal"),  # trap: NumPy's * is entrywise
    ("X.T @ y - X.T @ X @ beta", r"X^T(X\beta - y)", "not_equal"),  # trap: sign
    ("X @ beta.T", r"X \beta", "not_equal"),  # trap: a row, then a shape error
    (r"\frac{1}{n}\mathbf{1}^T y", r"\frac{1}{n} 1_n^T y", "equal"),
    (r"\mathbf{1}^T (y - X\beta)", r"1_n^T y - 1_n^T X \beta", "equal"),
    (r"\mathbf{1}^T y", "y^T y", "not_equal"),  # trap
    (r"X^T (y - X\beta) = \mathbf{0}", r"X^T X \beta = X^T y", "equal"),
]


@pytest.mark.parametrize(("a", "b", "verdict"), CODE, ids=[f"{a} vs {b}" for a, b, _ in CODE])
def test_code_like_math(a, b, verdict):
    result = equivalent(a, b, EXAM)
    assert result.verdict == verdict, result.reason


# Every name declared: an undeclared one makes the comparison undetermined.
INDICES = {"symbols": {k: "scalar" for k in ("eta", "e_j", "x_i", "e_jx", "i")}}

SUBSCRIPTS = [
    (r"\eta e_jx_i", r"\eta x_i e_j", "equal"),
    ("eta e_jx_i", r"\eta e_{j} x_{i}", "equal"),
    (r"\eta e_jx_i", r"\eta e_{jx} i", "not_equal"),  # trap: one-character subscripts
]


@pytest.mark.parametrize(
    ("a", "b", "verdict"), SUBSCRIPTS, ids=[f"{a} vs {b}" for a, b, _ in SUBSCRIPTS]
)
def test_subscripts_without_braces(a, b, verdict):
    result = equivalent(a, b, INDICES)
    assert result.verdict == verdict, result.reason


LOGISTIC = [
    (r"\sigma'(z)", r"\sigma(z)(1 - \sigma(z))", "equal"),
    (r"\sigma'(z)", r"\sigma(z) - \sigma(z)^2", "equal"),
    (r"\sigma'(z)", r"\sigma(z)^2", "not_equal"),  # trap
    (r"\sigma'(z)", r"\sigma(z)", "not_equal"),  # trap
    (r"1 - \sigma(z)", r"\sigma(-z)", "equal"),  # true of the exact logistic only
    (r"1 - \sigma(z)", r"\sigma(1 - z)", "not_equal"),  # trap
    (r"\sigma(z)", r"\frac{1}{1 + e^{-z}}", "equal"),
    (r"\sigma(z)", r"\frac{e^z}{1 + e^z}", "equal"),
    (r"\sigma(z)", r"\frac{1}{1 + e^{z}}", "not_equal"),  # trap
    (r"\sigma(z)", "sigmoid(z)", "equal"),
    (r"\sigma(z)", r"\operatorname{sigmoid}(z)", "equal"),
    (r"\sigma(z)", "expit(z)", "equal"),
    (r"\sigma(0)", r"\frac{1}{2}", "equal"),
    ("softplus(z)", r"\log(1 + e^z)", "equal"),
    (r"\operatorname{softplus}(z)", r"\ln(1 + \exp(z))", "equal"),
    ("softplus'(z)", r"\sigma(z)", "equal"),
    ("softplus(z)", r"\log(1 + e^{-z})", "not_equal"),  # trap
    ("softplus'(z)", r"\sigma(-z)", "not_equal"),  # trap
    ("softplus(z) - softplus(-z)", "z", "equal"),
    ("logit(p)", r"\log\frac{p}{1-p}", "equal"),
    (r"\operatorname{logit}(\sigma(z))", "z", "equal"),
    # p is defined everywhere, the left side only on (0, 1): a person decides
    # unless the context says p is a probability (test_declared_domains)
    (r"\sigma(\operatorname{logit}(p))", "p", "undetermined"),
    ("logit(p)", r"\log\frac{1-p}{p}", "not_equal"),  # trap: sign
    ("logit(p)", r"\sigma(p)", "not_equal"),  # trap: the inverse, not sigma
    (r"\tanh(z)", r"2\sigma(2z) - 1", "equal"),
    (r"\tanh'(z)", r"1 - \tanh^2(z)", "equal"),
    (r"\tanh'(z)", r"1 - \tanh(z)", "not_equal"),  # trap
    (r"\tanh(z)", r"\sigma(z)", "not_equal"),  # trap
]


@pytest.mark.parametrize(
    ("a", "b", "verdict"), LOGISTIC, ids=[f"{a} vs {b}" for a, b, _ in LOGISTIC]
)
@pytest.mark.parametrize("context", [DECLARED, LISTED], ids=["declared", "listed"])
def test_logistic_family(a, b, verdict, context):
    result = equivalent(a, b, context)
    assert result.verdict == verdict, result.reason


def test_a_function_not_named_as_the_logistic_is_any_function():
    context = {"functions": ["f"]}
    assert equivalent("f'(z)", "f(z)(1 - f(z))", context).verdict == "not_equal"
    assert equivalent("1 - f(z)", "f(-z)", context).verdict == "not_equal"


def test_a_formula_in_the_context_wins_over_the_name():
    context = {"functions": ["sigma"], "definitions": {"sigma": "tanh(u)"}}
    assert equivalent(r"\sigma(z)", r"\tanh(z)", context).verdict == "equal"
    assert equivalent(r"\sigma(z)", "sigmoid(z)", context).verdict == "not_equal"


def test_the_logistic_applies_to_every_entry():
    context = {**EXAM, "symbols": {**EXAM["symbols"], "p": "n x 1"}}
    assert equivalent(r"\sigma(X\beta)", "sigmoid(X @ beta)", context).verdict == "equal"
    assert (
        equivalent(r"X^T(\sigma(X\beta) - y)", "X.T @ (expit(X @ beta) - y)", context).verdict
        == "equal"
    )
    ones = r"\mathbf{1} - \sigma(-X\beta)"  # 1 - sigma(-X beta) adds a scalar to a vector
    assert equivalent(r"\sigma(X\beta)", ones, context).verdict == "equal"
    assert equivalent(r"\sigma(X\beta)", r"\sigma(\beta^T X^T)", context).verdict == "not_equal"


# Two sides that agree where both are defined, defined at different points:
# undetermined (a person decides) unless the context declares the domain.
DOMAINS = [
    (r"\log(xy)", r"\log x + \log y", {}, "undetermined"),
    (r"\log(xy)", r"\log x + \log y", {"x": "positive", "y": "positive"}, "equal"),
    (r"\log(xy)", r"\log x + \log y", {"x": "scalar in (0, inf)", "y": "in (0, 5]"}, "equal"),
    (r"\log(xy)", r"\log x - \log y", {"x": "positive", "y": "positive"}, "not_equal"),
    (r"\log(x^2)", r"2\log x", {}, "undetermined"),
    (r"\log(x^2)", r"2\log x", {"x": "positive"}, "equal"),
    (r"\log(x^2)", r"2\log|x|", {}, "equal"),
    (r"\frac{x}{x}", "1", {}, "equal"),  # a removable point is not a domain
    (r"\sigma(\log\frac{p}{1-p})", "p", {"p": "probability", "sigma": "function"}, "equal"),
    (r"\sigma(\log\frac{p}{1-p})", "1 - p", {"p": "probability", "sigma": "function"}, "not_equal"),
    (r"\log(p(1-p))", r"\log p + \log(1 - p)", {}, "equal"),  # the same domain, (0, 1)
    (r"\sqrt{x}\sqrt{y}", r"\sqrt{xy}", {"x": "negative", "y": "negative"}, "not_equal"),
    (r"\sqrt{x}\sqrt{y}", r"\sqrt{xy}", {"x": "positive", "y": "positive"}, "equal"),
]


@pytest.mark.parametrize(
    ("a", "b", "symbols", "verdict"),
    DOMAINS,
    ids=[f"{a} vs {b} with {symbols}" for a, b, symbols, _ in DOMAINS],
)
def test_declared_domains(a, b, symbols, verdict):
    result = equivalent(a, b, {"symbols": symbols} if symbols else None)
    assert result.verdict == verdict, result.reason
    if verdict == "undetermined":
        assert "outside its real domain" in result.reason


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("scalar in (1, 0)", "is empty"),
        ("in (0, one)", "cannot read the bound"),
    ],
)
def test_a_bad_domain_is_a_context_error(spec, message):
    from grader.errors import ContextError
    from grader.math import MathContext

    with pytest.raises(ContextError, match=message):
        MathContext.from_mapping({"symbols": {"x": spec}})
