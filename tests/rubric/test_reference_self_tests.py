"""`grader validate` runs each code check's reference model against the
check's own tests, in the sandbox: a reference that fails its own test is a
rubric error naming the test (the class would otherwise lose those marks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import api

ROOT = Path(__file__).resolve().parents[2]


def _exam_copy(folder: Path, right: str | None = None, wrong: str | None = None) -> Path:
    for file in (ROOT / "rubrics").iterdir():
        shutil.copy(file, folder / file.name)
    rubric = folder / "ml-exam.yaml"
    if right is not None:
        text = rubric.read_text(encoding="utf-8")
        assert right in text
        rubric.write_text(text.replace(right, wrong, 1), encoding="utf-8")
    return rubric


MISTAKES = [
    # 5 steps of gradient descent cannot reach the least-squares beta within 1e-3
    (
        "kwargs: {lr: 0.1, n_iter: 5000}",
        "kwargs: {lr: 0.1, n_iter: 5}",
        "q1.e check 'gradient-descent': the reference gradient_descent() in "
        "ml-exam-references.py fails its own test 'converges'",
    ),
    # a shape the reference does not return
    (
        "shape: [X.1]\n                compare: {reference: fit_normal_equation, rtol",
        "shape: [X.0]\n                compare: {reference: fit_normal_equation, rtol",
        "the reference fit_normal_equation() in ml-exam-references.py fails its own "
        "test 'least-squares'",
    ),
]


@pytest.mark.parametrize(("right", "wrong", "message"), MISTAKES, ids=["tolerance", "shape"])
def test_a_reference_that_fails_its_own_test_is_a_rubric_error(tmp_path, right, wrong, message):
    rubric = _exam_copy(tmp_path, right, wrong)
    result = api.validate(rubric)
    assert not result.ok
    lines = result.lines()
    hits = [line for line in lines if message in line]
    assert hits, lines
    # at the failing test's line in the rubric
    number = int(hits[0].split(":")[1])
    text = rubric.read_text().splitlines()
    assert text[number - 1].strip().startswith("- id:"), text[number - 1]
    assert not result.examples  # a broken rubric's examples would only repeat the error


def test_the_exam_references_pass_their_own_tests(tmp_path):
    result = api.validate(_exam_copy(tmp_path))
    assert result.ok, result.lines()
    assert not any("fails its own test" in line for line in result.lines())
