"""Where each answer was read from, as the feedback sheets say it: one line is "line N"."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from grader import api
from grader.report import markdown, terminal

ROOT = Path(__file__).resolve().parents[2]


@cache
def _report():
    # q1.c is one line of this answer file (line 12), q1.a several (lines 2-6)
    rubric = api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    return api.grade(ROOT / "tests" / "files" / "variants" / "answers.yaml", rubric)


def test_markdown_names_one_line_and_a_range():
    text = markdown.render(_report())
    assert "Your answer: line 12 (found by answer_file)." in text
    assert "Your answer: lines 2-6 (found by answer_file)." in text
    assert "lines 12-12" not in text


def test_terminal_student_view_names_one_line_and_a_range():
    text = terminal.render(_report(), student=True)
    assert "read from line 12 (answer_file)" in text
    assert "read from lines 2-6 (answer_file)" in text
