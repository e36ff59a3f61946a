"""Worked examples may hand in code: an example's `files:` maps the name a
code check reads to a file next to the rubric, and `grader validate` grades
it like a student's folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import api

ROOT = Path(__file__).resolve().parents[2]
ANCHOR = '        feedback: "With lr=0.1 and 5000 steps it should reach the least-squares beta."\n'

# gradient descent that never moves: the normal equation earns its mark, the
# two gradient-descent tests fail (0.5 + 0.5 lost)
FROZEN = """import numpy as np


def fit_normal_equation(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


def gradient_descent(X, y, lr=0.01, n_iter=1000):
    return np.zeros(X.shape[1])
"""


def _exam_with_example(folder: Path, example: str) -> Path:
    for file in (ROOT / "rubrics").iterdir():
        shutil.copy(file, folder / file.name)
    (folder / "examples").mkdir()
    (folder / "examples" / "linreg-frozen.py").write_text(FROZEN)
    shutil.copy(ROOT / "submissions" / "typed-perfect" / "linreg.py", folder / "examples")
    rubric = folder / "ml-exam.yaml"
    text = rubric.read_text(encoding="utf-8")
    assert text.count(ANCHOR) == 1
    rubric.write_text(text.replace(ANCHOR, ANCHOR + "        examples:\n" + example))
    return rubric


GOOD = [
    ("frozen", "examples/linreg-frozen.py", 1.0),
    ("right", "examples/linreg.py", 2.0),
]


@pytest.mark.parametrize(("example_id", "source", "score"), GOOD, ids=[g[0] for g in GOOD])
def test_an_example_with_code_is_graded_like_a_students_folder(tmp_path, example_id, source, score):
    example = (
        f"          - id: {example_id}\n"
        f"            files: {{linreg.py: {source}}}\n"
        f"            score: {score}\n"
    )
    result = api.validate(_exam_with_example(tmp_path, example))
    assert result.ok, result.lines()
    (found,) = [e for e in result.examples if e.example_id == example_id]
    assert found.status == "passed", found.message
    assert found.score == pytest.approx(score)


def test_an_example_expecting_the_wrong_score_fails(tmp_path):
    example = (
        "          - id: frozen\n"
        "            files: {linreg.py: examples/linreg-frozen.py}\n"
        "            score: 2\n"
    )
    result = api.validate(_exam_with_example(tmp_path, example))
    assert not result.ok
    assert any("'frozen': it scores 1, expected 2" in line for line in result.lines())


BAD = [
    ("{linreg.py: examples/nowhere.py}", "example file 'examples/nowhere.py' not found"),
    ("{linreg2.py: examples/linreg.py}", "no code check of the part reads 'linreg2.py'"),
    ("{linreg.py: ../../etc/passwd}", "is outside the rubric's folder"),
]


@pytest.mark.parametrize(("files", "message"), BAD, ids=["missing", "wrong-name", "outside"])
def test_example_file_mistakes_are_rubric_errors(tmp_path, files, message):
    example = f"          - id: bad\n            files: {files}\n            score: 1\n"
    result = api.validate(_exam_with_example(tmp_path, example))
    assert not result.ok
    assert any(message in line for line in result.lines()), result.lines()
