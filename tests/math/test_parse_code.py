"""Code-like and plain-text math (grader/math/_code.py and the notation around
it): NumPy (``X.T @ X``, ``np.linalg.inv``), ``inv(...)``, ``X'X``,
``X^{+}``, vectors of ones and zeros, subscripts without braces, and the
logistic family, as tables of text -> the value it means, and text -> the
reason it is refused."""

from __future__ import annotations

import pytest
import sympy
from sympy import Function, MatrixSymbol, OneMatrix, Symbol, exp, log

from grader.math import MathContext, MathParseError, parse_math
from grader.math._linear_algebra import PseudoInverse
from tests.math.same_value import same_value as same

n = Symbol("n", integer=True, positive=True)
p = Symbol("p", integer=True, positive=True)
X = MatrixSymbol("X", n, p)
A = MatrixSymbol("A", n, n)
beta = MatrixSymbol("beta", p, 1)
y = MatrixSymbol("y", n, 1)
a = MatrixSymbol("a", n, 1)
b = MatrixSymbol("b", n, 1)
z, eta, bias, t = (Symbol(k, real=True) for k in ("z", "eta", "b0", "t"))
e_j, x_i = Symbol("e_j", real=True), Symbol("x_i", real=True)
sigma = Function("sigma")

CTX = MathContext.from_mapping(
    {
        "symbols": {
            "X": "n x p",
            "A": "n x n",
            "beta": "p x 1",
            "y": "n x 1",
            "a": "n x 1",
            "b": "n x 1",
        },
        "functions": ["sigma"],
    }
)


def value(text: str, context: MathContext | None = CTX):
    line = parse_math(text, context)
    assert line.kind == "expression", (line.kind, [str(t) for t in line.terms])
    return line.terms[0]


def logistic(u):
    return 1 / (1 + exp(-u))


OLS = (X.T * X).I * X.T * y

CODE_PAIRS = [
    ("X.T @ X", X.T * X),
    ("X.T@X", X.T * X),
    ("X.T.dot(X)", X.T * X),
    ("X.transpose() @ y", X.T * y),
    ("np.transpose(X) @ y", X.T * y),
    ("np.linalg.inv(X.T @ X) @ X.T @ y", OLS),
    ("numpy.linalg.inv(X.T.dot(X)).dot(X.T).dot(y)", OLS),
    ("la.inv(X.T @ X) @ (X.T @ y)", OLS),
    ("np.dot(X, beta)", X * beta),
    ("np.matmul(X, beta)", X * beta),
    ("X.dot(beta)", X * beta),
    ("inv(X^T X) X^T y", OLS),
    (r"inv(X^{T} X) X^{T} y", OLS),  # LaTeX: inv is a word, not i n v
    (r"\operatorname{inv}(X^T X) X^T y", OLS),
    ("inverse(X^T X) X^T y", OLS),
    ("(X^T X)**(-1) X^T y", OLS),
    ("z**2", z**2),
    ("np.exp(z)", exp(z)),
    ("np.log(z) + math.log(z)", 2 * log(z)),
    ("np.trace(A)", sympy.Trace(A)),
    ("np.outer(a, b)", a * b.T),
    ("np.inner(a, b)", a.T * b),
    # np.dot of two vectors of one length: NumPy's 1-D inner product
    ("np.dot(a, b)", a.T * b),
    ("a.dot(b)", a.T * b),
    ("np.linalg.norm(y - X @ beta)**2", (y - X * beta).T * (y - X * beta)),
    ("np.linalg.solve(X.T @ X, X.T @ y)", OLS),
    ("np.sum(y)", OneMatrix(1, n) * y),
    ("y.sum()", OneMatrix(1, n) * y),
    ("np.sum(X)", OneMatrix(1, n) * X * OneMatrix(p, 1)),
    ("y.mean()", OneMatrix(1, n) * y / n),
    ("np.sum(y**2)", y.T * y),  # NumPy's ** squares the entries
    ("np.sum(a * b)", a.T * b),
    ("1 + a.T @ X", OneMatrix(1, p) + a.T * X),  # NumPy adds a number to every entry
    # a prime on a matrix is its transpose (econometrics); on a group too
    ("X'X", X.T * X),
    (r"(X'X)^{-1}X'y", OLS),
    (r"(y - X\beta)'(y - X\beta)", (y - X * beta).T * (y - X * beta)),
    # the pseudo-inverse
    ("X^{+}", PseudoInverse(X)),
    (r"X^\dagger y", PseudoInverse(X) * y),
    (r"X^{\dagger}", PseudoInverse(X)),
    ("X^+ y", PseudoInverse(X) * y),
    ("np.linalg.pinv(X) @ y", PseudoInverse(X) * y),
    ("pinv(X)", PseudoInverse(X)),
    # vectors of ones and zeros: the length from the subscript or the other operand
    (r"\mathbf{1}_n", OneMatrix(n, 1)),
    ("1_n", OneMatrix(n, 1)),
    (r"\mathbf{1}^T y", OneMatrix(1, n) * y),
    (r"\mathbb{1}^T y", OneMatrix(1, n) * y),
    (r"\boldsymbol{1}^\top y", OneMatrix(1, n) * y),
    (r"\mathbf{1_n}^T y", OneMatrix(1, n) * y),
    (
        r"\frac{1}{n} 1_n^T (y - X\beta)",
        OneMatrix(1, n) * (y - X * beta) / n,
    ),
    (r"X\beta + b_0 \mathbf{1}", X * beta + bias * OneMatrix(n, 1)),
    (r"y - \mathbf{0}", y),
    # subscripts without braces take one character, as in TeX
    (r"\eta e_jx_i", eta * e_j * x_i),
    ("eta e_jx_i", eta * e_j * x_i),
    (r"\eta e_{j}x_{i}", eta * e_j * x_i),
]


@pytest.mark.parametrize(("text", "expected"), CODE_PAIRS, ids=[t for t, _ in CODE_PAIRS])
def test_code_like_pairs(text, expected):
    got = value(text)
    if isinstance(expected, PseudoInverse) or expected.has(PseudoInverse):
        assert got == expected, f"{text!r} read as {got}"
    else:
        assert same(got, expected), f"{text!r} read as {got}, expected {expected}"


LOGISTIC_PAIRS = [
    ("sigmoid(z)", logistic(z)),
    (r"\operatorname{sigmoid}(z)", logistic(z)),
    (r"\mathrm{sigmoid}(z)", logistic(z)),
    ("expit(z)", logistic(z)),
    ("scipy.special.expit(z)", logistic(z)),
    ("softplus(z)", log(1 + exp(z))),
    (r"\operatorname{softplus}(z)", log(1 + exp(z))),
    ("logit(t)", log(t / (1 - t))),
    ("softplus'(z)", sympy.diff(log(1 + exp(z)), z)),
    ("sigmoid'(z)", sympy.diff(logistic(z), z)),
    (r"\tanh'(z)", 1 - sympy.tanh(z) ** 2),
    # a declared sigma stays the function sigma (its numbers are the logistic's)
    (r"\sigma(z)", sigma(z)),
]


@pytest.mark.parametrize(("text", "expected"), LOGISTIC_PAIRS, ids=[t for t, _ in LOGISTIC_PAIRS])
def test_logistic_family(text, expected):
    got = value(text)
    assert sympy.simplify(got - expected) == 0, f"{text!r} read as {got}"


def test_numpy_star_between_matrices_is_entrywise_and_noted():
    line = parse_math("X.T * X", CTX)
    assert isinstance(line.terms[0], sympy.HadamardProduct)
    assert "read * between two matrices as NumPy's entrywise product" in line.notes
    # a scalar factor stays a scalar factor
    assert same(value("2 * X.T @ X"), 2 * X.T * X)
    # without NumPy signs, * between matrices is the matrix product it always was
    assert same(value("X^T * X"), X.T * X)


def test_dot_of_two_vectors_is_noted():
    line = parse_math("np.dot(a, b)", CTX)
    assert "read dot(a, b) of two vectors as the inner product a^T b" in line.notes


def test_a_declared_name_keeps_its_meaning():
    context = MathContext.from_mapping({"symbols": {"inv": "scalar", "x": "scalar"}})
    assert value("inv(x + 1)", context) == Symbol("inv", real=True) * (Symbol("x", real=True) + 1)


REFUSED = [
    ("np.cumsum(y)", "np.cumsum is not read"),
    ("X.max()", "the method .max is not read"),
    ("np.linalg.inv(X, y)", "inv takes 1 argument"),
    ("np.dot(X)", "dot takes 2 arguments"),
    (r"\mathbf{1}", "cannot tell the size of a vector of ones"),
    (r"\mathbf{1} + \mathbf{1}", "cannot tell the size"),
    (r"X^T \mathbf{0}", "cannot tell the size"),  # its width is not said
    (r"\mathbf{0}^{-1}", "no inverse"),
    (r"x \circ t", "composition"),
    ("np.linalg.norm(y, 3)", "norm of order 3"),
    ("A.T @ A**2", "ambiguous"),  # NumPy squares entries; the writer may mean A A
    ("(A.T @ A)**-1", "ambiguous"),
    ("np.sum(2)", "of a number is not read"),
    ("sum(t)", "of a number is not read"),  # a sum over an index, not read as t
]


@pytest.mark.parametrize(("text", "reason"), REFUSED, ids=[t for t, _ in REFUSED])
def test_refused_with_a_reason(text, reason):
    with pytest.raises(MathParseError, match=reason.replace(".", r"\.")):
        parse_math(text, CTX)


def test_shape_errors_are_recorded_not_raised():
    assert parse_math("np.linalg.inv(X) @ y", CTX).shape_problems == []  # n vs p: not provable
    square = MathContext.from_mapping({"symbols": {"X": "5 x 3", "y": "5 x 1"}})
    problems = parse_math("np.linalg.inv(X) @ y", square).shape_problems
    assert problems and "not square" in problems[0]
    problems = parse_math("X.T * X", square).shape_problems
    assert problems and "entry by entry" in problems[0]


def test_an_equation_with_a_zero_vector():
    line = parse_math(r"X^T (y - X\beta) = \mathbf{0}", CTX)
    assert line.kind == "equation"
    assert line.terms[1] == sympy.ZeroMatrix(p, 1)


def test_a_python_comment_is_a_note():
    line = parse_math("X.T @ X @ beta = X.T @ y  # normal equation", CTX)
    assert line.kind == "equation"
    assert line.text_notes == ["normal equation"]


def test_a_typed_implication_starts_a_new_statement():
    line = parse_math("J = 0 => X.T @ X @ beta = X.T @ y", CTX)
    assert line.kind == "equation" and line.rest == ["=> X.T @ X @ beta = X.T @ y"]
    second = parse_math(line.rest[0], CTX)
    assert second.relation == "=>" and same(second.terms[0], X.T * X * beta)


Q2 = MathContext.from_mapping(
    {
        "symbols": {"x": "scalar", "y": "scalar", "w1": "scalar", "z2": "scalar"},
        "definitions": {"L": "(z2 - y)^2"},
    }
)


@pytest.mark.parametrize(("text", "of", "wrt"), [("dL_dz2", "L", "z2"), ("dL_dw1 * x", "L", "w1")])
def test_partials_named_as_in_code(text, of, wrt):
    from grader.math import derivative_symbol

    line = parse_math(text, Q2)
    assert derivative_symbol(of=of, wrt=wrt) in line.terms[0].free_symbols
    assert f"read d{of}_d{wrt} as the partial derivative d{of}/d{wrt}" in line.notes


def test_a_code_partial_of_unknown_names_stays_a_name():
    from grader.math import split_derivative_symbol

    line = parse_math("dL_dq", Q2)  # q is not in the context
    assert not any(split_derivative_symbol(s) for s in line.terms[0].free_symbols)
    assert not any("partial derivative" in note for note in line.notes)
