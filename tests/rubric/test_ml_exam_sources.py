"""rubrics/ml-exam.yaml carries the concept specs and code checks written by
the text and numeric engines' authors; this catches the copies drifting apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ("concepts", ROOT / "tests" / "text" / "files" / "ml-exam-concepts.yaml"),
    ("code", ROOT / "tests" / "numeric" / "files" / "ml-exam-code-checks.yaml"),
]
# Deliberate differences: the feedback of this test stated the normal
# equation (a reference of Q1(b)); the rubric's copy says what to fix instead.
DEVIATIONS = {("q1.e", "normal-equation"): ("tests", 0, "feedback")}


def _drop(data: dict, path: tuple) -> None:
    *head, last = path
    for step in head:
        data = data[step]
    data.pop(last, None)


def _cases():
    for kind, path in SOURCES:
        if not path.exists():
            continue
        for part_id, checks in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            yield pytest.param(kind, part_id, checks, id=f"{kind}-{part_id}")


@pytest.mark.parametrize(("kind", "part_id", "checks"), list(_cases()))
def test_rubric_has_the_engines_checks(kind, part_id, checks):
    _, part = load_rubric(ROOT / "rubrics" / "ml-exam.yaml").part(part_id)
    ours = {c.id: c for c in part.checks if c.kind == kind}
    assert sorted(ours) == sorted(c["id"] for c in checks)
    model = type(next(iter(ours.values())))
    for source in checks:
        expected = model.model_validate(source).model_dump()
        got = ours[source["id"]].model_dump()
        deviation = DEVIATIONS.get((part_id, source["id"]))
        if deviation:
            _drop(expected, deviation)
            _drop(got, deviation)
        assert got == expected, "run: python tests/rubric/files/sync_ml_exam_checks.py"
