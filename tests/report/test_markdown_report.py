"""Markdown renderer: a feedback sheet per student."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from grader.report import markdown

_spec = importlib.util.spec_from_file_location(
    "_json_report_sample", Path(__file__).with_name("test_json_report.py")
)
_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sample)
sample_report = _sample.sample_report


def test_sheet_has_scores_feedback_and_review():
    text = markdown.render(sample_report())
    assert text.startswith("# Feedback: student\n")
    assert "**Score: 3 / 3.5**" in text
    assert "## Q1. Linear regression: 3 / 3.5" in text
    assert "### (b) Gradient: 3 / 3.5 (to be reviewed)" in text
    assert "- line 25: a slip in the gradient" in text
    assert "A marker will look at:" in text and "line 13: OCR suspect" in text
    assert "Your answer: lines 11-31 (found by label)." in text
    assert "line 110: text not assigned to any part" in text


def test_how_the_answer_was_read_can_be_left_out():
    assert "How your answer was read" in markdown.render(sample_report())
    assert "`line 11: J = 1/2 ||y - X beta||^2`" in markdown.render(sample_report())
    assert "How your answer was read" not in markdown.render(sample_report(), show_answers=False)


def test_scores_are_written_as_markers_write_them():
    assert [markdown.score_text(v) for v in (2.0, 0.5, 3.3333, 0.0, 23.3333)] == [
        "2",
        "0.5",
        "3.33",
        "0",
        "23.33",
    ]
