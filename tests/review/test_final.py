"""Final marks: decisions apply while the answer is unchanged, go back to
review when it changes, and the trail and totals follow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import api, review
from grader.errors import GraderError

ROOT = Path(__file__).resolve().parents[2]


def _part(report, part_id):
    return next(p for p in report.parts if p.id == part_id)


def test_a_group_decision_sets_each_members_mark(graded_class, tmp_path):
    groups = review.group_answers(graded_class, "q2.b")["q2.b"]
    group = max(groups, key=lambda g: g.size)
    with review.open_store(tmp_path / "d.sqlite") as store:
        store.record(review.decide_group(graded_class, group, "ada", mark=0.5, feedback="vague"))
        current = store.current(graded_class[0].rubric.id)
    members = {m.submission_id for m in group.members}
    for report in graded_class:
        final = review.apply_decisions(report, current)
        part = _part(final, "q2.b")
        if report.submission.id in members:
            assert part.score == 0.5 and part.decision.author == "ada"
            assert part.decision.grader_score == _part(report, "q2.b").score
            assert "vague" in part.feedback and not part.needs_review
            assert final.score == pytest.approx(report.score - _part(report, "q2.b").score + 0.5)
            (question,) = [q for q in final.questions if "q2.b" in q.parts]
            assert question.score == pytest.approx(
                sum(_part(final, p).score for p in question.parts)
            )
        else:
            assert part.decision is None and final == report


def test_a_mark_outside_the_part_is_refused(graded_class):
    part = _part(graded_class[0], "q1.c")
    with pytest.raises(GraderError, match="outside 0..0.5"):
        review.decision_for(graded_class[0], part, "ada", mark=1)


def test_a_decision_lasts_across_a_regrade_until_the_answer_changes(tmp_path):
    """Grade a sheet, decide a part, regrade: kept. Change another part: kept.
    Change the decided part: back to review, the grader's mark stands."""
    rubric = api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    sheet_folder = tmp_path / "alice"
    shutil.copytree(ROOT / "submissions" / "typed-perfect", sheet_folder)
    sheet = sheet_folder / "sheet.md"
    store = review.open_store(tmp_path / "decisions.sqlite")

    first = api.grade(sheet_folder, rubric)
    decision = review.decision_for(first, _part(first, "q3.d"), "ada", mark=0.5, reason="too vague")
    store.record([decision])

    def regrade():
        return review.apply_decisions(api.grade(sheet_folder, rubric), store.current(rubric.id))

    kept = regrade()
    assert _part(kept, "q3.d").score == 0.5 and _part(kept, "q3.d").decision.author == "ada"

    text = sheet.read_text()
    sheet.write_text(
        text.replace("**(a)** An RNN processes", "**(a)** A recurrent network processes")
    )
    kept_again = regrade()
    assert _part(kept_again, "q3.d").score == 0.5

    sheet.write_text(text.replace("ANN: house price prediction", "ANN: image classification"))
    changed = regrade()
    part = _part(changed, "q3.d")
    assert part.decision is None and part.needs_review
    assert part.score == _part(first, "q3.d").score  # the grader's mark stands
    assert any(
        "the answer changed since a person decided (mark 0.5 by ada" in r
        for r in part.review_reasons
    )
    # the trail still has the decision
    assert [d.reason for d in store.history(rubric.id)] == ["too vague"]
    store.close()


def test_human_marks_from_a_csv(graded_class, tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text(
        "part,student,mark,comment\n"
        "q1.a,typed-perfect,1.5,missing the loss\n"
        "q4.b,blank,,please see me\n"
    )
    decisions = review.decisions_from_csv(marks, graded_class, "ada")
    assert [(d.part_id, d.submission_id, d.mark, d.source) for d in decisions] == [
        ("q1.a", "typed-perfect", 1.5, "csv import"),
        ("q4.b", "blank", None, "csv import"),
    ]
    with review.open_store(tmp_path / "d.sqlite") as store:
        store.record(decisions)
        current = store.current(graded_class[0].rubric.id)
    perfect = next(r for r in graded_class if r.submission.id == "typed-perfect")
    final = review.apply_decisions(perfect, current)
    assert _part(final, "q1.a").score == 1.5 and "missing the loss" in _part(final, "q1.a").feedback


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("student,mark\nblank,1\n", ":1: no 'part' column"),
        ("part,student,mark\nq1.a,nobody,1\n", ":2: no graded submission 'nobody'"),
        ("part,student,mark\nq9.z,blank,1\n", ":2: the rubric has no part 'q9.z'"),
        ("part,student,mark\nq1.a,blank,five\n", ":2: mark 'five' is not a number"),
        ("part,student,mark\nq1.a,blank,3\n", ":2: mark 3 for q1.a is outside 0..2"),
        ("part,student,mark\nq1.a,blank,\n", ":2: neither a mark nor a comment"),
    ],
)
def test_a_bad_marks_file_says_where(graded_class, tmp_path, content, message):
    marks = tmp_path / "marks.csv"
    marks.write_text(content)
    with pytest.raises(review.MarksFileError, match=message):
        review.decisions_from_csv(marks, graded_class, "ada")


def test_a_decision_lasts_while_its_rubric_part_is_unchanged(tmp_path):
    """Editing another part of the rubric keeps the decision; editing the
    decided part sends the answer back to review."""
    folder = tmp_path / "rubric"
    shutil.copytree(ROOT / "rubrics", folder)
    rubric_file = folder / "ml-exam.yaml"
    original = rubric_file.read_text()
    sheet = ROOT / "submissions" / "typed-perfect"
    first = api.grade(sheet, api.load_rubric(rubric_file))
    store = review.open_store(tmp_path / "d.sqlite")
    store.record([review.decision_for(first, _part(first, "q3.d"), "ada", mark=0.5)])

    def regraded(text: str):
        rubric_file.write_text(text)
        rubric = api.load_rubric(rubric_file)
        return review.apply_decisions(api.grade(sheet, rubric), store.current(rubric.id))

    other = original.replace("title: Gradient, normal equation, closed form", "title: Gradient")
    assert other != original
    assert _part(regraded(other), "q3.d").score == 0.5  # another part changed: kept
    changed_part = _part(regraded(_edit_part(original, "q3", "d")), "q3.d")
    assert changed_part.decision is None and changed_part.needs_review
    assert any("the rubric part changed" in r for r in changed_part.review_reasons)
    store.close()


def _edit_part(text: str, question: str, part: str) -> str:
    """The rubric text with the title of ``question``'s part ``part`` changed."""
    start = text.index(f"  - id: {question}\n")
    at = text.index(f"      - id: {part}\n", start)
    title = text.index("        title: ", at)
    return text[:title] + "        title: (edited) " + text[title + len("        title: ") :]
