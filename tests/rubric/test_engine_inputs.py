"""What each check model hands ``grader validate`` for the engines to read:
math forms, shapes and files, at their places in the check."""

from __future__ import annotations

import pytest

from grader.rubric.models import (
    CodeCheck,
    ConceptsCheck,
    DerivationCheck,
    ExpressionCheck,
    ShapesCheck,
)

MISTAKE = {"id": "m", "answer": "2 x", "marks": 0, "feedback": "A term went missing."}

CHECKS = [
    (
        ExpressionCheck,
        {"answer": "2 x + 3", "accept": ["3 + 2 x"], "mistakes": [MISTAKE]},
        [
            (("answer",), "2 x + 3", False),
            (("accept", 0), "3 + 2 x", False),
            (("mistakes", 0, "answer"), "2 x", True),
        ],
        [],
        [],
    ),
    (
        DerivationCheck,
        {
            "milestones": [
                {"id": "g", "statement": "X^T X beta = X^T y", "points": 1, "mistakes": [MISTAKE]}
            ]
        },
        [
            (("milestones", 0, "statement"), "X^T X beta = X^T y", False),
            (("milestones", 0, "mistakes", 0, "answer"), "2 x", True),
        ],
        [],
        [],
    ),
    (
        ShapesCheck,
        {
            "shapes": {"X": "n x p"},
            "mistakes": [{"name": "X", "shape": "p x n", "feedback": "Rows are samples."}],
        },
        [],
        [(("shapes", "X"), "n x p"), (("mistakes", 0, "shape"), "p x n")],
        [],
    ),
    (
        CodeCheck,
        {"file": "linreg.py", "function": "fit", "references": "refs.py"},
        [],
        [],
        [(("references",), "refs.py")],
    ),
    (ConceptsCheck, {"ideas": [{"id": "i", "phrasings": ["slope"]}]}, [], [], []),
]


@pytest.mark.parametrize(
    ("model", "fields", "math", "shapes", "files"), CHECKS, ids=[row[0].__name__ for row in CHECKS]
)
def test_each_check_lists_what_the_engines_must_read(model, fields, math, shapes, files):
    kind = model.model_fields["kind"].annotation.__args__[0]
    check = model.model_validate({"kind": kind, "id": "c", "points": 1, **fields})
    assert check.math_forms() == math
    assert check.shape_forms() == shapes
    assert check.files() == files
