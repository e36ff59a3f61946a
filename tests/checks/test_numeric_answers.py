"""Numeric answers: tolerances on expression checks and ``\\approx`` lines.

The rule (docs/equivalence.md): an approximation is never exact evidence;
with a tolerance a value within it is right and one outside it is wrong;
without one, a value that is the answer rounded to the digits it shows goes
to a marker, and one that is not is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.part_grading import grade_part

RUBRIC = Path(__file__).parent / "files" / "numeric-answers.yaml"


def grade(part_id: str, text: str):
    return grade_part(RUBRIC, part_id, text)


# (id, part, answer, score, needs review)
CASES = [
    # q1.a: answer "p = 0.245 +- 0.005"
    ("pm-inside", "q1.a", "$p = 0.243$", 1, False),
    ("pm-edge", "q1.a", "p = 0.25", 1, False),
    ("pm-approx-inside", "q1.a", r"$p \approx 0.247$", 1, False),
    ("pm-approx-outside", "q1.a", r"$p \approx 0.26$", 0, False),
    ("pm-exact-outside", "q1.a", "p = 0.2", 0, False),
    ("pm-fraction", "q1.a", r"$p = \frac{49}{200}$", 1, False),
    # q1.b: answer "p = 4/3", tolerance 0.005
    ("tol-approx", "q1.b", r"$p \approx 1.33$", 1, False),
    ("tol-unicode-plain", "q1.b", "p ≈ 1.333", 1, False),
    ("tol-exact-then-approx", "q1.b", r"$p = 4/3 \approx 1.33$", 1, False),
    ("tol-decimal-equals", "q1.b", "p = 1.33", 1, False),
    ("tol-approx-outside", "q1.b", r"$p \approx 1.4$", 0, False),
    ("tol-other-quantity", "q1.b", r"$q \approx 1.33$", 0, False),
    ("tol-continued", "q1.b", "$p = \\frac{8}{6}$\n$\\approx 1.333$", 1, False),
    # q1.c: answer "p = 4/3", no tolerance
    ("exact-fraction", "q1.c", r"$p = \frac{4}{3}$", 1, False),
    ("exact-then-approx", "q1.c", r"$p = \frac{4}{3} \approx 1.33$", 1, False),
    ("no-tol-approx-rounds", "q1.c", r"$p \approx 1.33$", 0, True),
    ("no-tol-decimal-rounds", "q1.c", "p = 1.33", 0, True),
    ("no-tol-approx-off", "q1.c", r"$p \approx 1.5$", 0, False),
    ("no-tol-decimal-off", "q1.c", "p = 1.35", 0, False),
    # an exact wrong value next to an approximation: the exact line decides
    ("exact-wrong-approx-right", "q1.c", r"$p = \frac{5}{4} \approx 1.33$", 0, False),
    # a function the context does not define: its value is unknown, never "wrong"
    ("opaque-function", "q1.a", r"$p = \sigma(1)$", 0, True),
    ("opaque-then-approx", "q1.a", r"$p = \sigma(1) \approx 0.246$", 1, False),
    # q1.d: answer "q = 250", rel_tolerance 1%
    ("rel-inside", "q1.d", "q = 252", 1, False),
    ("rel-approx-inside", "q1.d", "q ≈ 248", 1, False),
    ("rel-outside", "q1.d", "q = 260", 0, False),
]


@pytest.mark.parametrize(
    ("part_id", "text", "score", "review"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_numeric_answers(part_id, text, score, review):
    part = grade(part_id, text)
    assert part.score == pytest.approx(score), (part.feedback, part.review_reasons)
    assert part.needs_review is review, part.review_reasons


def test_an_approximate_value_is_shown_as_written():
    part = grade("q1.b", r"$p \approx 1.33$")
    assert part.answer.read_as == ["line 1: p ≈ 1.33"]


def test_rounded_value_without_tolerance_names_the_line_and_why():
    part = grade("q1.c", "Working.\n$p \\approx 1.33$")
    assert part.review_reasons == [
        "line 2: 1.33 is the answer rounded, but the rubric states no tolerance "
        "for an approximate value"
    ]


def test_value_outside_tolerance_says_so_at_its_line():
    part = grade("q1.b", r"$p \approx 1.4$")
    assert part.feedback == ["line 1: the answer: the value is not right."]
