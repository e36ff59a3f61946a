"""Mathpix Markdown (``\\( \\)``, ``\\[ \\]``, ``\\operatorname``, ``<br>``) read
as well as the plain format, and OCR confidence marks feeding review.

tests/files/mathpix/: two typed sheets of the ML exam (plain*.md, copies of
submissions/typed-*/sheet.md) and their Mathpix twins (mathpix*.mmd, written
by make_twin.py beside them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import api
from grader.submission import read_submission
from grader.submission.locations import relocate
from grader.submission.ocr_markup import split_line_breaks, take_confidence_marks

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "files" / "mathpix"
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
QUIZ = ROOT / "examples" / "notebook-quiz" / "rubric.yaml"


@pytest.mark.parametrize(
    "plain, mathpix",
    [("plain.md", "mathpix.mmd"), ("plain-mistakes.md", "mathpix-mistakes.mmd")],
    ids=["perfect", "mistakes"],
)
def test_a_mathpix_sheet_is_graded_like_its_plain_twin(plain, mathpix):
    twin = (FILES / mathpix).read_text(encoding="utf-8")
    assert "\\(" in twin and "\\[" in twin and "<br>" in twin and "$" not in twin
    a = api.grade(FILES / plain, RUBRIC, strict=True)
    b = api.grade(FILES / mathpix, RUBRIC, strict=True)
    assert b.score == a.score
    for pa, pb in zip(a.parts, b.parts, strict=True):
        assert (pb.id, pb.score, pb.needs_review) == (pa.id, pa.score, pa.needs_review)
        # the same feedback, at the twin's own line numbers
        strip = [f.split(": ", 1)[-1] for f in pa.feedback]
        assert [f.split(": ", 1)[-1] for f in pb.feedback] == strip


def test_feedback_names_the_files_line_when_br_split_it():
    report = api.grade(FILES / "mathpix-mistakes.mmd", RUBRIC, strict=True)
    q2c = next(p for p in report.parts if p.id == "q2.c")
    lines = (FILES / "mathpix-mistakes.mmd").read_text(encoding="utf-8").split("\n")
    partials = next(i for i, line in enumerate(lines, 1) if line.count("<br>") >= 5)
    assert q2c.feedback[0] == f"line {partials}: dL/dw2 has the wrong sign."
    label = lines.index("### 2(c)") + 1
    assert (q2c.answer.lines.start, q2c.answer.lines.end) == (label, partials)


@pytest.mark.parametrize(
    "answer, score",
    [
        ("(a) \\( 3 x^{2}-2 \\)", 2.0),
        ("(a) \\[ \\operatorname{slope}=3 x^{3}-2 \\]", 1.0),
        ("(a) We get<br>\\( 3 x^{2}-2 \\)", 2.0),
        ("(a)<br>\\[ 3x^3 - 2 \\]<br>(b) large errors, positive", 1.0),
    ],
    ids=["inline", "operatorname", "br-then-math", "br-between-parts"],
)
def test_mathpix_forms_on_a_small_quiz(tmp_path, answer, score):
    sheet = tmp_path / "ann.mmd"
    sheet.write_text(answer + "\n", encoding="utf-8")
    report = api.grade(sheet, QUIZ, strict=True)
    assert next(p for p in report.parts if p.id == "q1.a").score == score


def test_br_splits_lines_and_remembers_the_files_line():
    lines, origins = split_line_breaks(["(a) one<br>two", "three<BR/>four<br />five"])
    assert lines == ["(a) one", "two", "three", "four", "five"]
    assert relocate("line 4: wrong; lines 2-5 read", origins) == "line 2: wrong; lines 1-2 read"
    assert split_line_breaks(["no breaks"]) == (["no breaks"], None)


@pytest.mark.parametrize(
    "line, cleaned, flagged",
    [
        ("$$x^2$$ <!-- low-confidence -->", "$$x^2$$", "uncertain: read it"),
        ("$$x^2$$ <!-- confidence: 0.42 -->", "$$x^2$$", "(confidence 0.42)"),
        ("$$x^2$$<!-- ocr-confidence=0.95 -->", "$$x^2$$", None),
        ("$$x^2$$ <!-- a student's comment -->", "$$x^2$$ <!-- a student's comment -->", None),
    ],
    ids=["low", "value-low", "value-high", "other-comment"],
)
def test_confidence_marks(line, cleaned, flagged):
    lines = [line]
    flags = take_confidence_marks(lines)
    assert lines == [cleaned]
    if flagged is None:
        assert flags == {}
    else:
        assert flagged in flags[1]


def test_a_low_confidence_line_sends_its_part_to_review(tmp_path):
    sheet = tmp_path / "ocr.md"
    sheet.write_text(
        "(a) $$3x^2 - 2$$ <!-- confidence: 0.31 -->\n\n(b) large errors, positive\n",
        encoding="utf-8",
    )
    submission = read_submission(sheet)
    assert "<!--" not in submission.sheet.text
    report = api.grade(sheet, QUIZ, strict=True)
    a, b = (next(p for p in report.parts if p.id == pid) for pid in ("q1.a", "q1.b"))
    assert a.score == 2.0 and a.needs_review
    assert a.review_reasons == [
        "line 1: the OCR marked this line as uncertain (confidence 0.31): read it on the paper"
    ]
    assert not b.needs_review


def test_a_range_over_the_blank_line_between_cells_names_the_cells():
    from grader.submission.locations import describe_lines
    from grader.submission.models import LineOrigins

    origins = LineOrigins("cell", [(1, 1), None, (3, 1), (3, 2), None])
    assert describe_lines(origins, 2, 5) == "cell 3, lines 1-2"
    assert describe_lines(origins, 1, 4) == "cells 1-3"
    assert describe_lines(origins, 2) is None
    assert relocate("lines 1-4: text", origins) == "cells 1-3: text"
