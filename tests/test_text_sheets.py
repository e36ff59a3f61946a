"""The free-text sheets (tests/files/text-sheets/), written and marked blind,
graded end to end. The grader is far from the marker on these (issue 11): the
figures reached are floors, and every part that gets more than the hand mark
(a false credit) or less without a review flag (a silent charge) is listed in
KNOWN as a strict xfail naming the cause. `python bench/text_sheets.py
--parts` prints the same figures."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from grader import api

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ROOT / "tests" / "files" / "text-sheets"
MARKS = yaml.safe_load((SHEETS / "marks.yaml").read_text(encoding="utf-8"))
TOLERANCE = 0.25
AGREEMENT_FLOOR = 111  # of 165 parts within 0.25 of the hand mark (56% before issue 11's work)

_WRONG_REASON = (
    "an idea stated with a wrong reason earns nothing; the rubric cannot say so (issue 18)"
)
_PARAPHRASE = "a paraphrase the phrasings miss and meaning does not flag as on-topic"
KNOWN: dict[tuple[str, str], str] = {
    ("t09", "q2.a"): "the forward pass described as backpropagation is credited half",
    ("t12", "q1.a"): _WRONG_REASON,
    ("t15", "q2.d"): _WRONG_REASON,
    ("t15", "q3.c"): "a wrong claim (ReLU gates) next to right gate roles: no misconception for it",
    ("t03", "q2.a"): _PARAPHRASE,
    ("t10", "q1.a"): "'least squares' named in the model answer is read as beta chosen to fit",
    ("t11", "q2.d"): "OCR misspellings beyond the fuzzy matcher: " + _PARAPHRASE,
}


@cache
def graded(sheet: str):
    report = api.grade(SHEETS / f"{sheet}.md", api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml"))
    return {part.id: part for part in report.parts}


def _parts():
    for sheet in sorted(MARKS):
        for part_id, hand in MARKS[sheet].items():
            if isinstance(hand, dict) and "mark" in hand:
                yield sheet, part_id, float(hand["mark"])


def _rows():
    for sheet, part_id, hand in _parts():
        marks = ()
        if (sheet, part_id) in KNOWN:
            marks = (pytest.mark.xfail(reason=KNOWN[sheet, part_id], strict=True),)
        yield pytest.param(sheet, part_id, hand, marks=marks, id=f"{sheet}-{part_id}")


@pytest.mark.parametrize(("sheet", "part_id", "hand"), list(_rows()))
def test_no_false_credit_and_no_silent_charge(sheet, part_id, hand):
    part = graded(sheet)[part_id]
    assert part.score <= hand + TOLERANCE + 1e-9, "more than the hand mark: a false credit"
    if part.score < hand - TOLERANCE - 1e-9:
        assert part.needs_review, "marks lost with no review flag: a silent charge"


def test_agreement_does_not_fall():
    agree = sum(
        abs(graded(sheet)[part_id].score - hand) <= TOLERANCE + 1e-9
        for sheet, part_id, hand in _parts()
    )
    assert agree >= AGREEMENT_FLOOR


def test_the_known_rows_are_sheets_and_parts():
    parts = {(sheet, part_id) for sheet, part_id, _ in _parts()}
    assert set(KNOWN) <= parts
