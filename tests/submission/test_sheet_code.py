"""Code written in a sheet's ```python fences, used as the code answer when
the rubric's code check says ``code_from_sheet: true``; definitions only,
as for a notebook's code cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import api
from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
QUIZ = ROOT / "examples" / "notebook-quiz"

SHEET = """## Q1

(a) $$3x^2 - 2$$

(b) Squaring penalises large errors, and squares are positive.

(c)

```python
import numpy as np


def mse(y, y_hat):
    return np.mean((y - y_hat) ** 2)


print(mse(np.zeros(3), np.ones(3)))
open({touched!r}, "w").write("ran")
```
"""


@pytest.fixture
def rubric(tmp_path) -> Path:
    """The notebook quiz's rubric with the code part allowing sheet code."""
    text = (QUIZ / "rubric.yaml").read_text(encoding="utf-8")
    allowed = text.replace(
        "            file: losses.py\n",
        "            file: losses.py\n            code_from_sheet: true\n",
    )
    assert allowed != text
    (tmp_path / "references.py").write_text(
        (QUIZ / "references.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "rubric.yaml"
    path.write_text(allowed, encoding="utf-8")
    return path


def sheet(tmp_path: Path) -> tuple[Path, Path]:
    touched = tmp_path / "touched"
    path = tmp_path / "ann.md"
    path.write_text(SHEET.format(touched=str(touched)), encoding="utf-8")
    return path, touched


def code_part(report):
    return next(p for p in report.parts if p.id == "q1.c")


def test_fenced_code_is_the_code_answer_when_the_rubric_allows_it(tmp_path, rubric):
    path, touched = sheet(tmp_path)
    report = api.grade(path, rubric, strict=True)
    c = code_part(report)
    assert (c.score, report.score) == (2.0, 5.0)
    assert c.answer.how_found == "code cells"
    assert "the ```python blocks of ann.md" in c.answer.text
    assert not touched.exists()  # top-level code in the fence was not run
    assert any("not run at import" in f for f in c.feedback)


def test_fenced_code_is_not_used_unless_the_rubric_allows_it(tmp_path):
    path, _ = sheet(tmp_path)
    report = api.grade(path, QUIZ / "rubric.yaml", strict=True)
    c = code_part(report)
    assert c.score == 0.0
    assert c.feedback == [
        "losses.py was not submitted (code written on the sheet is not used for this part)"
    ]


def test_a_handed_in_file_wins_over_the_fence(tmp_path, rubric):
    folder = tmp_path / "bob"
    folder.mkdir()
    path, _ = sheet(folder)
    path.rename(folder / "sheet.md")
    (folder / "losses.py").write_text("def mse(y, y_hat):\n    return 0.0\n", encoding="utf-8")
    report = api.grade(folder, rubric, strict=True)
    assert code_part(report).score == 0.0
    assert code_part(report).answer.how_found == "code file"


def test_validate_accepts_code_from_sheet(rubric):
    result = CliRunner().invoke(main, ["validate", str(rubric)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("rubric.yaml: ok")
