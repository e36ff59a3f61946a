"""Matrix calculus as students write it: gradients of expressions
(``\\nabla_\\beta (...)``, ``\\frac{\\partial}{\\partial \\beta} [...]``), of defined
quantities (``\\nabla_\\beta J``, ``J'(\\beta)``, ``\\frac{\\partial J}{\\partial
\\beta^T}``), differentials (``dJ = (X\\beta - y)^T X \\, d\\beta``) and traces,
read, compared (with the usual traps) and checked in derivations."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from grader.math import equivalent, parse_math
from grader.math._differentials import gradient_from_differentials
from grader.math._nodes import Differential, Gradient, split_derivative_symbol
from grader.math.calculus._gradients import GradientUnavailable, derivative_values
from grader.math.context import MathContext, load_context
from grader.math.derivation import Milestone, check_derivation

FILES = Path(__file__).resolve().parent / "files"

LEAST_SQUARES = MathContext.from_mapping(
    {
        "symbols": {
            "X": "n x (d+1)",
            "y": "n x 1",
            "beta": "(d+1) x 1",
            "J": "scalar",
            "A": "(d+1) x (d+1)",
            "B": "(d+1) x (d+1)",
            "W": "m x (d+1)",
            "u": "m x 1",
            "lambda": "scalar",
        },
        "definitions": {"J": "1/2 ||y - X beta||^2"},
    }
)
Q2 = load_context(FILES / "q2-context.yaml")

# a, b, verdict (a is the student's, b the reference)
GRADIENTS_OF_EXPRESSIONS = [
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"X^T(X\beta - y)", "equal"),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"X^T X\beta - X^T y", "equal"),
    (r"\nabla_{\beta} \frac12 (y - X\beta)^T(y - X\beta)", r"X^T(X\beta - y)", "equal"),
    (
        r"\frac{\partial}{\partial \beta} \left[ \frac12 \|y - X\beta\|^2 \right]",
        r"X^T(X\beta - y)",
        "equal",
    ),
    (r"\frac{\partial}{\partial\beta}(\frac{1}{2}\|y - X\beta\|_2^2)", r"X^T(X\beta - y)", "equal"),
    (r"\frac{d}{d\beta} \frac12 \|y - X\beta\|^2", r"-X^T(y - X\beta)", "equal"),
    (r"\nabla_\beta (\beta^T A \beta)", r"(A + A^T)\beta", "equal"),
    (r"\nabla_\beta \beta^T A \beta", r"A\beta + A^T\beta", "equal"),
    (r"\nabla_\beta (y^T X \beta)", r"X^T y", "equal"),
    (r"\nabla_\beta \frac{\lambda}{2}\|\beta\|^2", r"\lambda\beta", "equal"),
    (r"\nabla_A \operatorname{tr}(A B)", r"B^T", "equal"),
    (r"\nabla_\beta \mathrm{tr}(\beta^T A \beta)", r"(A + A^T)\beta", "equal"),
    (r"\nabla_W (u^T W \beta)", r"u \beta^T", "equal"),
    # scalar functions of 1x1 forms: the chain rule through the form
    (
        r"\nabla_\beta \log(1 + \exp(y^T X \beta))",
        r"\frac{\exp(y^T X\beta)}{1 + \exp(y^T X\beta)} X^T y",
        "equal",
    ),
    (
        r"\nabla_\beta \log(1 + e^{-y^T X \beta})",
        r"-\frac{e^{-y^T X\beta}}{1 + e^{-y^T X\beta}} X^T y",
        "equal",
    ),
    (r"\nabla_\beta (y^T X \beta)^2", r"2 (y^T X \beta) X^T y", "equal"),
    (r"\nabla_\beta \|\beta\|", r"\frac{\beta}{\|\beta\|}", "equal"),
    (
        r"\nabla_\beta \frac12\|y - X\beta\|^2 + \frac{\lambda}{2}\|\beta\|^2",
        r"X^T(X\beta - y) + \lambda\beta",
        "equal",
    ),
    (
        r"\nabla_\beta \left[\frac12\|y - X\beta\|^2 + \frac{\lambda}{2}\|\beta\|^2\right]",
        r"X^T X\beta + \lambda\beta - X^T y",
        "equal",
    ),
    # traps: the sign, a missing 1/2 or 2, a missing transpose, X X^T
    (
        r"\nabla_\beta \log(1 + e^{-y^T X \beta})",
        r"\frac{e^{-y^T X\beta}}{1 + e^{-y^T X\beta}} X^T y",
        "not_equal",
    ),
    (r"\nabla_\beta (y^T X \beta)^2", r"2 X^T y", "not_equal"),
    (
        r"\nabla_\beta \left[\frac12\|y - X\beta\|^2 + \frac{\lambda}{2}\|\beta\|^2\right]",
        r"X^T X\beta + 2\lambda\beta - X^T y",
        "not_equal",
    ),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"X^T(y - X\beta)", "not_equal"),
    (r"\nabla_\beta \|y - X\beta\|^2", r"X^T(X\beta - y)", "not_equal"),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"2X^T(X\beta - y)", "not_equal"),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"X(X\beta - y)", "not_equal"),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"X X^T \beta - X^T y", "not_equal"),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"(X\beta - y)^T X", "not_equal"),
    (r"\nabla_\beta (\beta^T A \beta)", r"2A\beta", "not_equal"),
    (r"\nabla_\beta (\beta^T A \beta)", r"A\beta", "not_equal"),
    (r"\nabla_A \operatorname{tr}(A B)", r"B", "not_equal"),
    (r"\nabla_W (u^T W \beta)", r"\beta u^T", "not_equal"),
    # what has no gradient, or no variable: never a guess
    (r"\nabla_\beta (X\beta)", r"X^T", "undetermined"),
    (r"\nabla (\beta^T A \beta)", r"(A + A^T)\beta", "undetermined"),
]

GRADIENTS_OF_QUANTITIES = [
    (r"\nabla_\beta J", r"X^T(X\beta - y)", "equal"),
    (r"\nabla_{\beta} J(\beta)", r"X^T X\beta - X^T y", "equal"),
    (r"\frac{\partial J}{\partial \beta}", r"X^T(X\beta - y)", "equal"),
    (r"\frac{dJ}{d\beta}", r"X^T(X\beta - y)", "equal"),
    (r"\partial J / \partial \beta", r"X^T(X\beta - y)", "equal"),
    (r"J'(\beta)", r"X^T(X\beta - y)", "equal"),
    (r"\frac{\partial J}{\partial \beta^T}", r"(X\beta - y)^T X", "equal"),
    (r"\frac{\partial J}{\partial \beta^\top}", r"(X\beta - y)^T X", "equal"),
    (r"\nabla_\beta J", r"\nabla_\beta \frac12 \|y - X\beta\|^2", "equal"),
    (r"\nabla_\beta J", r"X^T(y - X\beta)", "not_equal"),
    (r"\nabla_\beta J", r"X X^T\beta - X^T y", "not_equal"),
    (r"\nabla_\beta J", r"2X^T(X\beta - y)", "not_equal"),
    (r"J'(\beta)", r"X^T(y - X\beta)", "not_equal"),
    (r"\frac{\partial J}{\partial \beta^T}", r"X^T(X\beta - y)", "not_equal"),
    (r"\nabla J", r"X^T(X\beta - y)", "undetermined"),
]

DIFFERENTIALS = [
    (r"dJ = (X\beta - y)^T X \, d\beta", r"\nabla_\beta J = X^T(X\beta - y)", "equal"),
    (r"dJ = (X\beta - y)^T X d\beta", r"\nabla_\beta J = X^T X\beta - X^T y", "equal"),
    (
        r"\mathrm{d}J = (X\beta - y)^T X \,\mathrm{d}\beta",
        r"\nabla_\beta J = X^T(X\beta - y)",
        "equal",
    ),
    (
        r"dJ = d\beta^T X^T (X\beta - y)",
        r"\frac{\partial J}{\partial\beta} = X^T(X\beta - y)",
        "equal",
    ),
    (
        r"dJ = \operatorname{tr}((X\beta - y)^T X \, d\beta)",
        r"\nabla_\beta J = X^T(X\beta - y)",
        "equal",
    ),
    (
        r"dJ = \frac12 (d\beta^T X^T (X\beta - y) + (X\beta - y)^T X d\beta)",
        r"\nabla_\beta J = X^T(X\beta - y)",
        "equal",
    ),
    (r"dJ = d\beta^T X^T X\beta - y^T X d\beta", r"\nabla_\beta J = X^T(X\beta - y)", "equal"),
    (r"dJ = (y - X\beta)^T X \, d\beta", r"\nabla_\beta J = X^T(X\beta - y)", "not_equal"),
    (r"dJ = 2(X\beta - y)^T X \, d\beta", r"\nabla_\beta J = X^T(X\beta - y)", "not_equal"),
    (r"dJ = (X\beta - y)^T X \, d\beta", r"\nabla_\beta J = X^T(y - X\beta)", "not_equal"),
    # not a differential form (d\beta is missing): not read, never judged
    (r"dJ = (X\beta - y)^T X", r"\nabla_\beta J = X^T(X\beta - y)", "undetermined"),
]

GRADIENT_EQUATIONS = [
    # the gradient of an expression equal to J is J's gradient: the equation's unknown
    (
        r"\nabla_\beta \frac12\|y - X\beta\|^2 = X^T(X\beta - y)",
        r"\nabla_\beta J = X^T X\beta - X^T y",
        "equal",
    ),
    (
        r"\nabla_\beta \frac12\|y - X\beta\|^2 = X^T(y - X\beta)",
        r"\nabla_\beta J = X^T(X\beta - y)",
        "not_equal",
    ),
    # the gradient of an explicit expression is a value: 2 X^T(X beta - y) is not X^T(...)
    (
        r"\nabla_\beta \|y - X\beta\|^2 = X^T(X\beta - y)",
        r"\nabla_\beta J = X^T(X\beta - y)",
        "not_equal",
    ),
    (r"\nabla_\beta \frac12\|y - X\beta\|^2 = 0", r"X^T X\beta = X^T y", "equal"),
]

TRACES = [
    (r"\operatorname{tr}(A B)", r"\operatorname{tr}(B A)", "equal"),
    (r"\mathrm{tr}(X^T X)", r"\mathrm{tr}(X X^T)", "equal"),
    (r"tr(A B)", r"\text{tr}(B A)", "equal"),
    (r"\operatorname{Tr}(X^T X)", r"\|X\|_F^2", "equal"),
    (r"\text{Tr}(A^T B)", r"\operatorname{trace}(B^T A)", "equal"),
    (r"\operatorname{tr}(\beta^T A \beta)", r"\beta^T A \beta", "equal"),
    (r"\operatorname{tr}(A B)", r"\operatorname{tr}(A^T B)", "not_equal"),
    (r"\text{tr}(A B)", r"\operatorname{tr}(A) \operatorname{tr}(B)", "not_equal"),
    (r"\operatorname{tr}(X^T X)", r"X^T X", "not_equal"),
]

BACKPROP = [
    (r"\frac{\partial L}{\partial w_2}", r"(a_2 - y) a_1", "equal"),
    (r"\nabla_{w_2} L", r"(a_2 - y) a_1", "equal"),
    (r"\frac{\partial L}{\partial z_1}", r"(a_2 - y) w_2 a_1 (1 - a_1)", "equal"),
    (r"\frac{\partial L}{\partial w_2}", r"(a_2 - y) w_2", "not_equal"),
    (r"\frac{\partial L}{\partial z_1}", r"(a_2 - y) w_2", "not_equal"),
    (r"dL = (a_2 - y) a_1 \, dw_2", r"\frac{\partial L}{\partial w_2} = (a_2 - y) a_1", "equal"),
    (
        r"dL = (y - a_2) a_1 \, dw_2",
        r"\frac{\partial L}{\partial w_2} = (a_2 - y) a_1",
        "not_equal",
    ),
]


def _ids(table: list[tuple[str, str, str]]) -> list[str]:
    return [f"{a} vs {b}" for a, b, _ in table]


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    GRADIENTS_OF_EXPRESSIONS
    + GRADIENTS_OF_QUANTITIES
    + DIFFERENTIALS
    + GRADIENT_EQUATIONS
    + TRACES,
    ids=_ids(
        GRADIENTS_OF_EXPRESSIONS
        + GRADIENTS_OF_QUANTITIES
        + DIFFERENTIALS
        + GRADIENT_EQUATIONS
        + TRACES
    ),
)
def test_matrix_calculus_verdicts(a: str, b: str, verdict: str) -> None:
    result = equivalent(a, b, LEAST_SQUARES)
    assert result.verdict == verdict, result.reason


@pytest.mark.parametrize(("a", "b", "verdict"), BACKPROP, ids=_ids(BACKPROP))
def test_backprop_partials_have_their_values(a: str, b: str, verdict: str) -> None:
    result = equivalent(a, b, Q2)
    assert result.verdict == verdict, result.reason


@pytest.mark.parametrize(
    ("a", "b", "diagnosis"),
    [
        (r"\nabla_\beta \frac12\|y - X\beta\|^2", r"X^T(y - X\beta)", "sign_flip"),
        (r"\nabla_\beta \|y - X\beta\|^2", r"X^T(X\beta - y)", "constant_factor"),
        (r"\nabla_\beta J", r"X X^T\beta - X^T y", "shape_mismatch"),
        (r"\frac{\partial J}{\partial \beta^T}", r"X^T(X\beta - y)", "shape_mismatch"),
    ],
)
def test_a_wrong_gradient_is_diagnosed(a: str, b: str, diagnosis: str) -> None:
    assert equivalent(a, b, LEAST_SQUARES).diagnosis == diagnosis


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (r"\nabla_\beta (X\beta)", r"X^T", "Jacobian"),
        (r"\nabla J", r"X^T(X\beta - y)", "with respect to which variable"),
        (r"dJ = (X\beta - y)^T X", r"\nabla_\beta J = X^T(X\beta - y)", "differential"),
    ],
)
def test_an_undetermined_gradient_says_why(a: str, b: str, reason: str) -> None:
    result = equivalent(a, b, LEAST_SQUARES)
    assert result.verdict == "undetermined"
    assert reason in result.reason


# ---------------------------------------------------------------- reading

READINGS = [
    # text, what the first term is
    (r"\nabla_\beta \frac12\|y - X\beta\|^2", "gradient of a product, wrt beta"),
    (r"\nabla_\beta \beta^T A \beta", "gradient of a product, wrt beta"),
    (
        r"\frac{\partial}{\partial \beta} \left[ \frac12 \|y - X\beta\|^2 \right]",
        "gradient of a product, wrt beta",
    ),
    (r"\nabla_\beta J", "d(J)/d(beta)"),
    (r"\nabla_\beta J(\beta)", "d(J)/d(beta)"),
    (r"J'(\beta)", "d(J)/d(beta)"),
    (r"\frac{\partial J}{\partial \beta^T}", "transpose of d(J)/d(beta)"),
    (r"\partial J / \partial \beta^T", "transpose of d(J)/d(beta)"),
    (r"\frac{\partial}{\partial \beta^T} \frac12\|y - X\beta\|^2", "transpose of a gradient"),
]


def _describe(term: object) -> str:
    if isinstance(term, Gradient):
        inner = "a product" if isinstance(term.expr, (sp.MatMul, sp.Mul)) else "something"
        return f"gradient of {inner}, wrt {term.wrt}"
    if isinstance(term, sp.Transpose):
        inner = term.arg
        if split_derivative_symbol(inner) is not None:
            return f"transpose of {inner.name}"
        if isinstance(inner, Gradient):
            return "transpose of a gradient"
    name = getattr(term, "name", None)
    if isinstance(name, str) and split_derivative_symbol(name) is not None:
        return name
    return f"other: {sp.srepr(term)[:80]}"


@pytest.mark.parametrize(("text", "expected"), READINGS, ids=[t for t, _ in READINGS])
def test_derivative_notations_are_read(text: str, expected: str) -> None:
    line = parse_math(text, LEAST_SQUARES)
    assert _describe(line.terms[0]) == expected


def test_nabla_covers_the_scalar_terms_after_it_not_a_vector_term() -> None:
    # a scalar added to a gradient would be meaningless: the operator covers it
    (term,) = parse_math(r"\nabla_\beta \beta^T A \beta + y^T X\beta", LEAST_SQUARES).terms
    assert isinstance(term, Gradient)
    # a term shaped like the gradient is added to it
    (term,) = parse_math(r"\nabla_\beta \beta^T A \beta + \lambda\beta", LEAST_SQUARES).terms
    assert isinstance(term, sp.MatAdd)
    assert sum(isinstance(arg, Gradient) for arg in term.args) == 1
    # by a scalar, the operator applies to the product that follows it
    (term,) = parse_math(r"\frac{d}{dx} x^2 + 3x", LEAST_SQUARES).terms
    assert isinstance(term, sp.Add)


@pytest.mark.parametrize(
    "text",
    [r"tr(A B)", r"\text{tr}(A B)", r"\operatorname{Tr}(A B)", r"\mathrm{Tr}(AB)", "trace(A B)"],
)
def test_trace_spellings(text: str) -> None:
    (term,) = parse_math(text, LEAST_SQUARES).terms
    assert isinstance(term, sp.Trace)


def test_tr_after_a_transpose_is_not_the_trace() -> None:
    context = MathContext.from_mapping({"symbols": {"r": "n x 1"}})
    (term,) = parse_math(r"\frac12 r^Tr", context).terms
    assert not term.has(sp.Trace)
    assert term.shape == (1, 1)


@pytest.mark.parametrize(
    ("text", "gradient"),
    [
        (r"dJ = (X\beta - y)^T X \, d\beta", "X.T*(X*beta - y)"),
        (r"dJ = d\beta^T X^T (X\beta - y)", "X.T*(X*beta - y)"),
        (r"dJ = \operatorname{tr}((X\beta - y)^T X d\beta)", "X.T*(X*beta - y)"),
        (r"dJ = (X beta - y)^T X dbeta", "X.T*(X*beta - y)"),
        (r"dJ = u^T W \, d\beta", "W.T*u"),
    ],
)
def test_a_differential_states_a_gradient(text: str, gradient: str) -> None:
    line = parse_math(text, LEAST_SQUARES)
    assert line.kind == "equation"
    assert getattr(line.terms[0], "name", None) == "d(J)/d(beta)"
    assert str(line.terms[1]) == gradient
    assert any("gradient of J" in note for note in line.notes)


@pytest.mark.parametrize(
    "text",
    [
        r"dJ = (X\beta - y)^T X",  # no differential on the right
        r"dJ = (X\beta - y)^T X d\beta + 1",  # a term without it
        r"dJ = d\beta^T A d\beta",  # not linear
    ],
)
def test_what_is_not_a_differential_form_keeps_its_differentials(text: str) -> None:
    line = parse_math(text, LEAST_SQUARES)
    assert any(
        isinstance(node, Differential)
        for term in line.terms
        for node in sp.preorder_traversal(term)
    )


def test_a_code_name_starting_with_d_is_not_a_differential() -> None:
    line = parse_math("dL_dz2 = a2 - y", Q2)
    assert not any(
        isinstance(node, Differential)
        for term in line.terms
        for node in sp.preorder_traversal(term)
    )


def test_without_a_context_d_stays_a_name() -> None:
    line = parse_math(r"dx = 2 d y")
    assert not any(
        isinstance(node, Differential)
        for term in line.terms
        for node in sp.preorder_traversal(term)
    )


def test_gradient_from_differentials_leaves_other_lines_alone() -> None:
    terms = parse_math(r"J = \frac12\|y - X\beta\|^2", LEAST_SQUARES).terms
    assert gradient_from_differentials(list(terms), LEAST_SQUARES) == (list(terms), None)


def test_derivative_values_refuse_a_jacobian_and_compute_a_gradient() -> None:
    X, beta, y = (LEAST_SQUARES.symbol(n) for n in ("X", "beta", "y"))
    jacobian, named = derivative_values([(X * beta, beta), ("J", beta)], LEAST_SQUARES)
    assert isinstance(jacobian, GradientUnavailable) and "Jacobian" in str(jacobian)
    assert equivalent(named, X.T * (X * beta - y), LEAST_SQUARES).verdict == "equal"


# ---------------------------------------------------------------- derivations

Q1_GRADIENT = [Milestone("gradient", "d(J)/d(beta) = X^T X beta - X^T y", "value", "d(J)/d(beta)")]

DERIVATIONS = [
    # text, status of the line, status of the gradient milestone
    (r"\nabla_\beta \frac12 (y - X\beta)^T(y - X\beta) = X^T(X\beta - y)", "correct", "correct"),
    (r"\nabla_\beta \frac12 (y - X\beta)^T(y - X\beta) = X^T(y - X\beta)", "wrong", "wrong"),
    (
        r"\frac{\partial}{\partial \beta} \left[ \frac12 \|y - X\beta\|^2 \right] = X^T X \beta - X^T y",
        "correct",
        "correct",
    ),
    (r"\nabla_\beta \frac12 \|y - X\beta\|^2 = X X^T \beta - X^T y", "wrong", "wrong"),
    (r"dJ = (X\beta - y)^T X \, d\beta", "correct", "correct"),
    (r"dJ = (y - X\beta)^T X \, d\beta", "wrong", "wrong"),
    (r"dJ = d\beta^T X^T X \beta - y^T X d\beta", "correct", "correct"),
    (r"dJ = -(y - X\beta)^T X d\beta = d\beta^T X^T(X\beta - y)", "correct", "correct"),
    (
        r"\nabla_\beta \frac12 \operatorname{tr}((y - X\beta)^T(y - X\beta)) = X^T(X\beta - y)",
        "correct",
        "correct",
    ),
    (r"J'(\beta) = X^T(X\beta - y)", "correct", "correct"),
    (r"J'(\beta) = X^T(y - X\beta)", "wrong", "wrong"),
]


@pytest.mark.parametrize(
    ("text", "line", "milestone"), DERIVATIONS, ids=[t for t, _, _ in DERIVATIONS]
)
def test_gradient_lines_in_a_derivation(text: str, line: str, milestone: str) -> None:
    context = load_context(FILES / "q1-context.yaml")
    result = check_derivation(text, context, milestones=Q1_GRADIENT, time_limit=None)
    steps = [s for s in result.steps if s.kind != "text"]
    assert [s.status for s in steps] == [line], [(s.kind, s.status, s.message) for s in steps]
    assert {m.id: m.status for m in result.milestones} == {"gradient": milestone}


def test_a_derivation_through_the_differential() -> None:
    context = load_context(FILES / "q1-context.yaml")
    text = "\n".join(
        [
            r"$$J = \frac12 (y - X\beta)^T (y - X\beta)$$",
            r"$$dJ = -(y - X\beta)^T X \, d\beta$$",
            r"$$\nabla_\beta J = X^T(X\beta - y) = 0$$",
            r"$$X^T X \beta = X^T y$$",
        ]
    )
    result = check_derivation(text, context, milestones=Q1_GRADIENT, time_limit=None)
    assert {m.id: m.status for m in result.milestones} == {"gradient": "correct"}
    assert all(s.status in ("correct", "unchecked") for s in result.steps if s.kind != "text"), [
        (s.line_no, s.kind, s.status, s.message) for s in result.steps
    ]
    assert not result.needs_review


@pytest.mark.parametrize(
    ("derivative", "agrees"),
    [("(A + A.T) b", True), ("2 A b", False), ("A b", False), ("A.T b", False)],
)
def test_sympys_derivative_is_checked_by_central_differences(derivative: str, agrees: bool) -> None:
    from grader.math.equivalence._derivatives import _agrees_with_differences

    A, b = LEAST_SQUARES.symbol("A"), LEAST_SQUARES.symbol("beta")
    value = {"(A + A.T) b": (A + A.T) * b, "2 A b": 2 * A * b, "A b": A * b, "A.T b": A.T * b}
    assert _agrees_with_differences(b.T * A * b, b, value[derivative], LEAST_SQUARES) is agrees


@pytest.mark.parametrize(
    ("last", "status"),
    [
        (r"= (X\beta - y)^T X \, d\beta", "correct"),
        (r"= d\beta^T (X^T X\beta - X^T y)", "correct"),
        (r"= (y - X\beta)^T X \, d\beta", "wrong"),
    ],
)
def test_a_differential_continued_on_the_next_line(last: str, status: str) -> None:
    context = load_context(FILES / "q1-context.yaml")
    text = "\n".join(
        [
            r"$$J = \frac12 \operatorname{tr}((y - X\beta)^T (y - X\beta))$$",
            r"$$dJ = -(y - X\beta)^T X \, d\beta$$",
            f"$${last}$$",
        ]
    )
    result = check_derivation(text, context, time_limit=None)
    statuses = [s.status for s in result.steps if s.kind != "text"]
    assert statuses == ["correct", "correct", status], [
        (s.line_no, s.kind, s.status, s.message) for s in result.steps
    ]


def test_a_continued_line_in_differentials_reads_as_the_gradient() -> None:
    line = parse_math(r"= (X\beta - y)^T X \, d\beta", LEAST_SQUARES)
    assert line.continues_previous
    assert [str(t) for t in line.terms] == ["X.T*(X*beta - y)"]


@pytest.mark.parametrize("student", [r"X^T(X\beta - y)", r"X^T(y - X\beta)"])
def test_a_gradient_of_a_loss_in_sums_is_never_guessed(student: str) -> None:
    # the chain rule does not reach inside a sum (its terms use the index):
    # what SymPy cannot differentiate is undetermined, right or wrong
    context = load_context(FILES / "q1-sums-context.yaml")
    result = equivalent(r"\nabla_\beta J", student, context)
    assert result.verdict == "undetermined"
    assert "cannot compute the gradient" in result.reason


@pytest.mark.parametrize(
    ("context", "verdict"),
    [
        ({"symbols": {"z": "scalar"}, "functions": ["g"]}, "undetermined"),
        (
            {
                "symbols": {"z": "scalar"},
                "functions": ["g"],
                "function_derivatives": {"g": "g(u) (1 - g(u))"},
            },
            "equal",
        ),
    ],
    ids=["no derivative given", "derivative given"],
)
def test_a_gradient_needing_an_unknown_functions_derivative_is_undetermined(
    context: dict, verdict: str
) -> None:
    result = equivalent(r"\frac{d}{dz}g(z)", r"g(z) - g(z)^2", context)
    assert result.verdict == verdict, result.reason
