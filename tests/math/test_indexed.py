"""Sums, products and means over an index (grader/math/_sums.py, _indexed.py):
index ties in the context, what is read, what is refused, and pairs through
``grader.math.equivalent`` (equal forms and the traps that must differ)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from grader.errors import ContextError
from grader.math import MathContext, MathParseError, equivalent, parse_math
from grader.math._indexed import IndexedSum, contains_indexed
from grader.math.context import load_context
from grader.math.derivation import Milestone, check_derivation
from grader.math.equivalence._symbolic import symbolic_or_undetermined

FILES = Path(__file__).resolve().parent / "files"

# Least squares with the ties the rubric declares (x_i, y_i, and x^{(i)}).
LS = MathContext.from_mapping(
    {
        "symbols": {
            "X": "n x d",
            "y": "n x 1",
            "beta": "d x 1",
            "p": "scalar",
            "I": "identity d",
            "x_i": "row i of X",
            "y_i": "entry i of y",
        },
        "functions": ["sigma"],
    }
)
# Without ties: an indexed name is never tied by guessing (DESIGN.md decision 1).
UNTIED = MathContext.from_mapping(
    {"symbols": {"X": "n x d", "y": "n x 1", "beta": "d x 1"}, "functions": ["sigma"]}
)
# The same, with the ties written in the context.
TIED = MathContext.from_mapping(
    {
        "symbols": {
            "X": "n x p",
            "y": "n x 1",
            "beta": "p x 1",
            "x_i": "row i of X",
            "y_i": "entry i of y",
            "z_j": "column j of Z",
            "Z": "m x q",
        }
    }
)
# Batch backprop: rows of A_1 and dZ_2 are the m examples.
BATCH = MathContext.from_mapping(
    {
        "symbols": {
            "A_1": "m x h",
            "dZ_2": "m x k",
            "dW_2": "h x k",
            "a_{1,i}": "row i of A_1",
            "dz_{2,i}": "row i of dZ_2",
        }
    }
)
# Two candidates for x_i: the matrix X and the vector x.
AMBIGUOUS = MathContext.from_mapping({"symbols": {"X": "n x p", "x": "n x 1", "beta": "p x 1"}})
# Two row counts: Z has m rows; x_i and y_i tied to the n rows of X and y.
TIED_TWO_SIZES = MathContext.from_mapping(
    {
        "symbols": {
            "X": "n x p",
            "Z": "m x p",
            "y": "n x 1",
            "x_i": "row i of X",
            "y_i": "entry i of y",
        }
    }
)

LOSS = r"(y_i - x_i^T\beta)^2"

EQUAL_PAIRS = [
    (LS, r"\sum_{i=1}^n " + LOSS, r"\|y - X\beta\|^2"),
    (LS, r"\sum_{i=1}^{n} " + LOSS, r"(y - X\beta)^T(y - X\beta)"),
    (LS, r"\sum_i " + LOSS, r"\|y - X\beta\|_2^2"),
    (LS, r"\sum_{i} " + LOSS, r"y^T y - 2 \beta^T X^T y + \beta^T X^T X \beta"),
    (LS, r"\sum\limits_{i=1}^n " + LOSS, r"\|y - X\beta\|^2"),
    (LS, r"Σ_i " + LOSS, r"\|y - X\beta\|^2"),
    (LS, r"∑_{i=1}^n " + LOSS, r"\|y - X\beta\|^2"),
    (LS, r"\sum_{i=1}^n (x_i^T\beta - y_i)^2", r"\|X\beta - y\|^2"),
    (LS, r"\sum_{j=1}^n (y_j - x_j^T\beta)^2", r"\sum_{i=1}^n " + LOSS),
    (LS, r"\sum_{i=0}^{n-1} " + LOSS, r"\|y - X\beta\|^2"),
    (LS, r"\frac{1}{n}\sum_i " + LOSS, r"\frac{1}{n}\|y - X\beta\|^2"),
    (LS, r"\frac1n\sum_{i=1}^n " + LOSS, r"\frac{\|y - X\beta\|^2}{n}"),
    (LS, r"\frac{1}{2} \sum_i " + LOSS, r"\frac{1}{2}\|y - X\beta\|^2"),
    (LS, r"\mathbb{E}_i[" + LOSS + "]", r"\frac{1}{n}\sum_i " + LOSS),
    (LS, r"\mathbb{E}[" + LOSS + "]", r"\frac{1}{n}\|y - X\beta\|^2"),
    (LS, r"\sum_i x_i (x_i^T\beta - y_i)", r"X^T(X\beta - y)"),
    (LS, r"-\sum_{i=1}^n x_i (y_i - x_i^T\beta)", r"X^T X\beta - X^T y"),
    (LS, r"\sum_i x_i x_i^T \beta - \sum_i x_i y_i", r"X^T X \beta - X^T y"),
    (LS, r"\sum_i x_i x_i^T", r"X^T X"),
    (LS, r"\sum_i x_i x_i^T + I", r"X^T X + I"),
    (LS, r"\sum_{i=1}^n x_i y_i", r"X^T y"),
    (LS, r"\sum_i y_i^2", r"y^T y"),
    (LS, r"\sum_i x^{(i)} y^{(i)}", r"X^T y"),
    (LS, r"\sum_i \mathbf{x}_i y_i", r"X^T y"),
    (LS, r"\sum_i x_i (\sigma(x_i^T\beta) - y_i)", r"X^T(\sigma(X\beta) - y)"),
    (LS, r"\prod_{i=1}^n e^{y_i}", r"e^{\sum_i y_i}"),
    (
        LS,
        r"\prod_{i=1}^n p^{y_i} (1 - p)^{1 - y_i}",
        r"\exp\left(\sum_{i=1}^n (y_i \log p + (1 - y_i) \log(1 - p))\right)",
    ),
    (LS, r"∏_{i=1}^n p^{y_i}", r"\exp(\sum_i y_i \log p)"),
    (LS, r"\prod_i \exp(y_i x_i^T\beta)", r"\exp(\beta^T X^T y)"),
    (LS, r"\exp(\sum_i y_i x_i^T\beta)", r"\exp(y^T X\beta)"),
    (LS, r"\log \prod_i \sigma(x_i^T\beta)", r"\sum_i \log\sigma(x_i^T\beta)"),
    (
        LS,
        r"\log \prod_{i=1}^n \sigma(x_i^T\beta)^{y_i} (1 - \sigma(x_i^T\beta))^{1 - y_i}",
        r"\sum_{i=1}^n (y_i \log\sigma(x_i^T\beta) + (1 - y_i)\log(1 - \sigma(x_i^T\beta)))",
    ),
    (LS, r"\sum_{i=1}^3 i^2", "14"),
    (LS, r"\sum_i x_i^T x_i", r"\operatorname{tr}(X^T X)"),
    (TIED, r"\sum_i " + LOSS, r"\|y - X\beta\|^2"),
    (TIED, r"\sum_{k=1}^n (y_k - x_k^T\beta)^2", r"\|y - X\beta\|^2"),
    (TIED, r"\sum_{j=1}^q z_j z_j^T", r"Z Z^T"),
    (BATCH, r"\frac{1}{m} \sum_{i=1}^m a_{1,i} dz_{2,i}^T", r"A_1^T dZ_2 / m"),
    (BATCH, r"dW_2 = \frac{1}{m} \sum_i a_{1,i} dz_{2,i}^T", r"dW_2 = \frac{1}{m} A_1^T dZ_2"),
]

# Traps: each must be not_equal (a slip a student makes).
NOT_EQUAL_PAIRS = [
    (LS, r"\sum_i " + LOSS, r"\frac{1}{n}\|y - X\beta\|^2"),  # the 1/n is missing
    (LS, r"\frac{1}{n}\sum_i " + LOSS, r"\|y - X\beta\|^2"),  # an extra 1/n
    (LS, r"\sum_i (y_i - x_i^T\beta)", r"\|y - X\beta\|^2"),  # the square is missing
    (LS, r"\sum_i x_i x_i^T", r"X X^T"),  # n x n, not p x p
    (LS, r"\sum_i x_i^T x_i", r"X^T X"),  # a number, not a matrix
    (LS, r"\sum_i x_i^T x_i \beta", r"X^T X \beta"),  # x_i^T x_i for x_i x_i^T
    (LS, r"\sum_i x_i (y_i - x_i^T\beta)", r"X^T(X\beta - y)"),  # the sign
    (LS, r"\sum_i x_i (x_i^T\beta - y_i)", r"X(X^T\beta - y)"),
    (LS, r"\sum_i x_i y_i", r"X y"),
    (LS, r"\sum_i y_i x_i^T", r"X^T y"),  # a row, not a column
    (LS, r"\frac{1}{2}\sum_i " + LOSS, r"\|y - X\beta\|^2"),  # the 1/2
    (LS, r"\sum_i (y_i^2 - x_i^T\beta)", r"\|y - X\beta\|^2"),
    (LS, r"\mathbb{E}[" + LOSS + "]", r"\|y - X\beta\|^2"),  # a mean, not a sum
    (LS, r"\prod_i p^{y_i}(1 - p)^{y_i}", r"\prod_i p^{y_i}(1 - p)^{1 - y_i}"),
    (LS, r"\prod_i e^{y_i}", r"\sum_i e^{y_i}"),
    (LS, r"\sum_{i=1}^3 i^2", "13"),
    (
        LS,
        r"\log \prod_{i=1}^n \sigma(x_i^T\beta)^{y_i} (1 - \sigma(x_i^T\beta))^{1 - y_i}",
        r"\sum_{i=1}^n (y_i \log\sigma(x_i^T\beta) + y_i\log(1 - \sigma(x_i^T\beta)))",
    ),
    (LS, r"\exp(\sum_i y_i x_i^T\beta)", r"\exp(X\beta)"),
    (BATCH, r"\frac{1}{m} \sum_i a_{1,i} dz_{2,i}^T", r"A_1^T dZ_2"),  # the 1/m
    (BATCH, r"\sum_i dz_{2,i} a_{1,i}^T", r"A_1^T dZ_2"),  # transposed
]

# Readable lines: (context, text, the notes that show how the line was read).
READINGS = [
    (LS, r"\sum_{i=1}^n " + LOSS, ["read x_i as row i of X", "read y_i as entry i of y"]),
    (LS, r"\sum_i y_i", ["read y_i as entry i of y"]),
    (LS, r"\mathbb{E}_i[y_i]", ["read y_i as entry i of y", "read \\mathbb{E}[...] as the mean"]),
    (TIED, r"\sum_{j=1}^q z_j", ["read z_j as column j of Z"]),
    (BATCH, r"\sum_i a_{1,i}", ["read a1_i as row i of A1"]),
]

# Unreadable on purpose: (context, text, words of the reason).
REFUSED = [
    # without a tie in the context, x_i is never tied by guessing
    (AMBIGUOUS, r"\sum_i (y - x_i^T\beta)", "declare it in the context"),
    (UNTIED, r"\sum_{i=1}^n (y_i - x_i^T\beta)^2", "cannot tell what"),
    (TIED_TWO_SIZES, r"\sum_{i=1}^m x_i", "X has n rows"),
    (TIED_TWO_SIZES, r"\sum_{i=1}^m y_i", "y has n rows"),
    (LS, r"\sum_{i=1}^N y_i", "not a dimension"),
    (LS, r"\sum_i z_i", "cannot tell what z_i is"),
    (LS, r"\sum_i \hat y_i", "cannot tell what yhat_i is"),
    (LS, r"\sum_{i=1}^n 1", "use no symbol tied"),
    (LS, r"\sum_{i=1}^n i", "use no symbol tied"),
    (LS, r"\sum y_i", "needs its index"),
    (LS, r"\sum_{i<n} y_i", "cannot read the range"),
    (LS, r"\prod_i x_i x_i^T", "product over i of matrices"),
    (LS, r"\mathbb{E}[\beta]", "only when its argument uses symbols tied"),
    (LS, r"\mathbb{E} y_i", "needs [...]"),
    (None, r"\sum_i y_i", "cannot tell what y_i is"),
]

Q1_MILESTONES = [
    Milestone("expansion", "1/2 (y^T y - 2 beta^T X^T y + beta^T X^T X beta)", "form", "J"),
    Milestone("gradient", "d(J)/d(beta) = X^T X beta - X^T y", "value", "d(J)/d(beta)"),
    Milestone("normal", "X^T X beta = X^T y", "equation"),
    Milestone("solution", "beta = (X^T X)^{-1} X^T y", "equation"),
]


def _id(case: tuple) -> str:
    return f"{case[1]} | {case[2]}"[:60]


@pytest.mark.parametrize(("context", "a", "b"), EQUAL_PAIRS, ids=[_id(c) for c in EQUAL_PAIRS])
def test_equal_pairs(context, a, b) -> None:
    result = equivalent(a, b, context)
    assert result.verdict == "equal", result.reason
    assert equivalent(b, a, context).verdict == "equal"


@pytest.mark.parametrize(
    ("context", "a", "b"), NOT_EQUAL_PAIRS, ids=[_id(c) for c in NOT_EQUAL_PAIRS]
)
def test_traps_are_not_equal(context, a, b) -> None:
    result = equivalent(a, b, context)
    assert result.verdict == "not_equal", result.reason


@pytest.mark.parametrize(("context", "text", "notes"), READINGS, ids=[c[1] for c in READINGS])
def test_how_a_sum_is_read(context, text, notes) -> None:
    line = parse_math(text, context)
    (value,) = line.terms
    assert contains_indexed(value)
    assert not line.unknown_names
    for note in notes:
        assert any(note in written for written in line.notes), line.notes


@pytest.mark.parametrize(("context", "text", "reason"), REFUSED, ids=[c[1] for c in REFUSED])
def test_unreadable_sums_say_why(context, text, reason) -> None:
    with pytest.raises(MathParseError) as caught:
        parse_math(text, context)
    assert reason in caught.value.reason
    verdict = equivalent(text, "y^T y", context)
    assert verdict.verdict == "undetermined"


@pytest.mark.parametrize(
    ("text", "summand"),
    [
        (r"\sum_i x_i x_i^T + I", r"\sum_i x_i x_i^T"),  # up to the next top-level +
        (r"\sum_i y_i - 1", r"\sum_i y_i"),
        (r"2 \sum_i y_i^2 y_i", r"\sum_i y_i^3"),  # a product is one summand
        (r"\sum_i (y_i - 1)^2 = 0", r"\sum_i (y_i - 1)^2"),  # up to a relation
    ],
)
def test_the_extent_of_a_summand(text, summand) -> None:
    value = parse_math(text, LS).terms[0]
    sums = [node for node in sympy.preorder_traversal(value) if isinstance(node, IndexedSum)]
    (node,) = sums
    assert node == parse_math(summand, LS).terms[0]


def test_a_sum_node_keeps_its_index_range_and_ties() -> None:
    (value,) = parse_math(r"\sum_{i=1}^n x_i x_i^T", LS).terms
    assert isinstance(value, IndexedSum)
    assert value.index == sympy.Symbol("i", real=True)
    assert (value.lower, str(value.upper), value.op) == (1, "n", "sum")
    ((symbol, source, kind),) = value.ties
    assert (str(symbol), str(source), kind, str(value.shape)) == ("x_i", "X", "row", "(d, d)")
    assert symbol not in value.free_symbols
    assert LS.matrix("X") in value.free_symbols


def test_the_symbolic_step_does_not_guess_about_a_sum() -> None:
    (a,) = parse_math(r"\sum_i y_i^2", LS).terms
    (b,) = parse_math(r"y^T y", LS).terms
    result = symbolic_or_undetermined(a, b, LS, 5.0, "the numbers could not decide")
    assert result.verdict == "undetermined"
    assert "sum over an index" in result.reason


@pytest.mark.parametrize(
    ("symbols", "message"),
    [
        ({"x_i": "row i of X"}, "'X' is not declared with a shape"),
        ({"X": "n x p", "x_i": "entry i of X"}, "is a matrix, not a vector"),
    ],
)
def test_bad_ties_are_context_errors(symbols, message) -> None:
    with pytest.raises(ContextError) as caught:
        MathContext.from_mapping({"symbols": symbols})
    assert message in str(caught.value)


def test_ties_give_shapes_and_merge() -> None:
    assert TIED.ties["x_i"] == ("row", "i", "X")
    assert TIED.shape_of("x_i") == (sympy.Symbol("p", integer=True, positive=True), 1)
    assert "y_i" in TIED.scalars
    merged = UNTIED.merged(
        MathContext.from_mapping({"symbols": {"u_i": "row i of X", "X": "n x p"}})
    )
    assert merged.ties == {"u_i": ("row", "i", "X")}
    assert hash(merged) != hash(UNTIED)
    # a tie goes with its matrix when a question redeclares it
    redeclared = TIED.merged(MathContext.from_mapping({"symbols": {"X": "n x 1"}}))
    assert "x_i" not in redeclared.ties and redeclared.shape_of("x_i") is None


def test_a_derivation_in_sums_is_checked_like_any_other() -> None:
    context = load_context(FILES / "q1-context.yaml")
    text = (FILES / "q1-typed-sums.md").read_text(encoding="utf-8")
    result = check_derivation(text, context, milestones=Q1_MILESTONES, time_limit=None)
    assert {m.id: m.status for m in result.milestones} == dict.fromkeys(
        ("expansion", "gradient", "normal", "solution"), "correct"
    )
    checked = [s for s in result.steps if s.kind != "text"]
    assert checked and all(s.status == "correct" for s in checked), [
        (s.line_no, s.status) for s in checked
    ]
    assert not result.needs_review


def test_slips_in_a_derivation_in_sums_are_charged() -> None:
    context = load_context(FILES / "q1-context.yaml")
    text = (FILES / "q1-typed-sums-mistakes.md").read_text(encoding="utf-8")
    result = check_derivation(text, context, milestones=Q1_MILESTONES, time_limit=None)
    steps = {s.line_no: (s.status, s.diagnosis) for s in result.steps if s.kind != "text"}
    assert steps[3][0] == "wrong"  # the square is missing
    assert steps[5] == ("wrong", "sign_flip")  # the gradient's sign
    assert steps[7][0] == "wrong"  # x_i^T x_i for x_i x_i^T
    assert steps[9][0] == "correct"  # the matrix form is right again


def test_a_loss_defined_as_a_sum_is_never_charged_for_what_sympy_cannot_derive() -> None:
    context = load_context(FILES / "q1-sums-context.yaml")
    assert contains_indexed(context.definitions["J"])
    text = (FILES / "q1-typed-sums.md").read_text(encoding="utf-8")
    result = check_derivation(text, context, milestones=Q1_MILESTONES, time_limit=None)
    steps = {s.line_no: s.status for s in result.steps if s.kind != "text"}
    assert "wrong" not in steps.values(), steps
    assert steps[3] == "correct"  # J as a sum = J in matrix form, by the numbers
    assert steps[7] == "undetermined"  # SymPy cannot differentiate the sum: said, not guessed
    assert result.needs_review


def test_a_declared_sigma_is_a_matrix_not_a_sum() -> None:
    context = MathContext.from_mapping({"symbols": {"Sigma": "p x p", "beta": "p x 1"}})
    (value,) = parse_math(r"\beta^T \Sigma^{-1} \beta", context).terms
    assert not contains_indexed(value)
    assert context.matrix("Sigma") in value.free_symbols or any(
        node == context.matrix("Sigma") for node in sympy.preorder_traversal(value)
    )


@pytest.mark.parametrize(
    "text",
    [r"\sum_{i=1}^{n}", r"\sum_{}^n y_i", r"\sum_{i=}^n y_i", r"\sum_{i=x}^n y_i", r"\sum_i^"],
)
def test_broken_sums_are_parse_errors(text) -> None:  # never an exception of another kind
    with pytest.raises(MathParseError):
        parse_math(text, LS)


@pytest.mark.parametrize(
    "text",
    [
        r"\frac12 \sum_i (y_i - x_i^T\beta)^2",
        r"\log(\sum_i (y_i - x_i^T\beta)^2)",
        r"\sum_i y_i x_i^T\beta + \beta^T\beta",
        r"(\sum_i y_i x_i^T\beta)^2",
        r"\sum_i x_i x_i^T \beta",
    ],
)
def test_sympy_never_takes_a_sum_for_a_constant(text) -> None:
    """Matrix calculus on a sum is refused, not answered with 0."""
    (value,) = parse_math(text, LS).terms
    with pytest.raises(NotImplementedError):
        value.diff(LS.matrix("beta"))


def test_a_sum_is_differentiated_term_by_term_by_a_scalar() -> None:
    (value,) = parse_math(r"\sum_i (y_i - p)^2", LS).terms
    (expected,) = parse_math(r"\sum_i -2 (y_i - p)", LS).terms
    derivative = value.diff(sympy.Symbol("p", real=True))
    assert equivalent(derivative, expected, LS).verdict == "equal"


def test_a_term_that_still_uses_the_index_belongs_to_the_sum():
    from grader.math import equivalent

    context = {
        "symbols": {
            "X": "n x p",
            "y": "n x 1",
            "beta": "p x 1",
            "x_i": "row i of X",
            "y_i": "entry i of y",
        }
    }
    one_sum = r"\sum_i (y_i x_i^T\beta + (1 - y_i) x_i^T\beta)"
    assert equivalent(
        r"\sum_i y_i x_i^T\beta + (1 - y_i) x_i^T\beta", one_sum, context
    ).verdict == ("equal")
    # a term without the index still ends the summand
    assert equivalent(r"\sum_i y_i + 1", r"1 + \sum_i y_i", context).verdict == "equal"
