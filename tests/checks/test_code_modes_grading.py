"""A code check with ways to be right, graded through the whole pipeline: the
part's score and feedback say which way, and an undecidable comparison goes
to review."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import api
from tests.rubric.test_validate_code_modes import PCA, RUBRIC

# without the transform, so the modes decide
PLAIN = RUBRIC.replace("                  transform: [abs, canonical_signs]\n", "")


def _grade(tmp_path: Path, student: str, rubric: str = PLAIN) -> dict:
    shutil.copy(PCA / "pca_references.py", tmp_path / "pca_references.py")
    (tmp_path / "rubric.yaml").write_text(rubric)
    folder = tmp_path / student
    folder.mkdir()
    shutil.copy(PCA / "students" / f"{student}.py", folder / "pca.py")
    return api.grade(folder, tmp_path / "rubric.yaml").model_dump(mode="json")


@pytest.mark.parametrize(
    ("student", "score", "words"),
    [
        ("right", 3.0, None),
        ("flipped", 2.5, "right up to the sign of each column: 0.75 of the marks"),
        ("permuted", 2.0, "and the order of the columns: 0.5 of the marks"),
    ],
)
def test_the_part_says_which_way_it_is_right(tmp_path, student, score, words):
    assert "transform" not in PLAIN
    report = _grade(tmp_path, student)
    (part,) = report["parts"]
    assert part["score"] == score
    assert not part["needs_review"]
    if words:
        assert any(words in line for line in part["feedback"]), part["feedback"]
    else:
        assert part["feedback"] == []


def test_an_undecidable_comparison_goes_to_review(tmp_path):
    rubric = PLAIN.replace("comparator: same_subspace", "comparator: nan_comparator")
    report = _grade(tmp_path, "right", rubric)
    (part,) = report["parts"]
    assert part["score"] == 2.0  # the components test; the undecided one earns nothing yet
    assert part["needs_review"]
    assert any("nan_comparator returned float 'nan'" in r for r in part["review_reasons"])
    assert not any("nan_comparator" in line for line in part["feedback"])
    assert any("not your fault" in line for line in part["feedback"])
