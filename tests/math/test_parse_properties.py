"""Properties of the parser, checked with hypothesis:

- printing a parsed plain-text expression (``to_plain_text``) and reading it
  back gives the same expression;
- any text made of math-like pieces either parses or raises MathParseError
  (never another exception, never a hang);
- splitting a block and joining the pieces loses no mathematics.
"""

from __future__ import annotations

import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grader.math import MathContext, MathParseError, parse_math, split_statements, to_plain_text

CTX = MathContext.from_mapping(
    {
        "symbols": {"X": "n x p", "A": "p x p", "beta": "p x 1", "y": "n x 1", "t": "scalar"},
        "functions": ["sigma"],
    }
)

scalar_leaves = st.sampled_from(
    ["x", "t", "w1", "alpha", "2", "3", "1/2", "0.25", "e", "pi", "dL/dw1"]
)


def _scalar_expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, st.sampled_from(["2", "3", "-1", "(1/2)"])).map(
                lambda t: f"({t[0]})^{t[1]}"
            ),
            st.tuples(st.sampled_from(["exp", "log", "sqrt", "sin", "sigma", "tanh"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            inner.map(lambda s: f"-{s}"),
        )

    return st.recursive(scalar_leaves, extend, max_leaves=8)


def _matrix_products() -> st.SearchStrategy[str]:
    # well-shaped products of p x p pieces, then X^T X etc.
    square = st.sampled_from(
        ["A", "A^T", "X^T X", "A^(-1)", "(A + A^T)", "2 A", "(A ⊙ A^T)", "pinv(X) X", "||A||_2 A"]
    )
    return st.lists(square, min_size=1, max_size=4).map(lambda parts: " ".join(parts) + " beta")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scalar_expressions())
def test_plain_text_round_trip_scalars(text):
    first = parse_math(text, CTX).terms[0]
    assume(not first.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan))  # 1/0 has no plain spelling
    printed = to_plain_text(first)
    again = parse_math(printed, CTX).terms[0]
    assert again == first or sympy.simplify(again - first) == 0, (text, printed, again)


@settings(max_examples=60, deadline=None)
@given(_matrix_products())
def test_plain_text_round_trip_matrices(text):
    first = parse_math(text, CTX).terms[0]
    printed = to_plain_text(first)
    again = parse_math(printed, CTX).terms[0]
    assert again.shape == first.shape
    assert again.doit() == first.doit(), (text, printed)


PIECES = [
    "x", "y", "X", "beta", "w_1", "a_{1}", "2", "0.5", "+", "-", "*", "/", "^", "^T", "^{-1}", "_",
    "(", ")", "{", "}", "[", "]", "|", "||", "\\|", "=", ",", ".", ":", "'", "!", "&",
    "\\frac", "\\frac{1}{2}", "\\sqrt", "\\partial", "\\nabla", "\\left(", "\\right)", "\\cdot",
    "\\times", "\\alpha", "\\sigma", "\\log", "\\exp", "e^", "\\mathbb{R}^{n \\times d}", "\\in",
    "\\text{ok}", "\\begin{bmatrix}", "\\end{bmatrix}", "\\\\", "\\vdots", "\\hat", "\\mathbf",
    "\\Rightarrow", "\\quad", "\\cancel{", "$$", "~~", "\\foo", "dL/dw", "\\sum", "10^{10^{10}}",
    # code-like math, entrywise products, norms, ones
    "X.T", "@", "np.linalg.inv(", "inv(", ".dot(", "np.", "**", "\\odot", "\u2299", "\\circ",
    "\\mathbf{1}", "1_n", "\\mathbf{0}", "^{+}", "^\\dagger", "_2", "_F", "_\\infty", "sigmoid(",
    "softplus", "X'", "e_jx_i", "# note", "=>", "dL_dz2",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map(" ".join))
def test_any_text_parses_or_raises_math_parse_error(text):
    try:
        line = parse_math(text, CTX)
    except MathParseError as error:
        assert 0 <= error.position <= len(text) + 1
        assert error.reason and "\n" not in error.reason
        assert "internal error" not in error.reason, (text, error.reason)
    else:
        assert line.kind in ("expression", "equation", "chain", "shape_statement", "text")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_arbitrary_unicode_never_crashes(text):
    try:
        parse_math(text, CTX)
    except MathParseError as error:
        assert "internal error" not in error.reason, (text, error.reason)


@settings(max_examples=100, deadline=None)
@given(st.lists(_scalar_expressions(), min_size=1, max_size=4))
def test_split_statements_keeps_every_statement(expressions):
    block = " \\\\ ".join(f"z = {e}" for e in expressions)
    pieces = split_statements(block)
    assert pieces == [f"z = {e}" for e in expressions]
