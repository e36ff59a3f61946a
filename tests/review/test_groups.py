"""Answer groups: answers read the same way are one group, however written."""

from __future__ import annotations

import pytest

from grader.report.models import AnswerView, CheckReport, Evidence, PartReport
from grader.review import group_answers, reading_signature


def _part(text: str, *checks: CheckReport, found: bool = True, score: float = 1.0) -> PartReport:
    return PartReport(
        id="q1.a",
        question_id="q1",
        score=score,
        max_score=2,
        answer=AnswerView(found=found, text=text),
        checks=list(checks),
    )


def _concepts(*notes: str, score: float = 1.0, verdict: str = "correct") -> CheckReport:
    return CheckReport(
        id="ideas",
        kind="concepts",
        verdict=verdict,
        score=score,
        max_score=2,
        evidence=[Evidence(text="...", note=note) for note in notes],
    )


def _steps(*verdicts: tuple[str, str | None]) -> CheckReport:
    steps = [
        {"kind": "rewrite", "quantity": "J", "vs_truth": v, "diagnosis": d, "ocr_suspect": False}
        for v, d in verdicts
    ]
    return CheckReport(
        id="gradient",
        kind="derivation",
        verdict="partial",
        score=1.5,
        max_score=3,
        details={"steps": steps},
    )


SAME = [
    # the same ideas found, other words: one group
    (
        _part("The gate erases old memory.", _concepts("idea forget")),
        _part("it deletes what the cell had before", _concepts("idea forget")),
    ),
    # the same mistake read in a derivation, typeset differently
    (
        _part(r"\nabla J = X X^T \beta", _steps(("equal", None), ("not_equal", "shape_mismatch"))),
        _part(r"grad J = X X' b", _steps(("equal", None), ("not_equal", "shape_mismatch"))),
    ),
    # free text the rules found nothing in: the same words (case, spacing) are one answer
    (
        _part("No idea, sorry.", _concepts(score=0, verdict="incorrect"), score=0),
        _part("no   idea  sorry", _concepts(score=0, verdict="incorrect"), score=0),
    ),
]

DIFFERENT = [
    # a misconception found in one only
    (
        _part("the gate erases", _concepts("idea forget")),
        _part("the gate erases new input", _concepts("idea forget", "misconception swapped")),
    ),
    # another step goes wrong
    (
        _part("...", _steps(("equal", None), ("not_equal", "sign_flip"))),
        _part("...", _steps(("equal", None), ("not_equal", "shape_mismatch"))),
    ),
    # nothing matched, other words: not grouped as one
    (
        _part("No idea.", _concepts(score=0, verdict="incorrect"), score=0),
        _part("Something about trees.", _concepts(score=0, verdict="incorrect"), score=0),
    ),
    # no answer found vs an answer with the same (empty) reading
    (
        _part("", _concepts(score=0, verdict="not_graded"), found=False, score=0),
        _part("   ", _concepts(score=0, verdict="not_graded"), score=0),
    ),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_answers_read_the_same_way_share_a_signature(one, other):
    assert reading_signature(one) == reading_signature(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_answers_read_differently_do_not(one, other):
    assert reading_signature(one) != reading_signature(other)


def test_the_example_class_in_groups(graded_class):
    groups = group_answers(graded_class)
    parts = {part.id for part in graded_class[0].parts}
    assert set(groups) == parts
    for found in groups.values():
        members = [m.submission_id for group in found for m in group.members]
        # every answer is in exactly one group
        assert sorted(members) == sorted(r.submission.id for r in graded_class)
        for group in found:
            # every member has the group's score, and the group says how many were flagged
            assert {m.score for m in group.members} == {group.score}
            assert group.flagged == sum(m.needs_review for m in group.members)
            assert group.representative in group.members
        # flagged groups first
        flags = [group.flagged > 0 for group in found]
        assert flags == sorted(flags, reverse=True)
    # the blank sheet's unanswered parts are a group of their own, flagged
    (first,) = [g for g in groups["q1.a"] if any(m.submission_id == "blank" for m in g.members)]
    assert [m.submission_id for m in first.members] == ["blank"] and first.flagged == 1


def test_one_part_only(graded_class):
    assert set(group_answers(graded_class, "q2.c")) == {"q2.c"}


class _Encoder:
    """Two texts mean the same when they share their first word (a stand-in
    for the sentence encoder, so the test says exactly what is merged)."""

    def encode(self, texts):
        import numpy as np

        words = sorted({t.split()[0].lower() for t in texts})
        return np.array([[float(t.split()[0].lower() == w) for w in words] for t in texts])


def test_free_text_the_rules_found_nothing_in_is_grouped_by_meaning():
    from grader.report.models import GradeReport, RubricInfo, SubmissionInfo

    def report(name, text):
        part = _part(text, _concepts(score=0, verdict="incorrect"), score=0)
        return GradeReport(
            submission=SubmissionInfo(id=name, path=name),
            rubric=RubricInfo(id="exam", sha256="0"),
            score=0,
            max_score=2,
            parts=[part],
        )

    reports = [
        report("a", "Gradients vanish over many steps."),
        report("b", "Gradients shrink when going back in time."),
        report("c", "Trees are green."),
    ]
    by_words = group_answers(reports, encoder=None)["q1.a"]
    assert len(by_words) == 3
    by_meaning = group_answers(reports, encoder=_Encoder())["q1.a"]
    assert sorted(g.size for g in by_meaning) == [1, 2]
    (pair,) = [g for g in by_meaning if g.size == 2]
    assert {m.submission_id for m in pair.members} == {"a", "b"}
