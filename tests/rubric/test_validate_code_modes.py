"""`grader validate` on code checks with comparison modes, transforms,
comparators and cases: each mistake is a rubric error on its own line, with
the closest valid name."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from grader import api

PCA = Path(__file__).resolve().parents[1] / "numeric" / "files" / "pca"

RUBRIC = textwrap.dedent(
    """\
    id: pca-exam
    title: PCA
    questions:
      - id: q1
        parts:
          - id: a
            points: 3
            checks:
              - kind: code
                id: pca
                points: 3
                file: pca.py
                function: pca
                references: pca_references.py
                tests:
                  - id: components
                    marks: 2
                    generator: {name: pca_data, params: {d: 4}}
                    cases:
                      axes: {X: [[3, 0], [-3, 0], [0, 1], [0, -1], [1, 0.5]]}
                    inputs: {k: 2}
                    args: [X, k]
                    compare:
                      reference: pca_components
                      transform: [abs, canonical_signs]
                      modes:
                        - exact
                        - {column_sign: 0.75}
                        - up_to: [column_sign, column_permutation]
                          score: 0.5
                  - id: subspace
                    marks: 1
                    generator: pca_data
                    inputs: {k: 2}
                    args: [X, k]
                    compare: {reference: pca_components, comparator: same_subspace}
    """
)

# (what the text becomes, the line of the error, words of the error)
MISTAKES = [
    ("- {column_sign: 0.75}", "- {colum_sign: 0.75}", 28, "did you mean 'column_sign'?"),
    ("up_to: [column_sign,", "up_to: [column_sgn,", 29, "unknown mode 'column_sgn'"),
    ("score: 0.5", "scor: 0.5", 30, "scor: unknown field (did you mean 'score'?)"),
    ("                  modes:", "                  mode:", 26, "did you mean 'modes'?"),
    ("[abs, canonical_signs]", "[abs, canonical_sign]", 25, "did you mean 'canonical_signs'?"),
    (
        "[abs, canonical_signs]",
        "[abs, normalise_columns]",
        25,
        "'normalise_columns' is neither a named transform nor defined in pca_references.py "
        "(did you mean 'normalize_columns'?)",
    ),
    ("comparator: same_subspace", "comparator: same_subspac", 36, "did you mean 'same_subspace'?"),
    ("axes: {X:", "axes: {x y:", 20, "'x y' is not a Python name"),
    ("- {column_sign: 0.75}", "- {column_sign: 2}", 28, "must be a fraction of the test's marks"),
]


def _write(tmp_path: Path, text: str) -> Path:
    shutil.copy(PCA / "pca_references.py", tmp_path / "pca_references.py")
    path = tmp_path / "rubric.yaml"
    path.write_text(text)
    return path


def test_the_pca_rubric_validates(tmp_path):
    result = api.validate(_write(tmp_path, RUBRIC))
    assert result.problems == [], result.lines()


@pytest.mark.parametrize(
    ("right", "wrong", "line", "words"), MISTAKES, ids=[m[1] for m in MISTAKES]
)
def test_each_mistake_is_an_error_on_its_line(tmp_path, right, wrong, line, words):
    assert right in RUBRIC
    result = api.validate(_write(tmp_path, RUBRIC.replace(right, wrong, 1)))
    assert not result.ok
    assert any(f"rubric.yaml:{line}:" in text and words in text for text in result.lines()), (
        result.lines()
    )
