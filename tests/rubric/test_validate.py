"""`validate`: problems the engines' readers find, each at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader import api


def _rubric(tmp_path: Path, body: str, *, context: str = "") -> Path:
    path = tmp_path / "r.yaml"
    text = (
        "id: r\n"
        + context
        + "questions:\n  - id: q1\n    parts:\n      - id: a\n        points: 1\n        checks:\n"
    )
    path.write_text(text + textwrap.indent(textwrap.dedent(body).lstrip("\n"), " " * 10))
    return path


CASES = [
    (
        "bad-shape",
        """
        - kind: shapes
          id: s
          points: 1
          shapes: {X: n by p}
        """,
        11,
        "cannot read shape 'n by p'",
    ),
    (
        "shape-mistake-unknown-name",
        """
        - kind: shapes
          id: s
          points: 1
          shapes: {X: n x p}
          mistakes: [{name: Y, shape: p x n, feedback: transposed}]
        """,
        12,
        "'Y' is not one of the check's shapes",
    ),
    (
        "missing-references",
        """
        - kind: code
          id: c
          points: 1
          file: f.py
          function: f
          references: nowhere.py
          tests: [{id: t, inputs: {a: 1}, args: [a]}]
        """,
        13,
        "reference file 'nowhere.py' not found next to the rubric",
    ),
    (
        "milestone-does-not-parse",
        """
        - kind: derivation
          id: d
          points: 1
          milestones: [{id: m, statement: "x = (", points: 1}]
        """,
        11,
        "'x = (' does not parse",
    ),
]


@pytest.mark.parametrize(
    ("body", "line", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_engine_level_problems_have_lines(tmp_path, body, line, fragment):
    path = _rubric(tmp_path, body)
    result = api.validate(path)
    assert not result.ok
    assert any(
        text.startswith(f"{path}:{line}: ") and fragment in text for text in result.lines()
    ), result.lines()


def test_context_from_a_file(tmp_path):
    (tmp_path / "context.yaml").write_text("symbols:\n  X: n x p\n  y: n x 1\n")
    body = """
    - kind: expression
      id: e
      points: 1
      answer: "X^T y"
    """
    path = _rubric(tmp_path, body, context="context: context.yaml\n")
    result = api.validate(path)
    assert result.ok, result.lines()


def test_context_file_errors_point_into_that_file(tmp_path):
    (tmp_path / "context.yaml").write_text("symbols:\n  X: n x p\naliases:\n  B: C\n  C: B\n")
    path = _rubric(
        tmp_path,
        '- {kind: expression, id: e, points: 1, answer: "X"}\n',
        context="context: context.yaml\n",
    )
    (line,) = api.validate(path).lines()
    assert "context.yaml" in line and "alias loop" in line


def test_meaningless_known_mistakes_are_allowed(tmp_path):
    body = """
    - kind: expression
      id: e
      points: 1
      answer: "beta = (X^T X)^{-1} X^T y"
      mistakes:
        - {id: divide, answer: "beta = X^T y / X^T X", marks: 0, feedback: "No dividing by matrices."}
    """
    context = "context:\n  symbols: {X: n x p, y: n x 1, beta: p x 1}\n"
    assert api.validate(_rubric(tmp_path, body, context=context)).problems == []


CODE_MISTAKES = [
    # (what the line becomes, the error expected)
    ("compare:", "comapre:", "tests[0].comapre: unknown field"),
    (
        "reference: fit_normal_equation,",
        "reference: fit_normal_equatoin,",
        "'fit_normal_equatoin' is not defined in ml-exam-references.py (did you mean 'fit_normal_equation'?)",
    ),
    (
        "generator: {name: regression_data,",
        "generator: {name: regresion_data,",
        "'regresion_data' is not defined in ml-exam-references.py",
    ),
]


@pytest.mark.parametrize(
    ("right", "wrong", "message"), CODE_MISTAKES, ids=["field", "reference", "generator"]
)
def test_a_misspelt_code_test_is_a_rubric_error(tmp_path, right, wrong, message):
    """`grader validate` used to say ok, and the whole class then got 'check
    could not run' at grading time."""
    import shutil

    root = Path(__file__).resolve().parents[2] / "rubrics"
    for file in root.iterdir():
        shutil.copy(file, tmp_path / file.name)
    rubric = tmp_path / "ml-exam.yaml"
    text = rubric.read_text()
    assert right in text
    rubric.write_text(text.replace(right, wrong, 1))
    result = api.validate(rubric)
    assert not result.ok
    assert any(message in line for line in result.lines()), result.lines()


def test_a_misspelt_distribution_is_a_rubric_error(tmp_path):
    body = textwrap.dedent(
        """\
        id: code-only
        title: Code
        questions:
          - id: q1
            parts:
              - id: a
                points: 1
                checks:
                  - kind: code
                    id: mean
                    points: 1
                    file: stats.py
                    function: mean
                    tests:
                      - id: one
                        inputs: {x: {shape: [5], distribution: normall}}
                        properties: [{finite: true}]
        """
    )
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(body)
    result = api.validate(rubric)
    assert any("normall" in line or "distribution" in line for line in result.lines()), (
        result.lines()
    )
