"""The sample OCR sheet's derivations (rubrics/ml-exam.md Q1(b), Q2(c), Q2(d)),
checked step by step against contexts written for them (tests/math/files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.math.context import load_context
from grader.math.derivation import Milestone, check_derivation

FILES = Path(__file__).resolve().parent / "files"
SHEET = Path(__file__).resolve().parent.parent / "files" / "seed-student-ocr.md"

Q1_MILESTONES = [
    Milestone("expansion", "1/2 (y^T y - 2 beta^T X^T y + beta^T X^T X beta)", "form", "J"),
    Milestone("gradient", "d(J)/d(beta) = X^T X beta - X^T y", "value", "d(J)/d(beta)"),
    Milestone("normal", "X^T X beta = X^T y", "equation"),
    Milestone("solution", "beta = (X^T X)^{-1} X^T y", "equation"),
]
PARTIALS = ("dL/dz2", "dL/dw2", "dL/db2", "dL/dz1", "dL/dw1", "dL/db1")
Q2_MILESTONES = [Milestone(q, q, "value", q) for q in PARTIALS] + [
    Milestone("update-w1", "w1' = w1 - alpha dL/dw1", "equation"),
    Milestone("update-w2", "w2' = w2 - alpha dL/dw2", "equation"),
    Milestone("update-b1", "b1' = b1 - alpha dL/db1", "equation"),
    Milestone("update-b2", "b2' = b2 - alpha dL/db2", "equation"),
]


def _lines(first: int, last: int) -> list[tuple[int, str]]:
    text = SHEET.read_text(encoding="utf-8").splitlines()
    return [(n, text[n - 1]) for n in range(first, last + 1)]


@pytest.fixture(scope="module")
def q1():
    context = load_context(FILES / "q1-context.yaml")
    return check_derivation(_lines(11, 35), context, milestones=Q1_MILESTONES, time_limit=None)


@pytest.fixture(scope="module")
def q2():
    context = load_context(FILES / "q2-context.yaml")
    return check_derivation(_lines(47, 80), context, milestones=Q2_MILESTONES, time_limit=None)


def _steps(result, line_no: int):
    return [s for s in result.steps if s.line_no == line_no]


def _milestone(result, milestone_id: str):
    return next(m for m in result.milestones if m.id == milestone_id)


# (line, kind, status, diagnosis, ocr_suspect) per Q1(b) step
Q1_STEPS = [
    (11, "definition", "correct", None, False),
    (13, "rewrite", "review", None, True),
    (15, "rewrite", "correct", None, False),
    (17, "rewrite", "correct", None, False),
    (19, "side_note", "review", None, True),
    (21, "differentiation", "correct", None, False),
    (25, "differentiation", "wrong", "sign_flip", False),
    (27, "equation", "correct", None, False),
    (29, "equation", "correct", None, False),
    (31, "equation", "correct", None, False),
]


@pytest.mark.parametrize(
    ("line_no", "kind", "status", "diagnosis", "ocr"), Q1_STEPS, ids=[str(s[0]) for s in Q1_STEPS]
)
def test_q1b_steps(q1, line_no, kind, status, diagnosis, ocr) -> None:
    (step,) = _steps(q1, line_no)
    assert (step.kind, step.status, step.diagnosis, step.ocr_suspect) == (
        kind,
        status,
        diagnosis,
        ocr,
    ), step


def test_q1b_ocr_f_is_read_as_one_half(q1) -> None:
    (step,) = _steps(q1, 13)
    assert step.ocr_note == "'f' read where 1/2 makes the line right"
    assert step.vs_truth == "equal"  # once repaired; still only flagged, never charged


def test_q1b_garbled_side_note_is_an_ocr_suspect_not_a_mistake(q1) -> None:
    (step,) = _steps(q1, 19)
    assert step.ocr_suspect and "not a scalar" in step.ocr_note
    assert step.status != "wrong"


def test_q1b_aside_about_another_quantity_keeps_the_chain(q1) -> None:
    (aside,) = _steps(q1, 23)
    assert aside.kind == "side_note" and aside.status != "wrong"
    (slip,) = _steps(q1, 25)
    assert slip.quantity == "d(J)/d(beta)"  # the "=" line continues the gradient, not the aside


def test_q1b_stationarity_is_compared_with_the_true_gradient(q1) -> None:
    (step,) = _steps(q1, 27)
    assert step.quantity == "d(J)/d(beta)"
    assert step.details["as_value"] == "equal"


def test_q1b_milestones(q1) -> None:
    statuses = {m.id: (m.status, m.line_no) for m in q1.milestones}
    assert statuses == {
        "expansion": ("correct", 17),
        "gradient": ("corrected_slip", 25),
        "normal": ("correct", 29),
        "solution": ("correct", 31),
    }
    gradient = _milestone(q1, "gradient")
    assert gradient.lines == [25, 27] and gradient.diagnosis == "sign_flip"


def test_q1b_needs_review_for_the_ocr_lines(q1) -> None:
    # 13: the 'f'; 19: the garbled scalar aside; 23: d(X^T alpha)/dx, a gradient of
    # a matrix, garbled too. All flagged for a human, none charged.
    assert q1.needs_review
    assert [r.split(":")[0] for r in q1.review_reasons] == ["line 13", "line 19", "line 23"]
    assert all(s.status != "wrong" for s in q1.steps if s.ocr_suspect)


def test_q1c_shape_statements_are_side_notes(q1) -> None:
    assert {s.kind for s in _steps(q1, 33) + _steps(q1, 35)} == {"side_note"}


def test_q2c_partials(q2) -> None:
    statuses = {m.id: m.status for m in q2.milestones if m.id in PARTIALS}
    assert statuses == {
        "dL/dz2": "correct",
        "dL/dw2": "correct",
        "dL/db2": "correct",
        "dL/dz1": "wrong",
        "dL/dw1": "correct",
        "dL/db1": "correct",
    }
    dz1 = _milestone(q2, "dL/dz1")
    assert (dz1.diagnosis, dz1.line_no) == ("missing_factor", 61)
    assert dz1.message == "a factor a1*(1 - a1) is missing"


def test_q2c_chain_rule_product_uses_the_students_own_partials(q2) -> None:
    product, side, local, value = _steps(q2, 51)
    assert product.kind == "differentiation" and product.status == "correct"
    assert (side.kind, side.role, side.quantity, side.status) == (
        "side_note",
        "side_note",
        "z2",
        "correct",
    )
    assert local.kind == "side_note" and local.quantity == "d(z2)/d(w2)"
    assert value.quantity == "d(L)/d(w2)" and value.status == "correct"
    # dL/dw1 = dL/dz1 dz1/dw1 follows from the student's wrong dL/dz1: carried forward
    (chain_w1,) = _steps(q2, 63)
    assert chain_w1.status == "carried_forward"


def test_q2c_local_derivative_with_ocr_alias(q2) -> None:
    side = [s for s in _steps(q2, 61) if s.role == "side_note"]
    assert side and side[0].quantity == "d(a1)/d(z1)" and side[0].status == "correct"


def test_q2d_updates_match_their_milestones(q2) -> None:
    for name, line_no in (("w1", 73), ("w2", 75), ("b1", 77), ("b2", 79)):
        milestone = _milestone(q2, f"update-{name}")
        assert (milestone.status, milestone.line_no) == ("correct", line_no)
        (step,) = _steps(q2, line_no)
        assert step.kind == "definition" and step.quantity == f"{name}'"


def test_update_milestone_is_not_matched_by_the_wrong_parameter(q2) -> None:
    context = load_context(FILES / "q2-context.yaml")
    result = check_derivation(
        r"$$w_1' = w_1 - \alpha \frac{\partial L}{\partial w_2}$$",
        context,
        milestones=[Milestone("update-w1", "w1' = w1 - alpha dL/dw1", "equation")],
        time_limit=None,
    )
    assert result.milestones[0].status == "missing"


def test_with_time_limit_gives_the_same_verdicts(q1) -> None:
    context = load_context(FILES / "q1-context.yaml")
    limited = check_derivation(_lines(11, 35), context, milestones=Q1_MILESTONES, time_limit=10)
    assert [(s.line_no, s.status) for s in limited.steps] == [
        (s.line_no, s.status) for s in q1.steps
    ]
    assert [m.to_dict() for m in limited.milestones] == [m.to_dict() for m in q1.milestones]


def test_to_dict_is_json(q2) -> None:
    import json

    data = json.loads(json.dumps(q2.to_dict()))
    assert data["steps"][0]["line_no"] == 49
    assert {"id", "status", "line_no", "lines", "diagnosis", "message"} <= set(
        data["milestones"][0]
    )


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (r"$$w_1 \leftarrow w_1 - \alpha \frac{\partial L}{\partial w_1}$$", "correct"),
        (r"$$w_1 := w_1 - \alpha \frac{\partial L}{\partial w_1}$$", "correct"),
        # ascent is not the update, though as an equation it would solve the same way
        (r"$$w_1 \leftarrow w_1 + \alpha \frac{\partial L}{\partial w_1}$$", "missing"),
    ],
)
def test_an_update_written_with_an_arrow_is_an_update_not_an_equation(text, status) -> None:
    context = load_context(FILES / "q2-context.yaml")
    result = check_derivation(
        text,
        context,
        milestones=[Milestone("update-w1", "w1' = w1 - alpha dL/dw1", "equation")],
        time_limit=None,
    )
    assert result.milestones[0].status == status
    (step,) = result.steps
    assert step.kind == "side_note" and "update of w1" in step.message
