"""Attack class 3: limits broken, marks kept; text meant for the reader.

Code that goes past a limit (prints or writes past the output limit, then
catches the error and returns the right answer; runs out of memory on one
input and answers the others), earns nothing for that test and the feedback
says which limit. Text the student's code controls (an
exception message, printed output) reaches every report as plain text:
escape sequences and control characters removed, length bounded, markup
escaped by each renderer that shows HTML.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from grader.api import grade
from grader.numeric.result import plain_text
from grader.report import gradescope, html, junit, terminal
from tests.numeric.conftest import (
    assert_classmates_keep_their_marks,
    attack_file,
    attack_rubric,
    class_of_three,
    grade_alone,
    only_part,
    without_timings,
)

# attack, words of the diagnostic (which limit)
LIMIT_ATTACKS = [
    ("print_then_answer", "printed more than its 1000000 bytes of output"),
    ("write_then_answer", "wrote more than allowed"),
    ("memory_once", "used more than its 512 MB of memory (MemoryError"),
]


def _over_limit(words: str):
    def check(report: dict) -> None:
        part = only_part(report)
        assert report["score"] == 0 and part["score"] == 0
        (test,) = part["checks"][0]["details"]["tests"]
        assert test["status"] == "over_limit", test["diagnostic"]
        assert words in test["diagnostic"] and "earns no marks" in test["diagnostic"]

    return check


@pytest.mark.parametrize(("attack", "words"), LIMIT_ATTACKS, ids=[a[0] for a in LIMIT_ATTACKS])
def test_a_broken_limit_earns_nothing_alone_and_twice(tmp_path, attack, words):
    folder = class_of_three(tmp_path, {"linreg.py": attack_file(attack)}) / "mallory"
    first = grade_alone(folder)
    _over_limit(words)(first)
    assert without_timings(grade_alone(folder)) == without_timings(first)


@pytest.mark.parametrize(("attack", "words"), LIMIT_ATTACKS, ids=[a[0] for a in LIMIT_ATTACKS])
def test_a_broken_limit_earns_nothing_in_a_class(tmp_path, attack, words):
    assert_classmates_keep_their_marks(
        tmp_path, {"linreg.py": attack_file(attack)}, _over_limit(words)
    )


UNSAFE = ["\x1b", "\x07", "\u202e", "\r"]


def _plain(report: dict) -> None:
    part = only_part(report)
    assert report["score"] == 0
    text = json.dumps(report, ensure_ascii=False)
    for character in UNSAFE:
        assert character not in text
    (test,) = part["checks"][0]["details"]["tests"]
    assert "ValueError: <script>alert(1)</script>" in test["diagnostic"]  # kept, as text
    assert len(test["diagnostic"]) <= 2000


def test_student_text_is_plain_text_in_every_report(tmp_path):
    folder = class_of_three(tmp_path, {"linreg.py": attack_file("markup_in_error")}) / "mallory"
    report = grade(folder, attack_rubric())
    _plain(report.model_dump(mode="json"))
    page = html.render(report)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    output = json.dumps(gradescope.to_dict(report))
    assert "<script>" not in output and "&lt;script&gt;" in output
    ET.fromstring(junit.render(report))  # well-formed: no control characters
    for character in UNSAFE:
        assert character not in terminal.render(report)
    assert without_timings(grade_alone(folder)) == without_timings(report.model_dump(mode="json"))


def test_student_text_is_plain_text_in_a_class(tmp_path):
    assert_classmates_keep_their_marks(
        tmp_path, {"linreg.py": attack_file("markup_in_error")}, _plain
    )


PLAIN = [
    ("colours", "\x1b[31mred\x1b[0m", "red"),
    ("title", "a\x1b]0;owned\x07b", "ab"),
    ("bidi", "abc\u202edef", "abcdef"),
    ("newline", "one\r\ntwo", "one two"),
    ("nul", "a\x00b\x7fc", "abc"),
    ("markup kept", "<b>x</b>", "<b>x</b>"),
    ("long", "x" * 5000, "x" * 1999 + "\u2026"),
]


@pytest.mark.parametrize(("text", "plain"), [p[1:] for p in PLAIN], ids=[p[0] for p in PLAIN])
def test_plain_text(text, plain):
    assert plain_text(text) == plain
