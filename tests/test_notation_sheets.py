"""The notation sheets (tests/files/notation-sheets/), graded end to end against
the marks of their author, who wrote them blind (see that folder's README).

Every part must agree with the hand mark, except the rows in KNOWN, each a
strict xfail naming the cause; and whatever else happens, no part may get more
than the hand mark (a false credit) or less without a review flag (a silent
charge). `python bench/notation_sheets.py --parts` prints the same figures.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from grader import api

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ROOT / "tests" / "files" / "notation-sheets"
MARKS = yaml.safe_load((SHEETS / "marks.yaml").read_text(encoding="utf-8"))
PARTS = ("q1.b", "q1.c", "q2.c", "q2.d")

# (sheet, part) -> why the grader disagrees with the hand mark (each flagged for review)
KNOWN: dict[tuple[str, str], str] = {
    ("s03", "q1.b"): "the expansion written as a sum of squares is not matched to the "
    "expansion milestone (review)",
}
# silent charges left (text engine, issue 11: none), each a strict xfail of the safety test
SILENT: dict[tuple[str, str], str] = {}


@cache
def graded(sheet: str):
    report = api.grade(SHEETS / f"{sheet}.md", api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml"))
    return {part.id: part for part in report.parts}


def _rows(known: dict[tuple[str, str], str]):
    for sheet in sorted(MARKS):
        for part_id in PARTS:
            marks = ()
            if (sheet, part_id) in known:
                marks = (pytest.mark.xfail(reason=known[sheet, part_id], strict=True),)
            yield pytest.param(sheet, part_id, marks=marks, id=f"{sheet}-{part_id}")


def _hand(sheet: str, part_id: str) -> float:
    return float(MARKS[sheet][part_id]["mark"])


@pytest.mark.parametrize(("sheet", "part_id"), list(_rows(KNOWN)))
def test_part_agrees_with_the_hand_mark(sheet, part_id):
    part = graded(sheet)[part_id]
    assert part.score == pytest.approx(_hand(sheet, part_id), abs=1e-3), [
        check.message for check in part.checks
    ]


@pytest.mark.parametrize(("sheet", "part_id"), list(_rows(SILENT)))
def test_no_false_credit_and_no_silent_charge(sheet, part_id):
    part = graded(sheet)[part_id]
    hand = _hand(sheet, part_id)
    assert part.score <= hand + 1e-3, "more than the hand mark: a false credit"
    if part.score < hand - 1e-3:
        assert part.needs_review, "marks lost with no review flag: a silent charge"


def test_the_known_disagreements_are_still_sheets_and_parts():
    for sheet, part_id in {**KNOWN, **SILENT}:
        assert sheet in MARKS and part_id in PARTS
