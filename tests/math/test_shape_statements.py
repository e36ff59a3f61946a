"""Shape statements in words and plain text (``grader.math.shapes``), one
phrasing per row, and the LaTeX forms ``parse_math`` reads for comparison."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.math import MathContext, parse_math
from grader.math.context import dimension_symbol
from grader.math.shapes import read_shape_statements

n, d, p = (dimension_symbol(name) for name in "ndp")

# The ML exam's Q1 context, written out here (tests do not read the rubric).
CONTEXT = MathContext.from_mapping(
    {
        "symbols": {"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1", "J": "scalar"},
        "aliases": {"x": "X", "Y": "y", "B": "beta", "theta": "beta"},
    }
)


def shapes(text: str, context: MathContext | None = CONTEXT) -> dict[str, tuple]:
    return read_shape_statements(text, context).shapes


def same(found: dict, expected: dict) -> bool:
    if set(found) != set(expected):
        return False
    return all(
        sympy.simplify(sympy.sympify(a) - sympy.sympify(b)) == 0
        for name in expected
        for a, b in zip(found[name], expected[name], strict=True)
    )


READS = [
    # (id, text, {name: (rows, cols)})
    ("is-x", "y is n x 1", {"y": (n, 1)}),
    ("colon", "y: n x 1", {"y": (n, 1)}),
    ("times-sign", "y is n×1", {"y": (n, 1)}),
    ("no-spaces", "y is nx1", {"y": (n, 1)}),
    ("by-vector", "y is an n by 1 vector", {"y": (n, 1)}),
    ("in-unicode", "y ∈ R^(n x 1)", {"y": (n, 1)}),
    ("in-reals-unicode", "y ∈ ℝ^(n×1)", {"y": (n, 1)}),
    ("in-braces", "y in R^{n x 1}", {"y": (n, 1)}),
    ("parenthesised", "y (n x 1)", {"y": (n, 1)}),
    ("has-shape-tuple", "y has shape (n, 1)", {"y": (n, 1)}),
    ("shape-tuple-no-space", "y: shape (n,1)", {"y": (n, 1)}),
    ("numpy-vector", "y has shape (n,)", {"y": (n, 1)}),
    ("shape-of", "the shape of X is n x (d+1)", {"X": (n, d + 1)}),
    ("dim-call", "dim(y) = n x 1", {"y": (n, 1)}),
    ("matrix-brackets", "X is n x (d+1)", {"X": (n, d + 1)}),
    ("matrix-no-brackets", "X is n x d+1", {"X": (n, d + 1)}),
    ("matrix-spaced-sum", "X is n x d + 1", {"X": (n, d + 1)}),
    ("rows-and-columns", "X has n rows and d+1 columns", {"X": (n, d + 1)}),
    ("matrix-of-size", "X is a matrix of size n by (d+1)", {"X": (n, d + 1)}),
    ("alias-lowercase-x", "x is n x (d+1)", {"X": (n, d + 1)}),
    ("subscript-shape", r"X_{n \times (d+1)}", {"X": (n, d + 1)}),
    ("dimensional-column", "beta is a (d+1)-dimensional column vector", {"beta": (d + 1, 1)}),
    ("dimensional-words", "beta is a d+1 dimensional vector", {"beta": (d + 1, 1)}),
    ("vector-of-length", "beta is a vector of length d+1", {"beta": (d + 1, 1)}),
    ("vector-entries", "y is a vector with n entries", {"y": (n, 1)}),
    ("latex-vector-space", r"\beta \in \mathbb{R}^{d+1}", {"beta": (d + 1, 1)}),
    ("inline-math", r"$\beta \in \mathbb{R}^{d+1}$", {"beta": (d + 1, 1)}),
    ("greek-letter", "β is (d+1)×1", {"beta": (d + 1, 1)}),
    ("alias-B", "B is (d+1) x 1", {"beta": (d + 1, 1)}),
    (
        "alias-theta-bold",
        r"\boldsymbol{\theta} \in \mathbb{R}^{(d+1) \times 1}",
        {"beta": (d + 1, 1)},
    ),
    ("bold-matrix", r"\mathbf{X} \in \mathbb{R}^{n \times p}", {"X": (n, p)}),
    ("vector-power", "y in R^n", {"y": (n, 1)}),
    ("number-dims", "W is 3 x 4", {"W": (3, 4)}),
    ("scalar", "J is a scalar", {"J": (1, 1)}),
    ("scalar-in-reals", r"J \in \mathbb{R}", {"J": (1, 1)}),
    (
        "markdown-inline",
        r"$y$ is $n \times 1$ and $\beta$ is $(d+1) \times 1$",
        {"y": (n, 1), "beta": (d + 1, 1)},
    ),
    ("row-vector", "beta is a (d+1)-dimensional row vector", {"beta": (1, d + 1)}),
    ("row-explicit", "beta is 1 x (d+1)", {"beta": (1, d + 1)}),
    ("swapped", "X is (d+1) x n", {"X": (d + 1, n)}),
    (
        "three-commas",
        "y is n x 1, X is n x (d+1), beta is (d+1) x 1",
        {"y": (n, 1), "X": (n, d + 1), "beta": (d + 1, 1)},
    ),
    (
        "semicolon-and",
        "y is n x 1; X is n x (d+1) and beta is (d+1) x 1",
        {"y": (n, 1), "X": (n, d + 1), "beta": (d + 1, 1)},
    ),
    ("name-list", r"y, beta \in R^{n}", {"y": (n, 1), "beta": (n, 1)}),
    (
        "latex-quad",
        r"x = R^{n \times d+1} \quad \beta = R^{d+1 \times 1}",
        {"X": (n, d + 1), "beta": (d + 1, 1)},
    ),
    ("leading-words", "The target y is n x 1.", {"y": (n, 1)}),
    ("leading-noun-phrase", "The design matrix X has n rows and d+1 columns", {"X": (n, d + 1)}),
    ("entries-transposed", "y = [y_1, y_2, ..., y_n]^T", {"y": (n, 1)}),
    ("entries-from-zero", r"\beta = [\beta_0, \beta_1, \ldots, \beta_d]^T", {"beta": (d + 1, 1)}),
    ("entries-top", r"y = (y_{1}, \dots, y_{n})^{\top}", {"y": (n, 1)}),
    ("part-label", "(c) y is n x 1", {"y": (n, 1)}),
    ("list-marker", "- X: n x (d+1)", {"X": (n, d + 1)}),
    ("no-context-greek", "beta is (d+1) x 1", {"beta": (d + 1, 1)}),
]


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in READS], ids=[r[0] for r in READS])
def test_reads_shape_statements(text, expected):
    found = shapes(text)
    assert same(found, expected), found


def test_reads_without_a_context():
    assert same(shapes("beta is (d+1) x 1; X is n x p", None), {"beta": (d + 1, 1), "X": (n, p)})


def test_statements_across_lines_keep_their_line_numbers():
    reading = read_shape_statements("y is n x 1\nsome words\nX: n x (d+1)", CONTEXT, first_line=30)
    assert [(s.name, s.line_no) for s in reading.statements] == [("y", 30), ("X", 32)]


def test_a_name_stated_twice_keeps_the_last_statement():
    assert same(shapes("beta is 1 x (d+1)\nbeta is (d+1) x 1"), {"beta": (d + 1, 1)})


NOT_SHAPES = [
    ("prose-about-a-matrix", "X is the design matrix"),
    ("equation", "y = X beta + e"),
    ("prose", "the squared error penalises large errors"),
    ("update-rule", "beta = beta - alpha X^T (X beta - y)"),
]


@pytest.mark.parametrize("text", [r[1] for r in NOT_SHAPES], ids=[r[0] for r in NOT_SHAPES])
def test_other_text_states_no_shape_and_is_not_flagged(text):
    reading = read_shape_statements(text, CONTEXT)
    assert reading.shapes == {}
    assert reading.unreadable == []


UNREADABLE = [
    # (id, text, names the unread statement is about)
    ("vague-dimension", "y is n-dimensional thing", ("y",)),
    ("unknown-dimension-word", "X is n x lots", ("X",)),
    ("product-subject", "X^T X is (d+1) x (d+1)", ()),
    ("no-name", "the matrix is n x d", ()),
    ("entries-no-orientation", "y = [y_1, ..., y_n]", ("y",)),
]


@pytest.mark.parametrize(
    ("text", "names"), [r[1:] for r in UNREADABLE], ids=[r[0] for r in UNREADABLE]
)
def test_shape_like_text_that_does_not_read_is_reported(text, names):
    reading = read_shape_statements(text, CONTEXT)
    assert reading.shapes == {}
    assert [u.names for u in reading.unreadable] == [names]
    assert reading.unreadable[0].reason


def test_the_bmatrix_line_reads_only_the_stated_matrix():
    # the bmatrix column itself is parse_math's job; the words reader must not
    # attach x's shape to the column's entries
    line = r"Y = \begin{bmatrix} y_1 \\ \vdots \\ y_n \end{bmatrix} \quad x = R^{n \times d+1}"
    assert same(shapes(line), {"X": (n, d + 1)})


LATEX = [
    ("in-times", r"y \in \mathbb{R}^{n \times 1}", {"y": (n, 1)}),
    ("equals-no-brackets", r"x = R^{n \times d+1}", {"X": (n, d + 1)}),
    ("vector-space", r"\beta \in \mathbb{R}^{d+1}", {"beta": (d + 1, 1)}),
    ("bmatrix", r"Y = \begin{bmatrix} y_1 \\ \vdots \\ y_n \end{bmatrix}", {"y": (n, 1)}),
    # a typed x between the dimensions, and R^(...) with parentheses
    ("typed-x-in-exponent", r"\beta \in \mathbb{R}^{(d+1) x 1}", {"beta": (d + 1, 1)}),
    ("unicode-parentheses", "y ∈ R^(n x 1)", {"y": (n, 1)}),
    ("plain-R-typed-x", "x = R^{n x d+1}", {"X": (n, d + 1)}),
    ("plain-R-parentheses", "x = R^(n x (d+1))", {"X": (n, d + 1)}),
]


def test_a_lone_x_in_an_exponent_is_a_dimension_not_a_separator():
    assert parse_math(r"y \in R^{x}", CONTEXT).shapes["y"][1] == 1


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in LATEX], ids=[r[0] for r in LATEX])
def test_latex_statements_read_alike_by_both_readers(text, expected):
    assert same(parse_math(text, CONTEXT).shapes, expected)
    if "bmatrix" not in text:
        assert same(shapes(text), expected)


# --- property: any phrasing template, any small dimensions ---------------------

TEMPLATES = [
    "{name} is {r} x {c}",
    "{name}: {r} by {c}",
    "{name} ∈ R^({r} x {c})",
    r"{name} \in \mathbb{{R}}^{{{r} \times {c}}}",
    "{name} has shape ({r}, {c})",
    "{name} ({r} x {c})",
]
DIMENSIONS = st.sampled_from(["n", "d", "p", "k", "m", "2", "3", "10", "(d+1)", "(n-1)", "2n"])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TEMPLATES), DIMENSIONS, DIMENSIONS, st.sampled_from(["y", "X", "W", "beta"]))
def test_every_template_reads_the_dimensions_it_was_given(template, rows, cols, name):
    text = template.format(name=name, r=rows, c=cols)
    found = shapes(text, None)
    expected = tuple(
        sympy.sympify(v.replace("2n", "2*n"), locals={"n": n, "d": d, "p": p}) for v in (rows, cols)
    )
    assert list(found) == [name], text
    assert all(
        sympy.simplify(sympy.sympify(str(a)) - sympy.sympify(str(b))) == 0
        for a, b in zip(found[name], expected, strict=True)
    ), (text, found)


PIECES = [*"yXbeta nxd+1()[]{},;:=^R∈×-_\\$'.0123", "\\times", "\\in", " by ", " is ", " and "]
PIECES += ["shape", "dimensional", "\\mathbb{R}", "\n"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_any_text_reads_without_an_exception(text):
    reading = read_shape_statements(text, CONTEXT)
    assert all(len(s.shape) == 2 for s in reading.statements)


@pytest.mark.parametrize(
    "text",
    ["a" * 20_000, "y is " + "(" * 500 + "n" + ")" * 500 + " x 1", "X is n x " + "d+" * 3000 + "1"],
    ids=["long-word", "deep-brackets", "long-dimension"],
)
def test_huge_input_is_not_read_and_does_not_fail(text):
    assert read_shape_statements(text, CONTEXT).shapes == {}
