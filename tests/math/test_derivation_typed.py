"""Typed derivations: a perfect one, the typical mistakes, error carried forward,
OCR suspects, unreadable lines, time limits, no context."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.math.context import load_context
from grader.math.derivation import Milestone, check_derivation

FILES = Path(__file__).resolve().parent / "files"
Q1_MILESTONES = [
    Milestone("expansion", "1/2 (y^T y - 2 beta^T X^T y + beta^T X^T X beta)", "form", "J"),
    Milestone("gradient", "d(J)/d(beta) = X^T X beta - X^T y", "value", "d(J)/d(beta)"),
    Milestone("normal", "X^T X beta = X^T y", "equation"),
    Milestone("solution", "beta = (X^T X)^{-1} X^T y", "equation"),
]
PARTIALS = ("dL/dz2", "dL/dw2", "dL/db2", "dL/dz1", "dL/dw1", "dL/db1")
Q2_MILESTONES = [Milestone(q, q, "value", q) for q in PARTIALS]


@pytest.fixture(scope="module")
def q1_context():
    return load_context(FILES / "q1-context.yaml")


@pytest.fixture(scope="module")
def q2_context():
    return load_context(FILES / "q2-context.yaml")


def _q1(text: str, context) -> dict:
    result = check_derivation(text, context, milestones=Q1_MILESTONES, time_limit=None)
    return {m.id: (m.status, m.diagnosis) for m in result.milestones}


def _q2(text: str, context) -> dict:
    result = check_derivation(text, context, milestones=Q2_MILESTONES, time_limit=None)
    return {m.id: (m.status, m.diagnosis) for m in result.milestones}


def test_perfect_q1(q1_context) -> None:
    text = (FILES / "q1-typed-perfect.md").read_text(encoding="utf-8")
    result = check_derivation(text, q1_context, milestones=Q1_MILESTONES, time_limit=None)
    assert {m.id: m.status for m in result.milestones} == dict.fromkeys(
        ("expansion", "gradient", "normal", "solution"), "correct"
    )
    checked = [s for s in result.steps if s.kind != "text"]
    assert all(s.status == "correct" for s in checked), [(s.line_no, s.status) for s in checked]
    assert not result.needs_review


def test_typical_q1_mistakes(q1_context) -> None:
    text = (FILES / "q1-typed-mistakes.md").read_text(encoding="utf-8")
    result = check_derivation(text, q1_context, milestones=Q1_MILESTONES, time_limit=None)
    steps = {s.line_no: (s.status, s.diagnosis) for s in result.steps if s.kind != "text"}
    assert steps == {
        3: ("correct", None),
        5: ("wrong", "shape_mismatch"),  # beta^T X X^T beta
        7: ("wrong", "shape_mismatch"),  # X X^T beta - X^T y: never ECF, meaningless
        9: ("wrong", "shape_mismatch"),
        11: ("wrong", "matrix_division"),  # beta = X^T y / X^T X
        13: ("wrong", "shape_mismatch"),  # beta = X^{-1} y: X is not square
    }
    milestones = {m.id: (m.status, m.diagnosis, m.line_no) for m in result.milestones}
    assert milestones == {
        "expansion": ("wrong", "shape_mismatch", 5),
        "gradient": ("wrong", "shape_mismatch", 7),
        "normal": ("wrong", "shape_mismatch", 9),
        "solution": ("wrong", "shape_mismatch", 13),
    }


SOLUTIONS = [
    (r"\beta = (X^T X)^{-1} X^T y", ("correct", None)),
    (r"\beta = \frac{X^T y}{X^T X}", ("wrong", "matrix_division")),
    (r"\beta = X^{-1} y", ("wrong", "shape_mismatch")),
    (r"\beta = (X X^T)^{-1} X^T y", ("wrong", "shape_mismatch")),
    (r"\beta = (X^T X)^{-1} X y", ("wrong", "shape_mismatch")),
    (r"\beta = -(X^T X)^{-1} X^T y", ("wrong", "sign_flip")),
]


@pytest.mark.parametrize(
    ("solution", "expected"), SOLUTIONS, ids=["right", "divide", "x-inverse", "xxt", "x-y", "sign"]
)
def test_closed_form_after_a_right_normal_equation(q1_context, solution, expected) -> None:
    text = (
        "$$\\nabla_\\beta J = X^T X \\beta - X^T y$$\n\n"
        "$$X^T X \\beta = X^T y$$\n\n"
        f"$${solution}$$\n"
    )
    result = _q1(text, q1_context)
    assert result["normal"] == ("correct", None)
    assert result["solution"] == expected


def test_ecf_normal_equation_and_solution_follow_a_wrong_gradient(q1_context) -> None:
    text = (
        "$$\\nabla_\\beta J = 2 X^T X \\beta - X^T y$$\n\n"
        "$$2 X^T X \\beta = X^T y$$\n\n"
        "$$\\beta = \\frac{1}{2} (X^T X)^{-1} X^T y$$\n"
    )
    result = check_derivation(text, q1_context, milestones=Q1_MILESTONES, time_limit=None)
    statuses = {m.id: m.status for m in result.milestones}
    assert statuses["gradient"] == "wrong"
    assert statuses["normal"] == "carried_forward"
    assert statuses["solution"] == "carried_forward"
    assert [s.status for s in result.steps] == ["wrong", "carried_forward", "carried_forward"]


def test_ecf_gradient_of_a_wrong_expansion(q1_context) -> None:
    text = (
        "$$J = \\frac{1}{2} (y^T y - \\beta^T X^T y + \\beta^T X^T X \\beta)$$\n\n"
        "$$\\nabla_\\beta J = -\\frac{1}{2} X^T y + X^T X \\beta$$\n"
    )
    result = check_derivation(text, q1_context, milestones=Q1_MILESTONES, time_limit=None)
    assert [s.status for s in result.steps] == ["wrong", "carried_forward"]
    assert result.milestones[0].status == "wrong"  # expansion
    assert result.milestones[1].status == "carried_forward"  # gradient


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [
                r"\nabla_\beta J = -\frac{1}{2} (-2 X^T y + 2 X^T X \beta)",
                r"= -X^T y + X^T X \beta",
            ],
            ("corrected_slip", "sign_flip"),
        ),
        (
            [r"\nabla_\beta J = -2 X^T y + 2 X^T X \beta", r"= -X^T y + X^T X \beta"],
            ("corrected_slip", "constant_factor"),
        ),
        (
            [r"\nabla_\beta J = X^T y - X^T X \beta", r"= X^T y - X^T X \beta"],
            ("wrong", "sign_flip"),
        ),
        ([r"\nabla_\beta J = X^T (X \beta - y)"], ("correct", None)),
    ],
    ids=["sign-slip-corrected", "factor-slip-corrected", "slip-carried-on", "factored"],
)
def test_gradient_slips(q1_context, lines, expected) -> None:
    text = "\n\n".join(f"$${line}$$" for line in lines)
    assert _q1(text, q1_context)["gradient"] == expected


def test_perfect_q2(q2_context) -> None:
    text = (FILES / "q2-typed-perfect.md").read_text(encoding="utf-8")
    assert _q2(text, q2_context) == {q: ("correct", None) for q in PARTIALS}


def test_typical_q2_mistakes(q2_context) -> None:
    text = (FILES / "q2-typed-mistakes.md").read_text(encoding="utf-8")
    result = check_derivation(text, q2_context, milestones=Q2_MILESTONES, time_limit=None)
    statuses = {m.id: (m.status, m.diagnosis) for m in result.milestones}
    assert statuses["dL/dz2"] == ("wrong", "sign_flip")  # y - a2
    for carried in ("dL/dw2", "dL/db2", "dL/dz1", "dL/db1"):
        assert statuses[carried][0] == "carried_forward", carried
    assert statuses["dL/dw1"] == ("wrong", "missing_factor")  # x missing, judged on values
    dw1 = next(m for m in result.milestones if m.id == "dL/dw1")
    assert dw1.message == "a factor x is missing"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("dL/dz1 = (a2 - y) w2", ("wrong", "missing_factor")),
        ("dL/dz1 = (a2 - y) w2 sigma(z1) (1 - sigma(z1))", ("correct", None)),
        ("dL/dz1 = (a2 - y) w2 (a1 - a1^2)", ("correct", None)),
        ("dL/dz1 = -(y - a2) w2 a1 (1 - a1)", ("correct", None)),
        ("dL/dz1 = (y - a2) w2 a1 (1 - a1)", ("wrong", "sign_flip")),
        ("dL/dz1 = 2 (a2 - y) w2 a1 (1 - a1)", ("wrong", "constant_factor")),
    ],
    ids=["no-sigmoid-derivative", "sigma-form", "expanded", "minus-y-a2", "sign", "factor"],
)
def test_dz1_forms(q2_context, answer, expected) -> None:
    result = check_derivation(
        answer,
        q2_context,
        milestones=[Milestone("dz1", "dL/dz1", "value", "dL/dz1")],
        time_limit=None,
    )
    milestone = result.milestones[0]
    assert (milestone.status, milestone.diagnosis) == expected


def test_unknown_name_that_no_constant_fixes_is_judged(q1_context) -> None:
    result = check_derivation(
        r"$$J = k (y - X\beta)^T (y - X\beta) + 3$$", q1_context, time_limit=None
    )
    (step,) = result.steps
    assert not step.ocr_suspect and step.status == "wrong"


def test_unknown_name_fitted_to_a_constant_is_an_ocr_suspect(q1_context) -> None:
    result = check_derivation(
        "$$J = \\frac{1}{2} \\|y - X \\beta\\|^2$$\n\n$$= g (y - X\\beta)^T (y - X\\beta)$$\n\n"
        "$$= \\frac{1}{2} (y - X\\beta)^T (y - X\\beta)$$",
        q1_context,
        milestones=Q1_MILESTONES,
        time_limit=None,
    )
    first, suspect, last = result.steps
    assert suspect.ocr_suspect and suspect.ocr_note == "'g' read where 1/2 makes the line right"
    assert suspect.status == "review" and last.status == "correct"


def test_unreadable_line_is_flagged_and_the_rest_checked(q2_context) -> None:
    text = (
        "$$\\frac{\\partial L}{\\partial z_2} = a_2 - y$$\n\n"
        "$$\\frac{\\partial L}{\\partial w_2} = ((a_2 - y) a_1$$\n\n"
        "$$\\frac{\\partial L}{\\partial b_2} = a_2 - y$$\n"
    )
    result = check_derivation(text, q2_context, milestones=Q2_MILESTONES, time_limit=None)
    first, broken, last = result.steps
    assert broken.kind == "unreadable" and broken.status == "review"
    assert broken.details["reason"] and broken.details["position"] is not None
    assert (first.status, last.status) == ("correct", "correct")
    assert result.needs_review
    statuses = {m.id: m.status for m in result.milestones}
    assert statuses["dL/dw2"] == "missing" and statuses["dL/db2"] == "correct"


def test_a_step_that_runs_out_of_time_is_undetermined(q2_context) -> None:
    # Explaining this wrong value (factoring a degree-40 polynomial in 8 names)
    # takes far longer than the limit; the other steps are still checked.
    text = (
        "$$\\frac{\\partial L}{\\partial z_2} = a_2 - y$$\n\n"
        "$$\\frac{\\partial L}{\\partial w_2} = (a_1 + a_2 + w_1 + w_2 + b_1 + b_2 + x + y)^{40}$$\n\n"
        "$$\\frac{\\partial L}{\\partial b_2} = a_2 - y$$\n"
    )
    result = check_derivation(text, q2_context, milestones=Q2_MILESTONES, time_limit=3.0)
    first, slow, last = result.steps
    assert (first.status, last.status) == ("correct", "correct")
    assert slow.status == "undetermined" and "timed out" in slow.message
    assert slow.kind == "differentiation"
    statuses = {m.id: m.status for m in result.milestones}
    assert statuses["dL/dw2"] == "missing" and statuses["dL/db2"] == "correct"


def test_lines_as_numbered_pairs(q2_context) -> None:
    result = check_derivation(
        [
            (40, "$$\\frac{\\partial L}{\\partial z_2} = a_2 - y$$"),
            (41, ""),
            (42, "dL/db2 = a2 - y"),
        ],
        q2_context,
        time_limit=None,
    )
    assert [(s.line_no, s.status) for s in result.steps] == [(40, "correct"), (42, "correct")]


@pytest.mark.parametrize(
    ("text", "statuses"),
    [
        ("$$x^2 - 1 = (x - 1)(x + 1)$$", ["correct"]),
        ("$$2 x + 1 = 5$$\n\n$$2 x = 4$$\n\n$$x = 2$$", ["unchecked", "correct", "correct"]),
        ("$$2 x + 1 = 5$$\n\n$$2 x = 6$$", ["unchecked", "wrong"]),
    ],
    ids=["identity", "equation-chain", "equation-slip"],
)
def test_without_a_context(text: str, statuses: list[str]) -> None:
    result = check_derivation(text, None, time_limit=None)
    assert [s.status for s in result.steps] == statuses


def test_rubric_style_context_takes_references_from_milestones() -> None:
    """The exam rubric's Q1 context declares J a scalar without defining it: the
    milestones' statements are then the references, and J(beta) is J."""
    from grader.math.context import MathContext

    context = MathContext.from_mapping(
        {
            "symbols": {"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1", "J": "scalar"},
            "aliases": {"B": "beta", "x": "X"},
        }
    )
    text = (
        (FILES / "q1-typed-perfect.md")
        .read_text(encoding="utf-8")
        .replace("$$J = ", "$$J(\\beta) = ")
    )
    result = check_derivation(text, context, milestones=Q1_MILESTONES, time_limit=None)
    assert {m.id: m.status for m in result.milestones} == dict.fromkeys(
        ("expansion", "gradient", "normal", "solution"), "correct"
    )
    assert result.steps[1].quantity == "J"


_TOKENS = st.sampled_from(
    [
        "$$",
        "=",
        r"\frac{\partial L}{\partial w_1}",
        r"\frac{1}{2}",
        "(",
        ")",
        "a_1",
        "a_2",
        "y",
        "x",
        "w_2",
        r"\sigma(z_1)",
        "-",
        "+",
        r"\\",
        r"\leftarrow",
        r"\Rightarrow",
        r"\therefore",
        r"\text{scalar}",
        "^T",
        "0",
        "1",
        "\n\n",
        "f",
        r"\nabla",
        "{",
        "}",
        r"\cdot",
        "q_2",
        r"\alpha",
        "'",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TOKENS, max_size=25))
def test_any_text_gives_a_result_never_an_exception(q2_context, tokens) -> None:
    text = " ".join(tokens)
    result = check_derivation(
        text,
        q2_context,
        milestones=[Milestone("dz1", "dL/dz1", "value", "dL/dz1")],
        time_limit=None,
    )
    assert all(s.status in _STATUSES for s in result.steps)
    assert result.milestones[0].status in _MILESTONE_STATUSES
    assert all("the check failed" not in s.message for s in result.steps), [
        s.message for s in result.steps
    ]


_STATUSES = {"correct", "carried_forward", "wrong", "review", "undetermined", "unchecked"}
_MILESTONE_STATUSES = {
    "correct",
    "corrected_slip",
    "carried_forward",
    "wrong",
    "missing",
    "ocr_suspect",
    "undetermined",
}


def test_unknown_milestone_kind_is_undetermined(q2_context) -> None:
    result = check_derivation(
        "dL/dz2 = a2 - y",
        q2_context,
        milestones=[Milestone("m", "dL/dz2", "shape")],
        time_limit=None,
    )
    assert result.milestones[0].status == "undetermined"
    assert "unknown milestone kind" in result.milestones[0].message


def test_formulas_inside_sentences_are_not_steps() -> None:
    text = "Inverting $X^T X$ is costly, so we use $\\alpha$ small.\n\n$$a = b$$\n\n$y = 2$\n"
    result = check_derivation(text, None, time_limit=None)
    assert [(s.line_no, s.source) for s in result.steps] == [(3, "a = b"), (5, "y = 2")]


def test_wrong_gradient_set_to_zero_is_the_carried_normal_equation(q1_context) -> None:
    text = (
        "$$\\nabla_\\beta J = 2 X^T X \\beta - X^T y$$\n\n"
        "$$2 X^T X \\beta - X^T y = 0$$\n\n"
        "$$\\beta = \\frac{1}{2} (X^T X)^{-1} X^T y$$\n"
    )
    statuses = {k: status for k, (status, _) in _q1(text, q1_context).items()}
    assert statuses == {
        "expansion": "missing",
        "gradient": "wrong",
        "normal": "carried_forward",
        "solution": "carried_forward",
    }
