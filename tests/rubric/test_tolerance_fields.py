"""How a rubric states a numeric answer's tolerance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.rubric.models import ExpressionCheck, split_tolerance

SPLITS = [
    ("0.245 +- 0.005", ("0.245", 0.005)),
    ("p = 0.245 +/- 0.005", ("p = 0.245", 0.005)),
    (r"p = 0.245 \pm 0.005", ("p = 0.245", 0.005)),
    ("4/3 ± 1e-2", ("4/3", 0.01)),
    ("0.5", ("0.5", None)),
    ("a +- b", ("a +- b", None)),
    (r"\pmb{x}", (r"\pmb{x}", None)),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS, ids=[s[0] for s in SPLITS])
def test_split_tolerance(text, expected):
    assert split_tolerance(text) == expected


def check(**fields):
    return ExpressionCheck(id="v", kind="expression", points=1, **fields)


def test_tolerance_on_the_answer_becomes_the_field():
    spec = check(answer="p = 0.245 +- 0.005")
    assert (spec.answer, spec.tolerance) == ("p = 0.245", 0.005)


def test_within_tolerance_absolute_and_relative():
    assert check(answer="1", tolerance=0.1).within_tolerance(1.1, 1.0)
    assert not check(answer="1", tolerance=0.1).within_tolerance(1.11, 1.0)
    assert check(answer="200", rel_tolerance=0.01).within_tolerance(198, 200)
    assert not check(answer="200", rel_tolerance=0.01).within_tolerance(197, 200)


BAD = [
    ("two-tolerances", {"answer": "0.2 +- 0.01", "tolerance": 0.02}, "state it once"),
    ("on-accept", {"answer": "0.2", "accept": ["1/5 +- 0.01"]}, "accept[0]"),
    ("negative", {"answer": "0.2", "tolerance": -1}, "greater than or equal to 0"),
]


@pytest.mark.parametrize(("fields", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_tolerances(fields, message):
    with pytest.raises(ValidationError, match=message.replace("[", r"\[")):
        check(**fields)
