"""Error carried forward and conclusions (issue 18, item 2), on a small exam
whose marking scheme says (tests/files/carried-forward/rubric.yaml):

- q1(a): "the value f(2): 1 mark for the correct computation from the
  student's own formula", and only a value that follows from it;
- q2(c): "det J: 2 marks, ECF through a wrong Jacobian from (b)";
- q3(a): "a conclusion that does not follow from the previous line earns nothing".

Each sheet in the folder is one student: right (all right), carried (wrong
earlier answers, later ones consistent with them), inconsistent (later
answers that do not follow from their own earlier ones), unreadable (earlier
lines that cannot be read), missing-b ((c) with no (b) on the sheet).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks.base import AnswerInput
from grader.checks.carried_forward import earlier_value
from grader.checks.conclusions import statements
from grader.checks.mathlines import parse_candidates
from grader.errors import RubricError
from grader.math import MathContext, equivalent, to_plain_text
from grader.pipeline import GradingSession, grade_sheet
from grader.rubric import load_rubric

FILES = Path(__file__).parents[1] / "files" / "carried-forward"


@pytest.fixture(scope="module")
def session() -> GradingSession:
    return GradingSession(load_rubric(FILES / "rubric.yaml"))


@pytest.fixture(scope="module")
def reports(session):
    cache = {}

    def report(sheet: str):
        if sheet not in cache:
            cache[sheet] = grade_sheet(session, FILES / f"{sheet}.md")
        return cache[sheet]

    return report


def _part(report, part_id):
    return next(p for p in report.parts if p.id == part_id)


# (sheet, part, score, needs review, a phrase its feedback or review reasons must hold)
SHEETS = [
    # q2(c): ECF across parts
    ("right", "q2.c", 2.0, False, None),
    ("carried", "q2.b", 0.0, False, "none of your lines gives it"),
    ("carried", "q2.c", 2.0, False, "carried forward from (b)"),
    ("inconsistent", "q2.c", 0.0, False, "none of your lines gives it"),
    ("unreadable", "q2.c", 0.0, True, "(b): line 15 could not be read"),
    ("missing-b", "q2.c", 0.0, True, "no answer to (b) was found on the sheet"),
    # q1(a): ECF within a part (formula 1 mark, value 1 mark)
    ("right", "q1.a", 2.0, False, None),
    ("carried", "q1.a", 1.0, False, "carried forward from line 7"),
    ("inconsistent", "q1.a", 0.0, False, "does not follow from line 7"),
    ("unreadable", "q1.a", 0.0, True, "line 7 could not be read"),
    # q3(a): a conclusion must follow from the line before it
    ("right", "q3.a", 2.0, False, None),
    ("carried", "q3.a", 0.0, False, "does not follow from line 25, so it earns nothing"),
    ("inconsistent", "q3.a", 2.0, False, None),  # "x = 3" alone: nothing it fails to follow
    ("unreadable", "q3.a", 0.0, True, "which could not be read"),
]


@pytest.mark.parametrize(
    ("sheet", "part_id", "score", "review", "phrase"),
    SHEETS,
    ids=[f"{s}-{p}" for s, p, *_ in SHEETS],
)
def test_sheets(reports, sheet, part_id, score, review, phrase):
    part = _part(reports(sheet), part_id)
    assert part.score == score
    assert part.needs_review is review
    said = " | ".join(part.feedback + part.review_reasons)
    if phrase is not None:
        assert phrase in said
    else:
        assert "carried forward" not in said and "does not follow" not in said


def test_the_report_says_where_the_marks_were_carried_forward_from(reports):
    check = _part(reports("carried"), "q2.c").checks[0]
    assert check.message == "carried forward from (b)"
    assert check.verdict == "correct"
    assert check.details["carried_forward"] == {
        "from": "q2.b",
        "quantity": "J",
        "value": check.details["carried_forward"]["value"],
        "value_line": 15,
        "line": 19,
    }
    assert check.details["carried_forward"]["value"] == "[[2*x*y, x^2], [1, 3*y]]"  # their J


def test_an_unread_earlier_answer_leaves_the_check_undetermined(reports):
    check = _part(reports("unreadable"), "q2.c").checks[0]
    assert check.verdict == "undetermined"
    assert check.needs_review


def test_ecf_marks_can_be_fewer_than_the_check_points(session, tmp_path):
    text = (FILES / "rubric.yaml").read_text(encoding="utf-8")
    text = text.replace("quantity: J\n", "quantity: J\n              marks: 1.5\n")
    (tmp_path / "rubric.yaml").write_text(text, encoding="utf-8")
    rubric_session = GradingSession(load_rubric(tmp_path / "rubric.yaml"))
    part = _part(grade_sheet(rubric_session, FILES / "carried.md"), "q2.c")
    assert (part.score, part.checks[0].verdict) == (1.5, "partial")


# --------------------------------------------------------------------------
# the student's own value of a quantity

CONTEXT = MathContext.from_mapping(
    {"symbols": {"x": "scalar", "y": "scalar", "J": "2 x 2", "a": "scalar"}, "functions": ["f"]}
)

# (answer lines, quantity, named only, value read or why not)
M1 = "\\begin{bmatrix} 1 & 2 \\\\ 3 & x \\end{bmatrix}"
M2 = "\\begin{bmatrix} 1 & 2 \\\\ 3 & y \\end{bmatrix}"
VALUES = [
    ([f"J = {M1}"], "J", False, M1),
    ([f"J = {M1}", f"J = {M2}"], "J", False, M2),  # the last one
    (["a = x^2 + 1", "= 2 x"], "a", True, "2 x"),  # a chain continued
    (["a = x + y = 2 x"], "a", True, "2 x"),
    (["f(x) = 3 x^2 + 2"], "f(x)", True, "3 x^2 + 2"),
    (["x^2 + 1"], "a", False, "x^2 + 1"),  # a single line answers the part
    (["x^2 + 1"], "a", True, "no line gives a"),  # ... but not within the part
    (["x^2 + 1", "x^3 + 2"], "a", False, "no line gives a"),  # which line?
    (["a = a^2"], "a", True, "no line gives a"),  # not a value of a
    (["a = \\frac{x}{"], "a", True, "line 1 could not be read"),
    (["a = x^2"], "x y", True, "is not one name"),
]


@pytest.mark.parametrize(
    ("lines", "quantity", "named_only", "expected"),
    VALUES,
    ids=[f"{i}-{' ; '.join(v[0])}" for i, v in enumerate(VALUES)],
)
def test_earlier_value(lines, quantity, named_only, expected):
    answer = AnswerInput("q.a", text="\n".join(lines))
    found = earlier_value(answer, quantity, CONTEXT, named_only=named_only)
    if expected.startswith(("no line", "line ", "is not")):
        assert found.value is None
        assert expected in (found.unread or "")
    else:
        assert found.unread is None, found.unread
        assert equivalent(found.value, expected, CONTEXT).verdict == "equal"


# --------------------------------------------------------------------------
# what a line states, for "follows from the line before it"

# (lines, what each states: kind and the last term as plain text, or None)
STATEMENTS = [
    (["2 x = 6", "x = 3"], [("equation", "6"), ("equation", "3")]),
    (["a = x^2 + 1", "= 2"], [("equation", "1 + x^2"), ("equation", "2")]),
    (["x^2 + 1", "= 2"], [("value", "1 + x^2"), ("value", "2")]),
    (["a = \\frac{x}{", "x = 3"], [None, ("equation", "3")]),
]


@pytest.mark.parametrize(
    ("lines", "expected"), STATEMENTS, ids=[" ; ".join(s[0]) for s in STATEMENTS]
)
def test_statements(lines, expected):
    said = statements(parse_candidates(list(enumerate(lines, 1)), CONTEXT))
    got = [None if s is None else (s[0], to_plain_text(s[-1])) for _, s in said]
    assert got == expected


def test_a_continued_line_states_the_chain_head():
    said = statements(parse_candidates([(1, "a = x^2 + 1"), (2, "= 2")], CONTEXT))
    assert to_plain_text(said[1][1][1]) == "a"


# --------------------------------------------------------------------------
# the rubric: where the answer is carried forward from must exist

BAD_REFERENCES = [
    ("part: b\n", "part: x\n", "carried_forward.part 'x' is not a part of this question"),
    ("part: b\n", "part: c\n", "is the part itself"),
    ("part: b\n", "part: q9.b\n", "no question 'q9'"),
    ("part: b\n", "part: q1.z\n", "question 'q1' has no part 'z'"),
    ("quantity: J\n", "quantity: J\n              marks: 3\n", "carried_forward earns 3"),
    ("quantity: J\n", "quantity: J\n              by: 3\n", "unknown field 'by'"),
]


@pytest.mark.parametrize(
    ("old", "new", "message"), BAD_REFERENCES, ids=[b[2] for b in BAD_REFERENCES]
)
def test_bad_references_are_rubric_errors(tmp_path, old, new, message):
    text = (FILES / "rubric.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "rubric.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RubricError) as error:
        load_rubric(tmp_path / "rubric.yaml")
    assert message in str(error.value.format() if hasattr(error.value, "format") else error.value)


def test_another_questions_part_can_be_named(tmp_path):
    text = (FILES / "rubric.yaml").read_text(encoding="utf-8")
    (tmp_path / "rubric.yaml").write_text(
        text.replace("part: b\n", "part: q2.b\n"), encoding="utf-8"
    )
    rubric = load_rubric(tmp_path / "rubric.yaml")
    _, part = rubric.part("q2.c")
    assert part.checks[0].carried_forward.part == "q2.b"


# --------------------------------------------------------------------------
# rubrics that do not use these rules serialize (and hash) as before


def test_unused_rules_leave_the_serialized_rubric_as_it_was():
    rubric = load_rubric(Path(__file__).parents[2] / "rubrics" / "ml-exam.yaml")
    for _, part in rubric.iter_parts():
        dumped = part.model_dump_json()
        for field in ('"carried_forward"', '"must_follow"', '"because"'):
            assert field not in dumped
    used = load_rubric(FILES / "rubric.yaml")
    assert '"carried_forward"' in used.part("q2.c")[1].model_dump_json()
    assert '"must_follow":true' in used.part("q3.a")[1].model_dump_json()
