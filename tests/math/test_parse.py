"""The parser, as tables of examples: GOOD pairs (text -> the SymPy value it
means), BAD strings (text -> MathParseError at a column), and the line-level
readings (kinds, relations, shapes, notes)."""

from __future__ import annotations

import pytest
import sympy
from sympy import E, Function, MatrixSymbol, Rational, Symbol, exp, log, sqrt

from grader.errors import GraderError
from grader.math import (
    Gradient,
    MathContext,
    MathParseError,
    derivative_symbol,
    parse_math,
    split_derivative_symbol,
    split_statements,
    split_statements_detailed,
)
from tests.math.same_value import same_value as same

n = Symbol("n", integer=True, positive=True)
p = Symbol("p", integer=True, positive=True)
d = Symbol("d", integer=True, positive=True)
X = MatrixSymbol("X", n, p)
beta = MatrixSymbol("beta", p, 1)
yv = MatrixSymbol("y", n, 1)
v = MatrixSymbol("v", n, 1)
A = MatrixSymbol("A", n, n)

x, y, z, w, a, b, f, t = (Symbol(k, real=True) for k in "xyzwabft")
a1, w1, w2, z1 = (Symbol(k, real=True) for k in ("a1", "w1", "w2", "z1"))
alpha, beta_s, eta, theta, sigma_s = (
    Symbol(k, real=True) for k in ("alpha", "beta", "eta", "theta", "sigma")
)
sigma = Function("sigma")

CTX = MathContext.from_mapping(
    {
        "symbols": {
            "X": "n x p",
            "beta": "p x 1",
            "y": "n x 1",
            "v": "n x 1",
            "A": "n x n",
            "a_1": "scalar",
        },
        "functions": ["sigma"],
        "aliases": {"B": "beta"},
    }
)


def value(text: str, context: MathContext | None = CTX):
    line = parse_math(text, context)
    assert line.kind == "expression", (line.kind, [str(t) for t in line.terms])
    return line.terms[0]


# text -> value, read with SCALARS (sigma a function, a_1 a scalar, nothing else declared)
SCALARS = MathContext.from_mapping({"symbols": {"a_1": "scalar"}, "functions": ["sigma"]})

SCALAR_PAIRS = [
    ("x^2 + 2*x", x**2 + 2 * x),
    ("x**2", x**2),
    ("sqrt(2)/2", sqrt(2) / 2),
    ("exp(-z)", exp(-z)),
    ("1/(1 + exp(-z))", 1 / (1 + exp(-z))),
    ("log(x) - ln(y)", log(x) - log(y)),
    ("2x", 2 * x),
    ("0.5 x", x / 2),
    ("1/2 x", x / 2),
    ("-x^2", -(x**2)),
    ("2^-1", Rational(1, 2)),
    ("a_1(1-a_1)", a1 * (1 - a1)),
    ("a1 (1 - a1)", a1 * (1 - a1)),
    ("sigma(z)", sigma(z)),
    ("sigma(z)(1 - sigma(z))", sigma(z) * (1 - sigma(z))),
    ("|x - 1|", sympy.Abs(x - 1)),
    ("3!", 6),
    ("1e-3 x", x / 1000),
    ("2.5E2", 250),
    ("2e", 2 * E),
    ("w_1 + w1", 2 * w1),
    ("dL/dw1", derivative_symbol(of="L", wrt="w1")),
    ("d/dx (x^2)", Gradient(x**2, x)),
    (r"\frac{1}{2}", Rational(1, 2)),
    (r"\frac12 x", x / 2),
    (r"\dfrac{x}{y}", x / y),
    (r"\frac{1}{1+e^{-z}}", 1 / (1 + exp(-z))),
    (r"e^{x}", exp(x)),
    (r"e^x e^{-x}", 1),
    (r"x \cdot y", x * y),
    (r"x \times y", x * y),
    (r"\left( x + 1 \right)^2", (x + 1) ** 2),
    (r"\left[ x + 1 \right] y", (x + 1) * y),
    (r"\{ x + 1 \} y", (x + 1) * y),
    (r"\sqrt{x}", sqrt(x)),
    (r"\sqrt[3]{x}", sympy.root(x, 3)),
    (r"\sqrt 2", sqrt(2)),
    (r"\log x", log(x)),
    (r"\log(x y)", log(x * y)),
    (r"\ln x^2", log(x**2)),
    (r"\log_2 x", log(x, 2)),
    (r"\exp(-z)", exp(-z)),
    (r"\exp\left(-z\right)", exp(-z)),
    (r"\sin^2 x + \cos^2 x", sympy.sin(x) ** 2 + sympy.cos(x) ** 2),
    (r"a_1(1-a_1)", a1 * (1 - a1)),
    (r"a_{1}(1-a_{1})", a1 * (1 - a1)),
    (r"\sigma(z_1)", sigma(z1)),
    (r"\sigma(z_1)(1 - \sigma(z_1))", sigma(z1) * (1 - sigma(z1))),
    (r"\sigma'(z)", sympy.Subs(sympy.Derivative(sigma(Symbol("u")), Symbol("u")), Symbol("u"), z)),
    (r"w_1'", Symbol("w1'", real=True)),
    (r"w_1^{\prime} - w^\prime", Symbol("w1'", real=True) - Symbol("w'", real=True)),
    (r"w_{1}' - w_1", Symbol("w1'", real=True) - w1),
    (r"x_{i}", Symbol("x_i", real=True)),
    (r"\hat y - \hat{y}", 0),
    (r"\bar{x}", Symbol("xbar", real=True)),
    (r"0.5", Rational(1, 2)),
    (r"2.50", Rational(5, 2)),
    (r"2 \, x \; y \! z \quad", 2 * x * y * z),
    (r"\frac{\partial L}{\partial w_1}", derivative_symbol(of="L", wrt="w1")),
    (r"\frac{dL}{dw_1}", derivative_symbol(of="L", wrt="w1")),
    (r"\frac{d L}{d w_{1}}", derivative_symbol(of="L", wrt="w1")),
    (r"\frac{\mathrm{d} L}{\mathrm{d} w_1}", derivative_symbol(of="L", wrt="w1")),
    (r"\partial L / \partial w_1", derivative_symbol(of="L", wrt="w1")),
    (
        r"\frac{\partial L}{\partial w_1} \cdot \frac{\partial z}{\partial w}",
        derivative_symbol(of="L", wrt="w1") * derivative_symbol(of="z", wrt="w"),
    ),
    (r"\frac{d}{dx} x^2", Gradient(x**2, x)),
    (r"\nabla J", Gradient(Symbol("J", real=True))),
    (r"\nabla (x^2)", Gradient(x**2)),
    (r"\text{} x", x),
    (r"a^{[1]} + W^{[2]}", a1 + Symbol("W2", real=True)),
    (r"x^{(i)} - x_i", 0),
    (r"x^{(2)}", x**2),
    (r"x + 1 \tag{3}", x + 1),
    (r"x \label{eq:one}", x),
    (r"2\boxed{x+1}", 2 * x + 2),
    (r"\underbrace{x^2}_{\text{square}} + 1", x**2 + 1),
    # unicode scripts and fractions read like their LaTeX
    ("a₁ (1 − a₁)", a1 * (1 - a1)),
    ("½ x²", x**2 / 2),
    ("∂L/∂a₁", derivative_symbol(of="L", wrt="a1")),
]

# text -> value, read with CTX (X: n x p, beta: p x 1, y, v: n x 1, A: n x n, B -> beta)
MATRIX_PAIRS = [
    ("X^T X beta", X.T * X * beta),
    ("X X^T", X * X.T),
    ("f(y - X B)", f * (yv - X * beta)),
    ("(X^T X)^(-1) X^T y", (X.T * X).I * X.T * yv),
    ("||v||^2", v.T * v),
    ("Xbeta", X * beta),
    ("dL/dbeta", derivative_symbol(of="L", wrt=beta)),
    (r"X^T X", X.T * X),
    (r"X^\top X", X.T * X),
    (r"X^{T} X", X.T * X),
    (r"X^{\top}y", X.T * yv),
    (r"X^{\mathsf{T}} X", X.T * X),
    (r"X^{\mathrm{T}} y", X.T * yv),
    (r"(X^T X)^{-1} X^T y", (X.T * X).I * X.T * yv),
    (r"A^2", A**2),
    (r"XB", X * beta),
    (r"X\beta", X * beta),
    (r"\mathbf{X}\boldsymbol\beta", X * beta),
    (r"\mathbf{X} \bm{\beta}", X * beta),
    (r"\|y - X\beta\|^2", (yv - X * beta).T * (yv - X * beta)),
    (r"\left\| y - X\beta \right\|^{2}", (yv - X * beta).T * (yv - X * beta)),
    (r"\frac{1}{2} \|y - XB\|^2", Rational(1, 2) * (yv - X * beta).T * (yv - X * beta)),
    (r"\alpha \beta_1 \eta \theta", alpha * Symbol("beta1", real=True) * eta * theta),
    (r"-\frac{1}{2}(-2 X^T y)", X.T * yv),
    (r"\frac{\partial J}{\partial \beta}", derivative_symbol(of="J", wrt=beta)),
    (r"\frac{\partial (X \beta)}{\partial \beta}", Gradient(X * beta, beta)),
    (r"\nabla J(\beta)", derivative_symbol(of="J", wrt=beta)),
    (r"\frac{\partial J(\beta)}{\partial \beta}", derivative_symbol(of="J", wrt=beta)),
    (r"\nabla_\beta J", derivative_symbol(of="J", wrt=beta)),
    (r"\nabla_{\beta} J", derivative_symbol(of="J", wrt=beta)),
    (r"\nabla_\beta \left( \beta^T \beta \right)", Gradient(beta.T * beta, beta)),
    ("(XᵀX)⁻¹Xᵀy", (X.T * X).I * X.T * yv),
    ("½ ‖y − Xβ‖²", Rational(1, 2) * (yv - X * beta).T * (yv - X * beta)),
    ("∇J(β)", derivative_symbol(of="J", wrt=beta)),
    # the gradient in words, as in plain-text answers
    ("grad_beta J", derivative_symbol(of="J", wrt=beta)),
    ("grad J(beta)", derivative_symbol(of="J", wrt=beta)),
    ("gradient of J(beta)", derivative_symbol(of="J", wrt=beta)),
]


@pytest.mark.parametrize(("text", "expected"), SCALAR_PAIRS, ids=[t for t, _ in SCALAR_PAIRS])
def test_scalar_pairs(text, expected):
    got = value(text, SCALARS)
    assert same(got, expected), f"{text!r} read as {got}, expected {expected}"


@pytest.mark.parametrize(("text", "expected"), MATRIX_PAIRS, ids=[t for t, _ in MATRIX_PAIRS])
def test_matrix_pairs(text, expected):
    got = value(text)
    assert same(got, expected), f"{text!r} read as {got}, expected {expected}"


def test_prime_on_a_matrix_is_a_transpose():
    line = parse_math("(X'X)^(-1) X'y", CTX)
    assert line.terms[0] == (X.T * X).I * X.T * yv
    assert line.notes == ["read X' as the transpose of X"]
    assert value("X^t y") == X.T * yv  # lowercase t on a matrix
    assert value("x^t", None) == x**t  # on a scalar: a power
    assert value("w_1'") == Symbol("w1'", real=True)  # a prime on a scalar: a new name


def test_inverse_transpose():
    assert value(r"A^{-T}") == A.T.I


def test_matrix_products_keep_their_order():
    assert not same(value("X^T X"), value("X X^T"))
    assert value("X^T X").shape == (p, p)
    assert value("X X^T").shape == (n, n)
    assert isinstance(value(r"X^T X \beta"), sympy.MatMul)


def test_a_declared_function_is_called_an_undeclared_name_multiplies():
    assert value("a_1(1-a_1)") == a1 * (1 - a1)
    functions = MathContext.from_mapping({"functions": ["a_1"]})
    assert value("a_1(1-a_1)", functions) == Function("a1")(1 - Symbol("a1", real=True))
    line = parse_math("f(y - X B)", CTX)
    assert line.unknown_names == ["f"]
    assert parse_math(r"\sigma(z)", None).terms[0] == sigma_s * z  # no context: sigma is a name


def test_a_quantity_written_with_its_variables():
    context = MathContext.from_mapping(
        {"symbols": {"X": "n x p", "beta": "p x 1", "y": "n x 1", "J": "scalar", "a_1": "scalar"}}
    )
    line = parse_math(r"J(\beta) = \frac{1}{2} \|y - X\beta\|^2", context)
    assert line.terms[0] == Symbol("J", real=True)
    assert line.notes == ["read J(beta) as J (a quantity written with its variables)"]
    sized = parse_math(r"J\left(\boldsymbol{\beta}\right) = 1", context)
    assert sized.terms[0] == Symbol("J", real=True)  # \left does not count as a space
    # a scalar before a scalar in parentheses is still a product
    assert parse_math("a_1(1 - a_1)", context).terms[0] == a1 * (1 - a1)
    # a space before the parenthesis: a product
    assert parse_math(r"J (\beta)", context).terms[0] == Symbol("J", real=True) * beta
    # an unknown name: a product
    assert parse_math(r"f(\beta)", context).terms[0] == f * beta
    # a defined quantity with scalar variables
    defined = MathContext.from_mapping({"definitions": {"L": "(y - w x)^2"}})
    assert parse_math("L(w) + 1", defined).terms[0] == Symbol("L", real=True) + 1


def test_derivative_quantity_is_a_symbol_not_a_fraction():
    quantity = value(r"\frac{\partial L}{\partial w_1}")
    assert isinstance(quantity, Symbol)
    assert split_derivative_symbol(quantity) == ("L", "w1")
    assert split_derivative_symbol(value(r"\nabla_\beta J")) == ("J", "beta")
    assert value(r"\nabla_\beta J").shape == (p, 1)
    assert split_derivative_symbol(x) is None
    assert split_derivative_symbol("d(L)/d(w1)") == ("L", "w1")


def test_derivative_shapes_follow_the_variable():
    assert derivative_symbol(of="J", wrt="beta", context=CTX).shape == (p, 1)
    assert isinstance(derivative_symbol(of="L", wrt="w1", context=CTX), Symbol)
    assert derivative_symbol(of=X, wrt="t").shape == (n, p)


def test_e_is_euler_unless_declared():
    assert value("e") == E
    declared = MathContext.from_mapping({"symbols": {"e": "scalar"}})
    assert value("e^x", declared) == Symbol("e", real=True) ** x


def test_transpose_letter_can_be_a_declared_symbol():
    declared = MathContext.from_mapping({"symbols": {"T": "scalar"}})
    assert value("x^T", declared) == x ** Symbol("T", real=True)
    assert value("x^T", None) == x  # transpose of a scalar


# Lines: kind, relation, continues_previous, number of terms
LINES = [
    ("x = 1", "equation", "=", False, 2),
    ("A = B = C", "chain", "=", False, 3),
    ("= x + 1", "equation", "=", True, 1),
    ("= x = y", "chain", "=", True, 2),
    (r"\Rightarrow x = 1", "equation", "=>", False, 2),
    (r"\implies x = 1", "equation", "=>", False, 2),
    (r"\therefore x = 2", "equation", "=>", False, 2),
    (r"\to x = 2", "equation", "=>", False, 2),
    (r"\Rightarrow = x", "equation", "=>", True, 1),
    ("x = 1.", "equation", "=", False, 2),
    ("x + y", "expression", "=", False, 1),
    (r"x = y = \text{scalar}", "equation", "=", False, 2),
    (r"\text{scalar}", "text", "=", False, 0),
    ("$$ x = 1 $$", "equation", "=", False, 2),
    ("we see that the loss is small", "text", "=", False, 0),
    (r"\alpha \rightarrow controls the step size", "text", "=", False, 0),
    (r"\text{so} x = 1", "equation", "=", False, 2),
]


@pytest.mark.parametrize(
    ("text", "kind", "relation", "continues", "count"), LINES, ids=[c[0] for c in LINES]
)
def test_line_kinds(text, kind, relation, continues, count):
    line = parse_math(text, None)
    assert (line.kind, line.relation, line.continues_previous, len(line.terms)) == (
        kind,
        relation,
        continues,
        count,
    )


SHAPE_LINES = [
    (r"x \in \mathbb{R}^{n \times (d+1)}", {"x": (n, d + 1)}),
    (r"x \in \mathbb{R}^{n \times d+1}", {"x": (n, d + 1)}),
    (r"x = R^{n \times d+1}", {"x": (n, d + 1)}),
    (r"\beta = R^{d+1 \times 1}", {"beta": (d + 1, 1)}),
    (r"x \in \mathbb{R}^d", {"x": (d, 1)}),
    (r"t \in \mathbb{R}", {"t": None}),
    (r"x \in R^d", {"x": (d, 1)}),
    (r"t \in R", {"t": None}),
    (r"s, t \in \mathbb{R}", {"s": None, "t": None}),
    (r"u, v \in \mathbb{R}^{n}", {"u": (n, 1), "v": (n, 1)}),
    (r"Y = \begin{bmatrix} y_1 \\ \vdots \\ y_n \end{bmatrix}", {"Y": (n, 1)}),
    (r"Y = \begin{bmatrix} y_1 & \cdots & y_n \end{bmatrix}", {"Y": (1, n)}),
    (r"W = \begin{bmatrix} w_1 \\ \vdots \\ w_{d+1} \end{bmatrix}", {"W": (d + 1, 1)}),
]


@pytest.mark.parametrize(("text", "shapes"), SHAPE_LINES, ids=[c[0] for c in SHAPE_LINES])
def test_shape_statements(text, shapes):
    line = parse_math(text, None)
    assert line.kind == "shape_statement"
    assert line.shapes == shapes


def test_aliases_apply_and_are_reported():
    context = MathContext.from_mapping(
        {"symbols": {"beta": "p x 1"}, "aliases": {"B": "beta", "q_2": "a2"}}
    )
    line = parse_math("B + q_2 B", context)
    assert line.aliases_used == {"B": "beta", "q2": "a2"}
    assert same(line.terms[0], beta + Symbol("a2", real=True) * beta)


def test_explicit_matrix():
    line = parse_math(r"M = \begin{bmatrix} 1 & 2 \\ 3 & x \end{bmatrix}", None)
    assert line.terms[1] == sympy.ImmutableMatrix([[1, 2], [3, x]])


def test_gradient_variable_comes_from_the_other_side():
    line = parse_math(r"\nabla J(\beta) = \nabla \left( \beta^T \beta \right)", CTX)
    left, right = line.terms
    assert split_derivative_symbol(left) == ("J", "beta")
    assert isinstance(right, Gradient) and right.wrt == beta
    assert right.shape == (p, 1)


def test_zero_on_one_side_of_a_matrix_equation_is_a_zero_matrix():
    line = parse_math(r"X^T X \beta - X^T y = 0", CTX)
    assert line.terms[1] == sympy.ZeroMatrix(p, 1)


def test_shape_problems_are_reported_not_raised():
    line = parse_math(r"\beta \beta", MathContext.from_mapping({"symbols": {"beta": "(d+1) x 1"}}))
    assert line.shape_problems and "multiplies" in line.shape_problems[0]
    line = parse_math(r"y + 1", CTX)
    assert line.shape_problems and "scalar" in line.shape_problems[0]


def test_functions_of_a_matrix_apply_to_each_entry():
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    applied = value(r"\sigma(X \beta)")
    assert isinstance(applied, ElementwiseApplyFunction)
    assert applied.shape == (n, 1)
    assert value(r"\exp(X\beta)").shape == (n, 1)
    assert value(r"X^T (y - \sigma(X \beta))").shape == (p, 1)
    assert value(r"\sigma(y^T y)") == sigma(sympy.Trace(yv.T * yv))  # 1x1: a number


def test_one_by_one_matrix_times_a_vector_is_a_scaling():
    line = parse_math(r"(\beta^T \beta) \beta", CTX)
    assert line.shape_problems == []
    assert line.terms[0].shape == (p, 1)


def test_division_by_a_matrix_is_a_reported_mistake():
    line = parse_math(r"\beta = \frac{X^T y}{X^T X}", CTX)
    assert line.shape_problems == ["divides by a p x p matrix (column 8)"]
    assert line.terms[1] == sympy.MatMul(X.T, yv, (X.T * X).I)
    assert parse_math("A^T y / A", CTX).shape_problems[0].startswith("divides by a n x n matrix")


def test_scalar_plus_one_by_one_matrix_is_fine():
    line = parse_math(r"y^T y + 1", CTX)
    assert line.shape_problems == []
    assert line.terms[0].shape == (1, 1)


# BAD strings: (text, column of the error, words in the reason)
BAD_STRINGS = [
    ("x + }", 4, "unexpected '}'"),
    ("x + {", 4, "unclosed '{'"),
    (r"\foo x", 0, "unknown command \\foo"),
    ("(x + 1", 0, "missing ')'"),
    ("x + 1)", 5, "unexpected ')'"),
    ("x +", 3, "unexpected end of line"),
    ("= ", 1, "nothing after '='"),
    ("", 0, "empty"),
    ("x = = y", 4, "unexpected '='"),
    ("x ? y", 2, "unexpected '?'"),
    (r"\frac{1}", 8, "missing argument"),
    (r"\sum_{i=1}^m x_i", 0, "not a dimension"),
    (r"x \le y", 2, "inequalities"),
    (r"|x", 0, "missing closing '|'"),
    (r"\|x", 0, "missing closing norm"),
    (r"\begin{cases} x \end{cases}", 0, "environment 'cases'"),
    ("2^{99999999}", 1, "number too large"),
    ("10^{10^{10}}", 2, "number too large"),
    ("1" * 150, 0, "number too long"),
    ("5000!", 4, "number too large"),
    ("1e999999", 0, "number too large"),
    (r"x \in y", 0, "space"),
    ("a, b = 1", 0, "separated by ','"),
    (r"\frac{\partial^2 L}{\partial w^2}", 0, "higher-order"),
    ("exp", 0, "needs an argument"),
    ("X!", 1, "factorial of a matrix"),
    (r"\log_2 X", 0, "cannot apply log"),
]


@pytest.mark.parametrize(
    ("text", "column", "reason"), BAD_STRINGS, ids=[c[0][:30] for c in BAD_STRINGS]
)
def test_bad_strings(text, column, reason):
    with pytest.raises(MathParseError) as caught:
        parse_math(text, CTX)
    error = caught.value
    assert reason in error.reason
    assert error.position == column
    assert error.source == text
    assert isinstance(error, GraderError)
    assert "\n" not in error.reason


def test_abuse_is_bounded():
    with pytest.raises(MathParseError, match="longer than"):
        parse_math("x+" * 10_001 + "x")
    with pytest.raises(MathParseError, match="nesting deeper"):
        parse_math("(" * 500 + "x" + ")" * 500)
    with pytest.raises(MathParseError, match="nesting deeper"):
        parse_math(r"\frac{" * 300 + "1" + "}{2}" * 300)
    # deep but allowed
    assert parse_math("(" * 60 + "x" + ")" * 60).terms[0] == x
    # big symbolic exponents stay symbolic
    assert parse_math("x^{99999999}").terms[0] == x**99999999
    assert parse_math("2^{100}").terms[0] == 2**100


def test_split_statements():
    block = r"\frac{\partial L}{\partial w_2} = a \quad : \quad z_2 = w_2 a_1 + b_2 \\ \frac{\partial z_2}{\partial w_2} = a_1 \\ = (q_2 - y) a_1"
    assert split_statements(block) == [
        r"\frac{\partial L}{\partial w_2} = a",
        r"z_2 = w_2 a_1 + b_2",
        r"\frac{\partial z_2}{\partial w_2} = a_1",
        r"= (q_2 - y) a_1",
    ]
    roles = [s.role for s in split_statements_detailed(block)]
    assert roles == ["main", "side_note", "main", "main"]


SPLITS = [
    (
        r"\begin{aligned} J &= \frac{1}{2} x \\ &= y \end{aligned}",
        [r"\begin{aligned} J &= \frac{1}{2} x", r"&= y \end{aligned}"],
    ),
    (r"a = b \leftarrow c = d \\ = e", ["a = b", "c = d", "= e"]),
    (
        r"Y = \begin{bmatrix} y_1 \\ y_2 \end{bmatrix} \quad x = 1",
        [r"Y = \begin{bmatrix} y_1 \\ y_2 \end{bmatrix}", "x = 1"],
    ),
    (r"x = y \quad \text{so}", [r"x = y \quad \text{so}"]),
    (r"a = b \Rightarrow c = d", ["a = b", r"\Rightarrow c = d"]),
    (r"\Rightarrow c = d", [r"\Rightarrow c = d"]),
    (r"x := 1", ["x := 1"]),
    (r"f_{a:b} = 1", [r"f_{a:b} = 1"]),
    ("z_1 = w_1 x + b_1\na_1 = \\sigma(z_1)", ["z_1 = w_1 x + b_1", "a_1 = \\sigma(z_1)"]),
    ("a = b\n= c", ["a = b", "= c"]),
    ("a = b\n + c", ["a = b\n + c"]),
    (
        "Y = \\begin{bmatrix} 1 \\\\\n 2 \\end{bmatrix}",
        ["Y = \\begin{bmatrix} 1 \\\\\n 2 \\end{bmatrix}"],
    ),
]


@pytest.mark.parametrize(("block", "pieces"), SPLITS, ids=[c[0] for c in SPLITS])
def test_split_rules(block, pieces):
    assert split_statements(block) == pieces


def test_boxed_equation():
    line = parse_math(r"$$\boxed{\beta = (X^T X)^{-1} X^T y}$$", CTX)
    assert line.kind == "equation"
    assert line.terms == [beta, (X.T * X).I * X.T * yv]


def test_aligned_environments_are_read_line_by_line():
    block = r"\begin{align*} J(\beta) &= x + 1 \\ &= y \tag{2} \end{align*}"
    lines = [parse_math(piece) for piece in split_statements(block)]
    assert [(line.kind, line.continues_previous) for line in lines] == [
        ("equation", False),
        ("equation", True),
    ]
    assert lines[1].terms == [y]
    matrix = parse_math(r"\begin{aligned} M &= \begin{bmatrix} 1 & 2 \end{bmatrix} \end{aligned}")
    assert matrix.terms[1] == sympy.ImmutableMatrix([[1, 2]])


def test_parse_math_keeps_the_rest_of_a_block():
    line = parse_math(r"a = b \leftarrow c = d \\ = e")
    assert line.rest == ["c = d", "= e"]
    assert len(line.terms) == 2


def test_repairs_are_reported():
    line = parse_math(r"$$(b). x = \cancel{y} + ~~z~~ w − 1$$")
    assert line.terms[1] == y + w - 1
    joined = " | ".join(line.repairs)
    assert "label" in joined and "cancel" in joined and "deleted" in joined and "'−'" in joined
    assert "delimiters" not in joined  # cosmetic repairs are not listed


def test_cached_results_are_copies():
    first = parse_math("x + 1 = y")
    first.terms.append("junk")
    first.repairs.append("junk")
    again = parse_math("x + 1 = y")
    assert len(again.terms) == 2 and again.repairs == []


def test_unicode_greek_and_operators():
    assert value("β", None) == beta_s
    assert value("x · y − 2", None) == x * y - 2
    assert value("σ(z)", CTX) == sigma(z)


PLAIN_ROUND_TRIPS = [
    r"\frac{\partial L}{\partial w_1} + \frac{dz_1}{dw_1}",
    r"\frac{\partial \hat{y}}{\partial w}",
    r"\nabla_\beta J",
    r"\frac{\partial (X \beta)}{\partial \beta}",
    r"\frac{d}{dx} x^2",
    r"(X^T X)^{-1} X^T y",
    r"A^{-T} A y",
    r"\frac{1}{2} \|y - X\beta\|^2",
    r"\sigma(z)(1 - \sigma(z))",
    r"|x - 1| + \max(x, 2)",
    r"\sigma'(z) + \sigma''(2 z)",
    r"X^T (y - \sigma(X \beta))",
    r"\sigma'(X \beta)",
]


@pytest.mark.parametrize("text", PLAIN_ROUND_TRIPS, ids=PLAIN_ROUND_TRIPS)
def test_to_plain_text_reads_back(text):
    from grader.math import to_plain_text

    first = value(text)
    printed = to_plain_text(first)
    assert "\\" not in printed
    again = value(printed)
    assert again == first or same(again, first), (printed, again)


# Mathpix-style OCR output: (text, context, expected terms)
OCR_STYLE = [
    (
        r"\mathbf{X}^{\top} \mathbf{X} \boldsymbol{\beta}=\mathbf{X}^{\top} \mathbf{y}",
        "m",
        [X.T * X * beta, X.T * yv],
    ),
    (
        r"J(\boldsymbol{\beta})=\frac{1}{2}\|\mathbf{y}-\mathbf{X} \boldsymbol{\beta}\|_{2}^{2}",
        "mJ",
        [Symbol("J", real=True), Rational(1, 2) * (yv - X * beta).T * (yv - X * beta)],
    ),
    (r"\left\| y - X\beta \right\|_F^2", "m", [(yv - X * beta).T * (yv - X * beta)]),
    (
        r"\nabla_{\boldsymbol{\beta}} J=-\mathbf{X}^{\top}(\mathbf{y}-\mathbf{X} \boldsymbol{\beta})",
        "m",
        [derivative_symbol(of="J", wrt=beta), -X.T * (yv - X * beta)],
    ),
    (
        r"w_{1}^{\text {new }}=w_{1}-\alpha \frac{\partial L}{\partial w_{1}}",
        "s",
        [Symbol("w1_new", real=True), w1 - alpha * derivative_symbol(of="L", wrt="w1")],
    ),
    (r"w_{\text{new}} = w", "s", [Symbol("w_new", real=True), w]),
    (r"\beta^{*}=\left(X^{T} X\right)^{-1} X^{T} y", "s", None),
    (r"\mathrm{~d} L / \mathrm{d} w_{1}", "s", [derivative_symbol(of="L", wrt="w1")]),
    (
        r"w_{1} \leftarrow w_{1}-\eta \frac{\partial L}{\partial w_{1}}",
        "s",
        [w1, w1 - eta * derivative_symbol(of="L", wrt="w1")],
    ),
    (r"\sigma^{\prime}(z)", "s", None),
    (r"L=-\left[y \log \left(a_{2}\right)+(1-y) \log \left(1-a_{2}\right)\right]", "s", None),
]


@pytest.mark.parametrize(("text", "which", "terms"), OCR_STYLE, ids=[c[0][:40] for c in OCR_STYLE])
def test_ocr_style_lines(text, which, terms):
    context = {
        "m": CTX,
        "mJ": MathContext.from_mapping(
            {"symbols": {"X": "n x p", "beta": "p x 1", "y": "n x 1", "J": "scalar"}}
        ),
        "s": SCALARS,
    }[which]
    line = parse_math(text, context)
    if terms is None:
        return  # reads without error; the value is checked elsewhere
    assert len(line.terms) == len(terms)
    for got, want in zip(line.terms, terms, strict=True):
        assert same(got, want), (got, want)


def test_star_and_text_superscripts_are_labels():
    assert parse_math(r"\beta^{*} = 1").terms[0] == Symbol("beta_star", real=True)
    assert parse_math(r"\beta^* + \beta^\ast").terms[0] == 2 * Symbol("beta_star", real=True)


def test_other_norms_are_refused():
    with pytest.raises(MathParseError, match="2-norm"):
        parse_math(r"\|v\|_3", CTX)


def test_update_rule_with_a_left_arrow_is_an_equation():
    assert split_statements(r"\beta \leftarrow \beta - \alpha g") == [
        r"\beta \leftarrow \beta - \alpha g"
    ]
    line = parse_math(r"\beta \leftarrow \beta - \alpha g")
    assert line.kind == "equation"
    # after an equation, a left arrow starts a side note
    assert split_statements(r"a = b \leftarrow c = d") == ["a = b", "c = d"]


# Known gaps: what a reader would expect, not read yet (docs/math-context.md, "Known gaps").
KNOWN_GAPS = [
    (r"\frac{\partial^2 L}{\partial w^2}", "second derivatives are not read"),
    (r"\langle x, y \rangle", "inner products are not read"),
    (r"x \le 1", "inequalities are not read"),
]


@pytest.mark.parametrize(("text", "why"), KNOWN_GAPS, ids=[c[1] for c in KNOWN_GAPS])
@pytest.mark.xfail(strict=True, raises=MathParseError)
def test_known_gaps(text, why):
    parse_math(text, SCALARS)


def test_two_unknown_letters_in_plain_text_are_a_product():
    assert value("ab", None) == a * b  # 2ax, ax = ay: as in algebra
    assert parse_math("yhat").terms[0].name == "yhat"  # a longer word stays one name


def test_to_dict_is_json_ready():
    import json

    line = parse_math(r"$$(b). x \in \mathbb{R}^{n \times (d+1)}$$")
    data = json.loads(json.dumps(line.to_dict()))
    assert data["kind"] == "shape_statement"
    assert data["shapes"] == {"x": ["n", "d + 1"]}
    assert data["repairs"] == ["removed label '(b).'"]
    equation = parse_math("X^T X beta = X^T y", CTX).to_dict()
    assert equation["read_as"] == ["X^T*X*beta", "X^T*y"]


def test_error_column_in_the_original_text():
    with pytest.raises(MathParseError) as caught:
        parse_math(r"$$(b). J = x + }$$")
    error = caught.value
    assert error.text == "J = x + }" and error.position == 8
    assert error.source_position == 15
    assert error.source[error.source_position] == "}"
    with pytest.raises(MathParseError) as caught:
        parse_math(
            "x \u2212 }"
        )  # normalisation changed the text (− -> -): no column in the original
    assert caught.value.source_position is None


LONG_GREEK_WITHOUT_BACKSLASH = [
    (r"(X^T X + lambda I)^{-1} X^T y", "lambda"),
    (r"\frac{alpha}{2}", "alpha"),
    (r"theta^{2} + 1", "theta"),
]


@pytest.mark.parametrize(
    "text, name", LONG_GREEK_WITHOUT_BACKSLASH, ids=[n for _, n in LONG_GREEK_WITHOUT_BACKSLASH]
)
def test_long_greek_name_without_backslash_is_one_name_in_latex(text, name):
    context = MathContext.from_mapping({"symbols": {"X": "n x d", "y": "n x 1", "I": "identity d"}})
    line = parse_math(text, context)
    assert sympy.Symbol(name, real=True) in line.terms[0].free_symbols
    assert not {"l", "a", "m", "b", "d"} & set(line.unknown_names)


def test_short_greek_name_without_backslash_is_letters_in_latex():
    line = parse_math(r"x_{1}^{2} + xi", MathContext.from_mapping({}))
    assert "xi" not in line.unknown_names
