"""How students' sheets write math that the readers must still find and read:
align rows with a trailing ``\\\\``, update arrows, plain-text math in prose,
``grad J``, a division by a product written without parentheses."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from grader.math.context import load_context
from grader.math.derivation._reading import read_statements
from grader.math.lines import MathSource, find_math_lines
from grader.math.parse import MathParseError, parse_math, product_divisor_reading

FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(scope="module")
def q1_context():
    return load_context(FILES / "q1-context.yaml")


@pytest.fixture(scope="module")
def q2_context():
    return load_context(FILES / "q2-context.yaml")


# a statement as find_math_lines may hand it over -> what the parser must read
STATEMENTS = [
    (r"X^T X \beta &= X^T y \\", "Eq(X.T*X*beta, X.T*y)"),
    (r"X^T X \beta = X^T y \\ ", "Eq(X.T*X*beta, X.T*y)"),
    (r"\beta = (X^T X)^{-1} X^T y \quad", "Eq(beta, (X.T*X)**(-1)*X.T*y)"),
]


@pytest.mark.parametrize(("text", "read_as"), STATEMENTS, ids=[t for t, _ in STATEMENTS])
def test_one_statement_is_read_without_its_separators(q1_context, text, read_as):
    [statement] = read_statements(MathSource(line_no=1, text=text, origin="display"), q1_context)
    assert statement.error is None, statement.error
    assert statement.line.kind == "equation"
    left, right = statement.line.terms
    assert str(sympy.Eq(left, right, evaluate=False)) == read_as


# an answer -> the (line, role, text) of the math statements found in it
FOUND = [
    (
        "\\begin{align}\nJ &= a + b \\\\\n&= c\n\\end{align}",
        [(2, "main", "J  = a + b"), (3, "main", "= c")],
    ),
    (
        "\\begin{align*}\nw_1 &\\leftarrow w_1 - \\alpha g \\\\\nb_1 &\\gets b_1 - \\alpha h\n\\end{align*}",
        [
            (2, "main", "w_1  \\leftarrow w_1 - \\alpha g"),
            (3, "main", "b_1  \\gets b_1 - \\alpha h"),
        ],
    ),
    (
        "$$\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}$$",
        [(1, "main", "a  = b"), (1, "main", "c  = d")],
    ),
    ("x &= y + 1 \\\\", [(1, "main", "x  = y + 1")]),
    (
        "$$ a = b \\leftarrow \\text{from (2)} $$",
        [(1, "main", "a = b"), (1, "side_note", "\\text{from (2)}")],
    ),
    ("w1 <- w1 - lr * dL/dw1", [(1, "main", "w1 <- w1 - lr * dL/dw1")]),
    ("w₁ ← w₁ − η ∂L/∂w₁", [(1, "main", "w₁ ← w₁ − η ∂L/∂w₁")]),
]


@pytest.mark.parametrize(("answer", "expected"), FOUND, ids=[a for a, _ in FOUND])
def test_math_lines_found(answer, expected):
    found = [(s.line_no, s.role, s.text) for s in find_math_lines(answer)]
    assert found == expected


# update rules, however the arrow is typed -> read as "name = new value"
UPDATES = [
    r"w_1 \leftarrow w_1 - \alpha \frac{\partial L}{\partial w_1}",
    r"w_1 \gets w_1 - \alpha \frac{\partial L}{\partial w_1}",
    "w1 <- w1 - alpha * dL/dw1",
    "w1 <-w1 - alpha * dL/dw1",
    "w₁ ← w₁ − α ∂L/∂w₁",
]


@pytest.mark.parametrize("text", UPDATES, ids=UPDATES)
def test_update_arrows_read_as_an_equation(q2_context, text):
    line = parse_math(text, q2_context)
    assert line.kind == "equation"
    assert [str(t) for t in line.terms] == ["w1", "-alpha*d(L)/d(w1) + w1"]


@pytest.mark.parametrize("text", ["x < -1", "a <- b <- c"])
def test_a_less_than_is_not_an_update_arrow(text):
    with pytest.raises(MathParseError):
        parse_math(text)


# plain-text math inside a prose line -> the statements found in it
IN_PROSE = [
    ("setting it to zero: X^T X b = X^T y", ["X^T X b = X^T y"]),
    (
        "(d) w1 = w1 - alpha dL/dw1, b1 = b1 - alpha dL/db1. Too big: diverges.",
        ["w1 = w1 - alpha dL/dw1", "b1 = b1 - alpha dL/db1"],
    ),
    ("so the update is: w1 <- w1 - lr * g; done", ["w1 <- w1 - lr * g"]),
    ("w1 = w1 - a g, b1 = b1 - a h", ["w1 = w1 - a g", "b1 = b1 - a h"]),
    ("f(a, b) = c", ["f(a, b) = c"]),
]

# prose (sentences from the sample sheet and typical answers) -> no math
PROSE = [
    "- \\* Squaring penalizes large errors more than small ones",
    "- \\* Ensure the fn is differentiable, hence able to take gradient",
    "Gradient descent takes small steps rather than take inverse of whole matrix at once, "
    "updates the other parameters of model constantly without starting calculation from start.",
    "(b). LSTM use a memory cell that carries relevant context across time steps. Gates "
    "control flow, -",
    "where n = number of samples, and so on.",
    "The loss is L = 1/2 (y - a2)^2 here.",
    "Note: the learning rate = step size.",
    "ANN: tabular data, RNN: time series, LSTM: translation.",
    "Too big: diverges.",
]


@pytest.mark.parametrize(("line", "expected"), IN_PROSE, ids=[t for t, _ in IN_PROSE])
def test_plain_math_in_a_prose_line_is_found(line, expected):
    assert [s.text for s in find_math_lines(line)] == expected


@pytest.mark.parametrize("line", PROSE, ids=PROSE)
def test_prose_stays_text(line):
    assert find_math_lines(line) == []


def test_the_sample_sheet_has_no_math_in_its_prose():
    sheet = (FILES.parents[1] / "files" / "seed-student-ocr.md").read_text(encoding="utf-8")
    assert [s for s in find_math_lines(sheet) if s.in_prose and s.origin == "plain"] == []


# the gradient written as a word reads like \nabla; a word that is a name stays a name
GRADIENT_WORDS = [
    ("grad J = X^T X b - X^T y", r"\nabla J = X^T X b - X^T y"),
    ("gradient of J = X^T X beta", r"\nabla J = X^T X \beta"),
    ("grad_beta J = X^T X beta", r"\nabla_\beta J = X^T X \beta"),
    ("grad(J) = X^T X beta", r"\nabla J = X^T X \beta"),
]


@pytest.mark.parametrize(("words", "latex"), GRADIENT_WORDS, ids=[w for w, _ in GRADIENT_WORDS])
def test_the_gradient_in_words(q1_context, words, latex):
    assert parse_math(words, q1_context).terms == parse_math(latex, q1_context).terms


@pytest.mark.parametrize("text", ["grad = X^T y", "the gradient of the loss is zero"])
def test_gradient_as_a_name_or_in_prose(q1_context, text):
    line = parse_math(text, q1_context)
    assert all("Gradient" not in str(t) and "d(" not in str(t) for t in line.terms)


# a gradient that names no variable -> the variable, from the other side's shape
GRADIENT_VARIABLE = [
    (r"\nabla J = X^T X \beta - X^T y", "d(J)/d(beta)"),
    ("grad J = X^T X beta - X^T y", "d(J)/d(beta)"),
    (r"\nabla J = 0", "Gradient(J)"),  # no shape to go by
    (r"\nabla J = X^T X", "Gradient(J)"),  # no variable of J has this shape
]


@pytest.mark.parametrize(("text", "left"), GRADIENT_VARIABLE, ids=[t for t, _ in GRADIENT_VARIABLE])
def test_gradient_variable_from_the_other_sides_shape(q1_context, text, left):
    assert str(parse_math(text, q1_context).terms[0]) == left


# a line -> its reading with the whole product after a slash as the divisor (None: the same)
DIVISOR_READINGS = [
    ("b = X^T y / X^T X", "b = X^T y /(X^T X)"),
    ("b = X^T y / X^TX", "b = X^T y /(X^TX)"),
    (r"\beta = X^T y / X^T X \\", r"\beta = X^T y /(X^T X) \\"),
    ("x = a / b c + d", "x = a /(b c) + d"),
    ("f = (a / b c) + 1", "f = (a /(b c)) + 1"),
    ("beta = (X^T y) / (X^T X)", None),
    ("x = a/b", None),
    ("dL/dw1 = (a2 - y) a1", None),
    ("J = 1/2 (y - X b)^T (y - X b)", None),  # a number first: a coefficient
]


@pytest.mark.parametrize(("text", "other"), DIVISOR_READINGS, ids=[t for t, _ in DIVISOR_READINGS])
def test_product_divisor_reading(text, other):
    assert product_divisor_reading(text) == other


def test_the_other_reading_is_the_divide_by_matrix_mistake(q1_context):
    other = parse_math(product_divisor_reading("beta = X^T y / X^T X"), q1_context)
    assert other.terms == parse_math("beta = (X^T y) / (X^T X)", q1_context).terms
