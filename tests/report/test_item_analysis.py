"""Item analysis against hand-computed values, with the edge cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from grader.report.item_analysis import analyse_class
from grader.report.models import GradeReport, PartReport, QuestionReport, RubricInfo, SubmissionInfo
from grader.report.svg_charts import histogram_svg, scatter_svg


def _report(name: str, a: float, b: float, flagged: bool = False) -> GradeReport:
    parts = [
        PartReport(
            id="q1.a",
            question_id="q1",
            score=a,
            max_score=2,
            needs_review=flagged,
            feedback=["missing the loss"] if a < 2 else [],
        ),
        PartReport(id="q1.b", question_id="q1", score=b, max_score=2),
    ]
    return GradeReport(
        submission=SubmissionInfo(id=name, path=name),
        rubric=RubricInfo(id="exam", sha256="0"),
        score=a + b,
        max_score=4,
        questions=[QuestionReport(id="q1", score=a + b, max_score=4, parts=["q1.a", "q1.b"])],
        parts=parts,
    )


# Part a: 2 1 0 1; part b: 2 2 0 0; totals 4 3 0 1 (worked by hand):
# facility 0.5 and 0.5; rest of exam for a is b and vice versa, r = 2 / sqrt(2 * 4);
# variances 2/3, 4/3, total 10/3; alpha = 2 (1 - 2 / (10/3)) = 0.8;
# SEM = sqrt(10/3) sqrt(0.2) = 0.8165.
CLASS = [_report("s1", 2, 2), _report("s2", 1, 2, True), _report("s3", 0, 0), _report("s4", 1, 0)]


def test_hand_computed_class():
    analysis = analyse_class(CLASS)
    a, b = analysis.parts
    assert (a.mean, a.facility, b.facility) == (1.0, 0.5, 0.5)
    assert a.discrimination == pytest.approx(0.7071, abs=1e-4)
    assert b.discrimination == pytest.approx(0.7071, abs=1e-4)
    assert a.standard_deviation == pytest.approx((2 / 3) ** 0.5, abs=1e-4)
    assert analysis.alpha == pytest.approx(0.8, abs=1e-4)
    assert analysis.standard_error == pytest.approx(0.8165, abs=1e-4)
    assert a.flagged_share == 0.25 and b.flagged_share == 0
    assert a.frequent_feedback == [("missing the loss", 3)]
    (question,) = analysis.questions
    assert question.mean == 2.0 and question.facility == 0.5
    assert question.discrimination is None  # the question is the whole exam: no rest
    assert a.warnings == [] and b.warnings == []


def test_one_sheet_gives_no_spread_and_no_correlation():
    analysis = analyse_class(CLASS[:1])
    assert analysis.standard_deviation is None and analysis.alpha is None
    assert all(p.discrimination is None and p.standard_deviation is None for p in analysis.parts)
    assert all(p.warnings == [] for p in analysis.parts)


def test_equal_marks_and_a_part_nobody_answered():
    same = [_report(f"s{i}", 0, 2) for i in range(5)]
    analysis = analyse_class(same)
    a, b = analysis.parts
    assert a.facility == 0 and a.discrimination is None
    assert a.warnings == ["facility 0.00: almost nobody scored"]
    assert b.warnings == ["facility 1.00: almost everybody scored full marks"]
    assert analysis.alpha is None  # the totals do not vary


def test_a_part_the_strong_students_miss_is_called_out():
    reports = [_report("s1", 0, 2), _report("s2", 0, 2), _report("s3", 2, 0), _report("s4", 2, 0)]
    reports += [_report("s5", 1, 1)]
    analysis = analyse_class(reports)
    assert analysis.parts[0].discrimination == pytest.approx(-1.0)
    assert analysis.parts[0].warnings[0].startswith("negative discrimination (-1.00)")


def test_no_reports_is_an_error():
    with pytest.raises(ValueError):
        analyse_class([])


def test_charts_are_svg_with_title_axes_and_counts():
    svg = histogram_svg([0, 1, 1.5, 3.5, 4], 4, "Total <score>")
    root = ET.fromstring(svg)
    texts = [node.text for node in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Total <score> (5 sheets)" in texts
    assert "score (0 to 4)" in texts and "sheets" in texts
    assert "0" in texts and "4" in texts  # the x axis runs from 0 to the maximum
    bars = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    assert (
        sum(int(bar.find("{http://www.w3.org/2000/svg}title").text.split(": ")[1]) for bar in bars)
        == 5
    )
    scatter = ET.fromstring(
        scatter_svg([("q1.a", 0.5, 0.7)], "Items", "facility", "discrimination")
    )
    labels = [node.text for node in scatter.iter("{http://www.w3.org/2000/svg}text")]
    assert "q1.a" in labels and "facility" in labels and "discrimination" in labels


@pytest.mark.parametrize(
    ("value", "for_people", "for_import"),
    [
        (23.333333, "23.33", "23.3333"),
        (2.666667, "2.67", "2.6667"),
        (0.125, "0.125", "0.125"),
        (7.5, "7.5", "7.5"),
        (30.0, "30", "30"),
        (-0.0, "0", "0"),
    ],
)
def test_numbers_for_people_and_for_gradebooks(value, for_people, for_import):
    from grader.report import format_exact, format_score

    assert format_score(value) == for_people
    assert format_exact(value) == for_import
