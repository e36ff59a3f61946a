"""Issue 10's safety rules, as tables of pairs through ``equivalent``:
updates compare as new values, equations with parameters agree for every
parameter value, undeclared names are undetermined, decorated names are the
declared name, definitions made in the answer are read in place."""

from __future__ import annotations

import pytest

from grader.math import equivalent, parse_math
from grader.math.context import MathContext

BACKPROP = {
    "symbols": {"x": "scalar", "y": "scalar", "alpha": "scalar", "eta": "scalar", "g": "scalar"},
    "functions": ["sigma"],
    "definitions": {
        "z1": "w1 x + b1",
        "a1": "sigma(z1)",
        "z2": "w2 a1 + b2",
        "a2": "sigma(z2)",
        "L": "-(y log(a2) + (1 - y) log(1 - a2))",
    },
    "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"},
}
REGRESSION = {
    "symbols": {"X": "n x p", "y": "n x 1", "beta": "p x 1", "alpha": "scalar", "lambda": "scalar"},
    "definitions": {"J": "1/2 (y - X beta)^T (y - X beta)", "r": "y - X beta"},
}
SCALARS = {"symbols": {name: "scalar" for name in ("a", "b", "x", "y", "u", "v")}}

UPDATES = [
    # (a, b, context, verdict)
    (r"w_1 \leftarrow w_1 + \eta \frac{\partial L}{\partial w_1}",
     r"w_1 \leftarrow w_1 - \eta \frac{\partial L}{\partial w_1}", BACKPROP, "not_equal"),
    (r"w_1 := w_1 - 2\alpha g", r"w_1 := w_1 - \alpha g", BACKPROP, "not_equal"),
    (r"w_1 \gets w_1 - \alpha g", r"w1' = w1 - alpha g", BACKPROP, "equal"),
    (r"w_1 = w_1 - \alpha g", r"w_1 \leftarrow w_1 - \alpha g", BACKPROP, "equal"),
    (r"w_1^{(t+1)} = w_1^{(t)} - \alpha g", r"w_1 \leftarrow w_1 - \alpha g", BACKPROP, "equal"),
    (r"w_{1,new} = w_1 - \alpha g", r"w_1 \leftarrow w_1 - \alpha g", BACKPROP, "equal"),
    ("w1 <- w1 - alpha*g", r"w_1 \leftarrow w_1 - \alpha g", BACKPROP, "equal"),
    (r"w_1 \text{ becomes } w_1 - \alpha g", r"w_1' = w_1 - \alpha g", BACKPROP, "equal"),
    (r"b_1 \leftarrow b_1 - \alpha g", r"w_1 \leftarrow w_1 - \alpha g", BACKPROP, "not_equal"),
    # the explicit partial is the graph's partial
    (r"w_2 \leftarrow w_2 - \alpha (a_2 - y) a_1",
     r"w_2 \leftarrow w_2 - \alpha \frac{\partial L}{\partial w_2}", BACKPROP, "equal"),
    (r"w_2 \leftarrow w_2 - \alpha (y - a_2) a_1",
     r"w_2 \leftarrow w_2 - \alpha \frac{\partial L}{\partial w_2}", BACKPROP, "not_equal"),
    # an update is not an equation that happens to solve the same way
    (r"w_1 \leftarrow w_1 - \alpha g", r"\alpha g = 0", BACKPROP, "not_equal"),
    (r"\beta^{(k+1)} = \beta^{(k)} - \alpha X^T(X\beta^{(k)} - y)",
     r"\beta \gets \beta - \alpha X^T X \beta + \alpha X^T y", REGRESSION, "equal"),
]  # fmt: skip

PARAMETERS = [
    ("a x = a y", "x = y", SCALARS, "not_equal"),  # at a = 0 the first always holds
    ("(a - 1) x = a - 1", "x = 1", SCALARS, "not_equal"),
    ("(a^2 + 1) x = (a^2 + 1) y", "x = y", SCALARS, "equal"),  # never 0
    ("2 x = 4", "x = 2", SCALARS, "equal"),
    ("x^2 = 4", r"x = 2 \text{ or } x = -2", SCALARS, "equal"),  # the solutions listed
    ("x^2 = 4", "x = 2 or x = 3", SCALARS, "not_equal"),
    (r"\frac{x}{a} = \frac{y}{a}", "x = y", SCALARS, "not_equal"),  # a = 0: a is undefined
    ("y = a x + b", r"x = \frac{y - b}{a}", SCALARS, "not_equal"),
    ("a(x - y) = 0", "ax = ay", {}, "equal"),  # plain text: ax is a times x
    # the derivative of a written-out expression in an equation is its value
    (r"\frac{d}{dx}(x^2 - 4x) = 0", "x = 2", SCALARS, "equal"),
    (r"\frac{d}{dx}(x^3 - 3x) = 0", "x = 1", SCALARS, "not_equal"),  # x = -1 too
    (r"\frac{x^2 - 1}{x - 1} = 2", "x + 1 = 2", SCALARS, "not_equal"),  # x = 1 is 0/0
    ("(x - 2)^2 = 0", "x = 2", SCALARS, "equal"),  # multiplicity is not counted
    (r"X^T X \beta = X^T y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "equal"),
    (r"X^T X \beta = X^T y", r"\beta^T X^T X = y^T X", REGRESSION, "equal"),  # transposed
    (r"(X^T X + \lambda I)\beta = X^T y", r"X^T X \beta + \lambda \beta = X^T y",
     {**REGRESSION, "symbols": {**REGRESSION["symbols"], "I": "identity p"}}, "equal"),
    (r"\nabla_\beta J = 0", r"X^T X \beta = X^T y", REGRESSION, "equal"),
]  # fmt: skip

NAMES = [
    (r"\hat\beta = (X^T X)^{-1} X^T y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "equal"),
    (r"\beta^* = (X^\top X)^{-1} X^\top y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "equal"),
    (r"\beta_{OLS} = (X^T X)^{-1} X^T y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "equal"),
    ("β̂ = (X^T X)^{-1} X^T y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "equal"),
    (r"\hat\beta = (X X^T)^{-1} X^T y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "not_equal"),
    # an undeclared name is never a silent scalar
    (r"\theta = (X^T X)^{-1} X^T y", r"\beta = (X^T X)^{-1} X^T y", REGRESSION, "undetermined"),
    (r"X^T X \beta + \mu \beta", r"X^T X \beta", REGRESSION, "undetermined"),
    # y and \hat y in one line are two quantities: \hat y stays unknown
    (r"\hat y - y", "0", REGRESSION, "undetermined"),
    # \cdot between two column vectors is their inner product
    (r"\vec w \cdot \vec x", "x^T w", {"symbols": {"w": "d x 1", "x": "d x 1"}}, "equal"),
    # a^Ta typed as plain text: a superscript without braces is one character
    ("a^Ta - 2a^Tb + b^Tb", r"\|a - b\|_2^2", {"symbols": {"a": "n x 1", "b": "n x 1"}}, "equal"),
    ("X^TX beta", r"X X^T \beta", REGRESSION, "not_equal"),
    # a prime on a matrix after a factor is a transpose: X X' is not X' X
    ("X'X", "XX'", REGRESSION, "not_equal"),
    ("y'X", r"(X^T y)^T", REGRESSION, "equal"),
    # with no symbol table every name is a scalar
    ("2x + 3x", "5x", None, "equal"),
]  # fmt: skip

DEFINITIONS = [
    (r"\delta_2 w_2 a_1(1-a_1), \text{ where } \delta_2 = a_2 - y",
     r"(a_2 - y) w_2 a_1 (1 - a_1)", BACKPROP, "equal"),
    (r"\delta_2 a_1 \text{ where } \delta_2 := \frac{\partial L}{\partial z_2} = a_2 - y",
     "(a_2 - y) a_1", BACKPROP, "equal"),
    (r"\text{Let } e = a_2 - y. \text{ Then } e\,a_1", r"\frac{\partial L}{\partial w_2}",
     BACKPROP, "equal"),
    (r"g\, w_2\, a_1 (1 - a_1)\, x, \quad g \equiv a_2 - y", r"\frac{\partial L}{\partial w_1}",
     BACKPROP, "equal"),
    (r"\delta_1 x, \text{ where } \delta_1 := \delta_2 w_2 \text{ and } \delta_2 := a_2 - y",
     r"\frac{\partial L}{\partial w_1}", BACKPROP, "not_equal"),  # sigmoid derivative missing
    (r"-X^T \varepsilon, \text{ where } \varepsilon = y - X\beta", r"X^T(X\beta - y)",
     REGRESSION, "equal"),
    ("J", r"\frac{1}{2} r^T r", REGRESSION, "equal"),  # a context definition with ^T
    (r"\|r\|^2", "J", REGRESSION, "not_equal"),
    (r"\frac{\partial J}{\partial \beta}", r"X^\top X\beta - X^\top y", REGRESSION, "equal"),
]  # fmt: skip


def _rows(table):
    return [pytest.param(*row, id=f"{row[0]} | {row[1]}") for row in table]


@pytest.mark.parametrize(("a", "b", "context", "verdict"), _rows(UPDATES + PARAMETERS + NAMES))
def test_safety_rules(a, b, context, verdict):
    result = equivalent(a, b, context, time_limit=10)
    assert result.verdict == verdict, result.reason
    # the verdict is the same read the other way round
    assert equivalent(b, a, context, time_limit=10).verdict == verdict


@pytest.mark.parametrize(("a", "b", "context", "verdict"), _rows(DEFINITIONS))
def test_definitions_in_the_answer(a, b, context, verdict):
    assert equivalent(a, b, context, time_limit=10).verdict == verdict


@pytest.mark.parametrize(
    ("text", "target", "note"),
    [
        (r"w_1 \leftarrow w_1 - \alpha g", "w1", None),
        (r"w_1' = w_1 - \alpha g", "w1", "read w1' = ... as the update of w1 (its new value)"),
        (r"w_1 = w_1 - \alpha g", "w1", "read w1 = w1 + ... as the update of w1, not an equation"),
        (r"\delta_2 := \frac{\partial L}{\partial z_2} = a_2 - y", "delta2", None),
        ("x = x^2", None, None),  # an equation in x, not an update
        (r"\sigma'(z) = \sigma(z)(1 - \sigma(z))", None, None),  # a derivative, not a new sigma
    ],
)
def test_what_an_update_is(text, target, note):
    line = parse_math(text, MathContext.from_mapping(BACKPROP))
    assert line.update_of == target
    if note is not None:
        assert note in line.notes


def test_a_decorated_name_says_how_it_was_read():
    line = parse_math(r"\hat\beta", MathContext.from_mapping(REGRESSION))
    assert "read betahat as beta" in line.notes
    assert line.unknown_names == []


def test_an_undeclared_name_is_named_in_the_reason():
    result = equivalent(r"\theta", r"\beta", REGRESSION)
    assert result.verdict == "undetermined"
    assert "'theta'" in result.reason


@pytest.mark.parametrize(
    "text",
    [
        r", e ; { X := . @",
        r"then + \text{ where } \beta } := \frac{\partial L}{\partial z_2} w_1^{(t+1)} X",
    ],
)
def test_a_definition_of_something_that_is_no_name_is_unreadable_not_a_crash(text):
    from grader.math import MathParseError

    with pytest.raises(MathParseError):
        parse_math(text, MathContext.from_mapping(REGRESSION))
