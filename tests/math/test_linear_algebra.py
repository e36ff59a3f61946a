"""Entrywise products, norms and the pseudo-inverse (grader/math/_linear_algebra.py):
how they are read, their numbers in both evaluators, and tables of
``grader.math.equivalent`` verdicts with the traps that must be not_equal."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy import HadamardProduct, MatrixSymbol, Symbol

from grader.math import MathContext, MathParseError, equivalent, parse_math, to_plain_text
from grader.math._linear_algebra import Hadamard, Norm, PseudoInverse, array_node_value
from grader.math.evaluate import Evaluator, ShapeError, choose_sizes

n = Symbol("n", integer=True, positive=True)
p = Symbol("p", integer=True, positive=True)
X = MatrixSymbol("X", n, p)
A = MatrixSymbol("A", n, n)
v = MatrixSymbol("v", n, 1)
a = MatrixSymbol("a", n, 1)
b = MatrixSymbol("b", n, 1)

SYMBOLS = {"X": "n x p", "A": "n x n", "v": "n x 1", "a": "n x 1", "b": "n x 1", "W": "n x n"}
CTX = MathContext.from_mapping({"symbols": SYMBOLS, "functions": ["sigma"]})


def value(text: str):
    line = parse_math(text, CTX)
    assert line.kind == "expression", line
    return line.terms[0]


READINGS = [
    (r"a \odot b", Hadamard(a, b)),
    (r"a \circ b", Hadamard(a, b)),
    ("a ⊙ b", Hadamard(a, b)),
    ("a ∘ b", Hadamard(a, b)),
    ("a .* b", Hadamard(a, b)),
    ("np.multiply(a, b)", Hadamard(a, b)),
    ("a.T @ W * b.T", Hadamard(a.T * MatrixSymbol("W", n, n), b.T)),
    # an entrywise product takes what is before it: (W^T a) odot b
    (r"W^T a \odot b", Hadamard(MatrixSymbol("W", n, n).T * a, b)),
    # with a scalar it is the ordinary product
    (r"2 \odot a", 2 * a),
    (r"\|v\|_2^2", v.T * v),
    (r"\|v\|^2_2", v.T * v),
    (r"\|v\|_{2}^{2}", v.T * v),
    (r"\|v\|_1", Norm(v, 1)),
    (r"\|v\|_\infty", Norm(v, sympy.oo)),
    (r"\|v\|_{\infty}", Norm(v, sympy.oo)),
    ("||v||_inf", Norm(v, sympy.oo)),
    (r"\|X\|_2", Norm(X, 2)),
    (r"\lVert X \rVert_2^2", Norm(X, 2) ** 2),
    (r"\|X\|_F^2", sympy.Trace(X.T * X)),
    ("np.linalg.norm(v, 1)", Norm(v, 1)),
    ("np.linalg.norm(v, np.inf)", Norm(v, sympy.oo)),
    ("np.linalg.norm(X, 2)", Norm(X, 2)),
    ("X^{+}", PseudoInverse(X)),
]


@pytest.mark.parametrize(("text", "expected"), READINGS, ids=[t for t, _ in READINGS])
def test_readings(text, expected):
    assert value(text) == expected


REFUSED = [
    ("|v|", "ambiguous"),  # a norm? a length?
    ("|A|", "ambiguous"),  # a determinant?
    (r"\lvert v \rvert", "ambiguous"),
    (r"\|X\|_1", "ambiguous"),  # entrywise or induced
    (r"\|X\|_\infty", "ambiguous"),
    (r"\|v\|_3", "not read"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED, ids=[t for t, _ in REFUSED])
def test_refused(text, reason):
    with pytest.raises(MathParseError, match=reason):
        parse_math(text, CTX)


def test_absolute_value_of_a_number_or_1x1_matrix_stays():
    assert value("|a^T b|") == sympy.Abs(sympy.Trace(a.T * b))
    assert value(r"\|a^T b\|") == sympy.Abs(sympy.Trace(a.T * b))


@pytest.mark.parametrize(
    "text", [r"a \odot b", r"(X^T a) \odot (X^T b)", "X^+", r"\|X\|_2", r"\|v\|_\infty", "1_n^T a"]
)
def test_plain_text_round_trip(text):
    first = value(text)
    printed = to_plain_text(first)
    assert parse_math(printed, CTX).terms[0] == first, printed


def test_numbers_of_the_nodes_match_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5, 3)) + 0j  # 4 points of a 5 x 3 matrix
    w = rng.standard_normal((4, 5, 1)) + 0j
    values = {X: x, v: w, a: w, b: w[:, ::-1]}

    def of(expr):
        return values[expr]

    assert np.allclose(
        array_node_value(Norm(X, 2), of, ShapeError),
        [np.linalg.svd(m, compute_uv=False)[0] for m in x],
    )
    assert np.allclose(array_node_value(Norm(v, 1), of, ShapeError), np.abs(w).sum(axis=(1, 2)))
    assert np.allclose(
        array_node_value(Norm(v, sympy.oo), of, ShapeError), np.abs(w).max(axis=(1, 2))
    )
    assert np.allclose(array_node_value(PseudoInverse(X), of, ShapeError), np.linalg.pinv(x))
    assert np.allclose(array_node_value(HadamardProduct(a, b), of, ShapeError), w * w[:, ::-1])
    with pytest.raises(ShapeError, match="entrywise"):
        array_node_value(HadamardProduct(X, v), of, ShapeError)


def test_the_evaluator_dispatches_the_nodes():
    sizes = choose_sizes({n, p})
    evaluator = Evaluator(points=3, sizes=sizes)
    spectral = evaluator.evaluate(Norm(X, 2))
    frobenius = evaluator.evaluate(sympy.sqrt(sympy.Trace(X.T * X)))
    assert spectral.shape == (3,)
    assert (spectral.real < frobenius.real).all()  # rank > 1: strictly smaller


# a, b, verdict: with CTX's shapes (X tall or wide at random, so the pseudo-inverse
# pairs use a tall X of known size below)
PAIRS = [
    (r"a \odot b", r"b \odot a", "equal"),
    (r"a \odot b", "np.multiply(a, b)", "equal"),
    (r"(a + b) \odot a", r"a \odot a + b \odot a", "equal"),
    (r"\mathbf{1}^T (a \odot b)", "a^T b", "equal"),
    # 1 - a next to an entrywise product is 1 minus every entry (sigma' = a (1 - a))
    (r"a \odot (1 - a)", r"a - a \odot a", "equal"),
    (r"(1 - a) \odot a", r"a \odot (\mathbf{1} - a)", "equal"),
    (r"a \odot (1 - a)", r"a \odot a - a", "not_equal"),  # trap: sign
    (r"a \odot b", "a^T b", "not_equal"),  # trap: an inner product
    (r"a \odot b", "a b^T", "not_equal"),  # trap: an outer product
    (r"A \odot A", "A A", "not_equal"),  # trap: the matrix product
    ("A.T * A", "A^T A", "not_equal"),  # NumPy's * is entrywise
    ("X.T * X", "X^T X", "not_equal"),  # and a shape error unless square
    (r"\|v\|_2^2", "v^T v", "equal"),
    ("||v||^2", r"\|v\|_2^2", "equal"),
    (r"\|X\|_F^2", r"\operatorname{tr}(X^T X)", "equal"),
    (r"\|X\|_F", r"\sqrt{tr(X^T X)}", "equal"),
    (r"\|X\|_2", r"\|X\|_F", "not_equal"),  # trap: spectral is not Frobenius
    (r"\|X\|_2^2", "tr(X^T X)", "not_equal"),
    (r"\|v\|_1", r"\|v\|_2", "not_equal"),
    (r"\|v\|_\infty", r"\|v\|_1", "not_equal"),
    (r"\|v\|_2", r"\|v\|_2^2", "not_equal"),
    (r"\|2 v\|_1", r"2 \|v\|_1", "equal"),
    (r"\|X\|_2", "np.linalg.norm(X, 2)", "equal"),
    ("|v|", r"\|v\|", "undetermined"),  # ambiguous: refused with a reason
]


@pytest.mark.parametrize(("a", "b", "verdict"), PAIRS, ids=[f"{a} vs {b}" for a, b, _ in PAIRS])
def test_equivalent(a, b, verdict):
    result = equivalent(a, b, CTX)
    assert result.verdict == verdict, result.reason


TALL = {"symbols": {"X": "12 x 4", "y": "12 x 1", "A": "4 x 4"}}

PSEUDO_INVERSE = [
    ("X^{+}", "(X^T X)^{-1} X^T", "equal"),  # full column rank
    (r"X^\dagger y", r"(X^\top X)^{-1} X^\top y", "equal"),
    ("np.linalg.pinv(X) @ y", "np.linalg.inv(X.T @ X) @ X.T @ y", "equal"),
    ("X^{+}", "X^T", "not_equal"),
    ("X^{+} y", "(X X^T)^{-1} X y", "not_equal"),  # shape error on the right
    ("A^{+}", "A^{-1}", "equal"),  # invertible: the inverse
]


@pytest.mark.parametrize(
    ("a", "b", "verdict"), PSEUDO_INVERSE, ids=[f"{a} vs {b}" for a, b, _ in PSEUDO_INVERSE]
)
def test_pseudo_inverse(a, b, verdict):
    result = equivalent(a, b, TALL)
    assert result.verdict == verdict, result.reason
