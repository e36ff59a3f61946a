"""The blind equivalence corpora (tests/math/files/blind-*.jsonl): 488 pairs
written by authors who saw only issue 10's list of notations and the ML
exam's marking scheme, never the code (tests/math/files/BLIND.md).

Whatever else: no pair expected ``not_equal`` or ``undetermined`` may be judged
``equal`` (a false credit), and none expected ``equal`` may be judged
``not_equal`` (a silent charge), except the rows in KNOWN, each a strict xfail
naming the cause. Agreement per class may not fall below the figures reached
(`python bench/blind_corpus.py` prints them).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from grader.math import equivalent

FILES = sorted((Path(__file__).parent / "files").glob("blind-*.jsonl"))
ROWS = [
    json.loads(line)
    for path in FILES
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]

# note -> why the verdict is a false credit or a silent charge today
KNOWN: dict[str, str] = {}

# class -> pairs that must agree with the expected verdict (the figures reached)
AGREEMENT_FLOOR: dict[str, int] = {
    "calculus": 50,
    "definitions": 44,
    # 49: sigma(logit p) vs p is undetermined (p undeclared: defined at other points)
    "elementwise": 49,
    "index": 49,
    "names": 45,
    "norms": 50,
    "numeric": 41,
    "parameters": 42,
    "plaintext": 59,
    "updates": 46,
}


@cache
def verdict(index: int) -> tuple[str, str]:
    row = ROWS[index]
    result = equivalent(row["a"], row["b"], row.get("context") or None, time_limit=10)
    return result.verdict, result.reason


def test_the_corpora_are_large_balanced_and_well_formed():
    assert len(ROWS) >= 400
    notes = [row["note"] for row in ROWS]
    assert len(set(notes)) == len(notes)
    classes = Counter(row["class"] for row in ROWS)
    traps = Counter(row["class"] for row in ROWS if row["trap"])
    for name, count in classes.items():
        assert count >= 30, name
        assert traps[name] >= 0.4 * count, name  # about half are traps
    for row in ROWS:
        assert row["expected"] in ("equal", "not_equal", "undetermined")
        assert row["trap"] == (row["expected"] != "equal"), row["note"]
    assert set(KNOWN) <= set(notes)


def _rows(wanted):
    for index, row in enumerate(ROWS):
        if not wanted(row):
            continue
        marks = ()
        if row["note"] in KNOWN:
            marks = (pytest.mark.xfail(reason=KNOWN[row["note"]], strict=True),)
        yield pytest.param(index, marks=marks, id=f"{row['class']}: {row['note']}")


@pytest.mark.parametrize("index", list(_rows(lambda row: row["expected"] != "equal")))
def test_never_a_false_equal(index):
    got, reason = verdict(index)
    assert got != "equal", reason


@pytest.mark.parametrize("index", list(_rows(lambda row: row["expected"] == "equal")))
def test_never_a_silent_charge(index):
    got, reason = verdict(index)
    assert got != "not_equal", reason


@pytest.mark.parametrize("name", sorted(AGREEMENT_FLOOR))
def test_agreement_per_class_does_not_fall(name):
    agree = sum(
        verdict(index)[0] == row["expected"]
        for index, row in enumerate(ROWS)
        if row["class"] == name
    )
    assert agree >= AGREEMENT_FLOOR[name]
