"""An idea's ``because`` in a rubric (issue 18): read with its lines, and
graded through the pipeline like any concepts check."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import RubricError
from grader.pipeline import GradingSession, grade_text
from grader.rubric import load_rubric

RUBRIC = """\
id: r
questions:
  - id: q1
    parts:
      - id: a
        points: 1
        checks:
          - kind: concepts
            id: c
            points: 1
            ideas:
              - id: smaller_rate
                phrasings: ["smaller learning rate"]
                because:
                  phrasings: ["overshoot"]
                  wrong: ["faster training"]
                  feedback: Say why it helps.
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rubric(path)


# (answer, score, feedback)
ANSWERS = [
    ("A smaller learning rate, because the steps overshoot.", 1.0, []),
    ("A smaller learning rate, because of faster training.", 0.0, ["Say why it helps."]),
    ("A smaller learning rate.", 0.0, ["Say why it helps."]),
]


@pytest.mark.parametrize(("answer", "score", "feedback"), ANSWERS, ids=["right", "wrong", "none"])
def test_graded_through_the_pipeline(tmp_path, answer, score, feedback):
    rubric = _load(tmp_path, RUBRIC)
    question, part = rubric.part("q1.a")
    report = grade_text(GradingSession(rubric), question, part, answer)
    assert report.score == score
    assert report.feedback == feedback
    assert not report.needs_review


def test_a_misspelt_field_of_because_is_an_error_at_its_line(tmp_path):
    with pytest.raises(RubricError) as error:
        _load(tmp_path, RUBRIC.replace("wrong:", "wrongs:"))
    messages = [p.format() for p in getattr(error.value, "problems", [])] or [error.value.format()]
    assert any(":16:" in m and "wrongs" in m for m in messages), messages
