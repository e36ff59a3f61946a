"""Terminal renderer: the instructor's summary and the student's check view."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from grader.report import terminal

_spec = importlib.util.spec_from_file_location(
    "_json_report_sample", Path(__file__).with_name("test_json_report.py")
)
_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sample)
sample_report = _sample.sample_report


def test_summary_lines():
    lines = terminal.render(sample_report()).splitlines()
    assert lines[0] == "student: 3 / 3.5  (1 part(s) to review)"
    assert lines[1] == "rubric ml-exam sha256:" + "ab" * 6
    assert lines[2].startswith("q1 ") and "Linear regression" in lines[2]
    assert "[review]" in lines[3] and lines[3].strip().startswith("q1.b")
    text = "\n".join(lines)
    assert "- line 25: a slip in the gradient" in text
    assert "? line 13: OCR suspect" in text
    assert "read as" not in text  # the answer view is the student's


def test_student_view_shows_how_the_answer_was_read():
    text = terminal.render(sample_report(), student=True)
    assert "read from lines 11-31 (label)" in text
    assert "read as line 11: J = 1/2 ||y - X beta||^2" in text
    assert "OCR repair line 17: removed \\cancel strokes" in text


def test_missing_answer_is_said_once():
    report = sample_report()
    report.parts[0].answer.found = False
    report.parts[0].feedback = []
    assert "(no answer found)" in terminal.render(report, student=True)
    report.parts[0].feedback = ["No answer to this part was found on the sheet."]
    text = terminal.render(report, student=True)
    assert "(no answer found)" not in text and "No answer to this part" in text


def test_code_part_names_its_files():
    report = sample_report()
    report.parts[0].answer.how_found = "code file"
    report.parts[0].answer.text = "linreg.py"
    assert "read from linreg.py" in terminal.render(report, student=True)
