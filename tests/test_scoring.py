"""Scoring: engine outcomes + rubric policy -> points, feedback, review flags.

No engine runs here: outcomes are written by hand, as adapters would return them.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks.base import CheckOutcome, ItemOutcome
from grader.report.models import AnswerView
from grader.rubric.models import (
    CodeCheck,
    ConceptsCheck,
    DerivationCheck,
    ExpressionCheck,
    Part,
    Question,
    Rubric,
    ShapesCheck,
)
from grader.scoring import DIAGNOSIS_WORDS, build_report, score_check, score_part


def derivation(**policy) -> DerivationCheck:
    data = {
        "kind": "derivation",
        "id": "d",
        "points": 3.5,
        "slip_deduction": 0.5,
        "milestones": [
            {"id": "expansion", "statement": "REF-E", "points": 1, "title": "the expansion"},
            {"id": "gradient", "statement": "REF-G", "points": 1.5, "title": "the gradient"},
            {"id": "normal", "statement": "REF-N", "points": 0.5, "kind": "equation"},
            {
                "id": "solution",
                "statement": "REF-S",
                "points": 0.5,
                "mistakes": [
                    {
                        "id": "divide",
                        "answer": "M",
                        "marks": 0.25,
                        "feedback": "No dividing by a matrix.",
                    }
                ],
            },
        ],
    }
    data.update(policy)
    return DerivationCheck.model_validate(data)


def outcome(**statuses) -> CheckOutcome:
    items = []
    for milestone, status in statuses.items():
        mistake = None
        if ":" in status:
            status, mistake = status.split(":")
        items.append(
            ItemOutcome(milestone, status, line_no=10, mistake=mistake, diagnosis="sign_flip")
        )
    return CheckOutcome(items=items)


ALL_RIGHT = {
    "expansion": "correct",
    "gradient": "correct",
    "normal": "correct",
    "solution": "correct",
}

DERIVATION_CASES = [
    # (name, statuses over ALL_RIGHT, policy, expected score, review?)
    ("all-correct", {}, {}, 3.5, False),
    ("slip-corrected", {"gradient": "corrected_slip"}, {}, 3.0, False),
    ("slip-no-deduction", {"gradient": "corrected_slip"}, {"slip_deduction": 0}, 3.5, False),
    (
        "wrong-gradient-carried",
        {"gradient": "wrong", "normal": "carried_forward", "solution": "carried_forward"},
        {},
        2.0,
        False,
    ),
    (
        "no-ecf",
        {"gradient": "wrong", "normal": "carried_forward", "solution": "carried_forward"},
        {"allow_ecf": False},
        1.0,
        False,
    ),
    ("known-mistake", {"solution": "wrong:divide"}, {}, 3.25, False),
    ("missing-step", {"expansion": "missing"}, {}, 2.5, False),
    ("ocr-award", {"expansion": "ocr_suspect"}, {}, 3.5, True),
    ("ocr-withhold", {"expansion": "ocr_suspect"}, {"ocr_suspect": "withhold"}, 2.5, True),
    ("undetermined", {"normal": "undetermined"}, {}, 3.0, True),
    (
        "final-only-no-working",
        {"expansion": "missing", "gradient": "missing", "normal": "missing"},
        {"no_working_marks": 1},
        1.0,
        False,
    ),
    (
        "final-only-default",
        {"expansion": "missing", "gradient": "missing", "normal": "missing"},
        {},
        0.5,
        False,
    ),
]


@pytest.mark.parametrize(
    ("statuses", "policy", "expected", "review"),
    [c[1:] for c in DERIVATION_CASES],
    ids=[c[0] for c in DERIVATION_CASES],
)
def test_derivation_policy(statuses, policy, expected, review):
    check = derivation(**policy)
    result = score_check(check, outcome(**{**ALL_RIGHT, **statuses}))
    assert result.score == pytest.approx(expected)
    assert result.needs_review is review
    assert result.max_score == 3.5


def test_derivation_feedback_says_what_and_where():
    check = derivation()
    result = score_check(
        check, outcome(**{**ALL_RIGHT, "gradient": "corrected_slip", "solution": "wrong:divide"})
    )
    assert result.verdict == "partial"
    assert any(
        line.startswith("line 10: a slip in the gradient") and "-0.5" in line
        for line in result.feedback
    )
    assert "line 10: No dividing by a matrix." in result.feedback
    # what is wrong, never the reference statements
    assert not any(ref in " ".join(result.feedback) for ref in ("REF-E", "REF-G", "REF-N", "REF-S"))


def test_missing_milestone_feedback_has_no_line():
    result = score_check(derivation(), outcome(**{**ALL_RIGHT, "normal": "missing"}))
    assert result.feedback == ["normal: not found in your answer."]


def test_unavailable_engine_is_never_a_silent_zero():
    check = derivation()
    result = score_check(
        check,
        CheckOutcome(
            status="unavailable", review_reasons=["no engine for check kind 'derivation'"]
        ),
    )
    assert result.verdict == "not_graded"
    assert result.needs_review
    assert result.review_reasons == ["no engine for check kind 'derivation'"]


def expression(**extra) -> ExpressionCheck:
    return ExpressionCheck.model_validate(
        {
            "kind": "expression",
            "id": "e",
            "title": "the update",
            "points": 0.5,
            "answer": "REFERENCE-FORM",
            "mistakes": [
                {"id": "m", "answer": "WRONG-FORM", "marks": 0.25, "feedback": "Known slip."}
            ],
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("item", "score", "verdict", "feedback"),
    [
        (ItemOutcome("answer", "correct", 3), 0.5, "correct", []),
        (ItemOutcome("answer", "wrong", 4, mistake="m"), 0.25, "partial", ["line 4: Known slip."]),
        (
            ItemOutcome("answer", "wrong", 5, diagnosis="sign_flip"),
            0,
            "incorrect",
            ["line 5: the update: the sign is wrong."],
        ),
        (ItemOutcome("answer", "missing"), 0, "incorrect", ["No answer found for the update."]),
        (
            ItemOutcome("answer", "not_found"),
            0,
            "incorrect",
            ["The update: none of your lines gives it."],
        ),
        (
            ItemOutcome("answer", "ocr_suspect", 6),
            0.5,
            "correct",
            ["line 6: the update was read after an OCR repair: a marker will confirm it."],
        ),
    ],
    ids=["correct", "mistake", "diagnosed", "missing", "not-found", "ocr"],
)
def test_expression_scoring(item, score, verdict, feedback):
    result = score_check(expression(), CheckOutcome(items=[item]))
    assert (result.score, result.verdict, result.feedback) == (score, verdict, feedback)
    assert "REFERENCE-FORM" not in str(result.model_dump())


def test_undetermined_expression_goes_to_review():
    result = score_check(
        expression(),
        CheckOutcome(
            items=[ItemOutcome("answer", "undetermined", 2)],
            undetermined=True,
            review_reasons=["line 2: timed out"],
        ),
    )
    assert result.verdict == "undetermined"
    assert result.needs_review and result.review_reasons == ["line 2: timed out"]


def shapes(table=None) -> ShapesCheck:
    return ShapesCheck.model_validate(
        {
            "kind": "shapes",
            "id": "s",
            "points": 0.5,
            "shapes": {"y": "n x 1", "X": "n x (d+1)", "beta": "(d+1) x 1"},
            "score_by_count": table,
            "mistakes": [{"name": "beta", "shape": "1 x (d+1)", "feedback": "beta is a row here."}],
        }
    )


@pytest.mark.parametrize(
    ("statuses", "table", "expected"),
    [
        (("correct", "correct", "correct"), {3: 0.5, 2: 0.25}, 0.5),
        (("correct", "correct", "wrong"), {3: 0.5, 2: 0.25}, 0.25),
        (("correct", "missing", "wrong"), {3: 0.5, 2: 0.25}, 0),
        (("correct", "correct", "wrong"), None, 1 / 3),
    ],
    ids=["three", "two", "one", "proportional"],
)
def test_shapes_score_by_count(statuses, table, expected):
    items = [
        ItemOutcome(name, status, 1)
        for name, status in zip(("y", "X", "beta"), statuses, strict=True)
    ]
    result = score_check(shapes(table), CheckOutcome(items=items))
    assert result.score == pytest.approx(expected, abs=1e-4)


def test_shape_mistake_feedback():
    items = [
        ItemOutcome("y", "correct", 1),
        ItemOutcome("X", "correct", 1),
        ItemOutcome("beta", "wrong", 2, mistake="beta:1 x (d+1)"),
    ]
    result = score_check(shapes({3: 0.5, 2: 0.25}), CheckOutcome(items=items))
    assert result.feedback == ["line 2: beta is a row here."]


def concepts() -> ConceptsCheck:
    return ConceptsCheck.model_validate(
        {
            "kind": "concepts",
            "id": "c",
            "points": 1,
            "score_by_count": {2: 1, 1: 0.5},
            "ideas": [{"id": "a", "phrasings": ["x"]}, {"id": "b", "phrasings": ["y"]}],
        }
    )


@pytest.mark.parametrize(("engine", "expected"), [(1.0, 1.0), (0.5, 0.5), (0.0, 0.0)], ids=str)
def test_concepts_rescaled_to_points(engine, expected):
    result = score_check(
        concepts(), CheckOutcome(engine_score=engine, engine_max=1.0, feedback=["Say more."])
    )
    assert result.score == expected
    assert result.feedback == ["Say more."]


def test_code_weights_and_missing_file():
    check = CodeCheck.model_validate(
        {"kind": "code", "id": "k", "points": 2, "file": "f.py", "function": "g"}
    )
    items = [
        ItemOutcome("t1", "passed", fraction=1.0, weight=1),
        ItemOutcome("t2", "failed", fraction=0.0, weight=3, message="off by 1e-2"),
    ]
    result = score_check(check, CheckOutcome(items=items))
    assert result.score == 0.5
    assert result.feedback == ["test t2: off by 1e-2"]
    missing = score_check(check, CheckOutcome(status="no_answer", message="f.py was not submitted"))
    assert (missing.score, missing.verdict, missing.needs_review) == (0, "not_graded", False)


@given(st.sampled_from(sorted(DIAGNOSIS_WORDS)), st.integers(1, 500))
def test_feedback_for_any_diagnosis_names_the_line(diagnosis, line):
    result = score_check(
        expression(),
        CheckOutcome(items=[ItemOutcome("answer", "wrong", line, diagnosis=diagnosis)]),
    )
    assert result.feedback[0].startswith(f"line {line}: ")
    assert DIAGNOSIS_WORDS[diagnosis] in result.feedback[0]


def _rubric() -> Rubric:
    part_b = Part.model_validate({"id": "b", "points": 3.5, "checks": [derivation().model_dump()]})
    part_c = Part.model_validate(
        {"id": "c", "points": 0.5, "checks": [shapes({3: 0.5, 2: 0.25}).model_dump()]}
    )
    return Rubric(id="r", questions=[Question(id="q1", parts=[part_b, part_c])])


def test_part_question_and_exam_totals():
    rubric = _rubric()
    _, part_b = rubric.part("q1.b")
    _, part_c = rubric.part("q1.c")
    b = score_part(
        "q1.b",
        "q1",
        part_b,
        [score_check(part_b.checks[0], outcome(**{**ALL_RIGHT, "gradient": "corrected_slip"}))],
        answer=AnswerView(found=True, text="...", repairs=["line 3: 'f' read as 1/2"]),
    )
    c = score_part(
        "q1.c", "q1", part_c, [], answer=AnswerView(found=False), problems=["no answer found"]
    )
    assert b.score == 3.0 and not b.needs_review  # repairs are shown, not flagged
    assert b.answer.repairs == ["line 3: 'f' read as 1/2"]
    assert c.needs_review and c.review_reasons == ["no answer found"]
    assert c.feedback == ["No answer to this part was found on the sheet."]
    from grader.report.models import SubmissionInfo

    report = build_report(rubric, [b, c], submission=SubmissionInfo(id="s", path="s.md"))
    assert report.score == 3.0 and report.max_score == 4.0
    assert report.questions[0].parts == ["q1.b", "q1.c"]
    assert report.needs_review
    assert report.to_json_dict()["schema"] == "grader.report/1"


STATUSES = [
    "correct",
    "corrected_slip",
    "carried_forward",
    "wrong",
    "missing",
    "ocr_suspect",
    "undetermined",
    "wrong:divide",
]


@given(
    st.fixed_dictionaries({m: st.sampled_from(STATUSES) for m in ALL_RIGHT}),
    st.sampled_from(sorted(ALL_RIGHT)),
    st.booleans(),
)
def test_putting_a_step_right_never_lowers_the_score(statuses, step, ecf):
    check = derivation(allow_ecf=ecf)
    before = score_check(check, outcome(**statuses))
    after = score_check(check, outcome(**{**statuses, step: "correct"}))
    assert 0 <= before.score <= after.score <= check.points
