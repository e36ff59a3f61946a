"""A shape the check looks for is missing while a line holds shape-like text no
reader understood ("d*d", "$Z : n x k$"): review, never a silent charge."""

from __future__ import annotations

import pytest

from grader import api

RUBRIC = """\
id: shapes
title: shapes
context:
  symbols: {C: d x d, Z: n x k}
questions:
  - id: q1
    points: 1
    parts:
      - id: a
        answer_kind: math
        points: 1
        checks:
          - kind: shapes
            id: shapes
            points: 1
            shapes: {C: d x d, Z: n x k}
            score_by_count: {2: 1, 1: 0.5}
"""

SHEETS = [
    ("a star for times", "Covariance is a d*d matrix. The projection is n*k.", 0, True),
    ("one read, one not", r"$C \in \mathbb{R}^{d \times d}$   $Z : n x k$", 0.5, True),
    ("both read", r"$C \in \mathbb{R}^{d \times d}$, $Z \in \mathbb{R}^{n \times k}$", 1, False),
    ("no shape-like text", "I do not remember the shapes.", 0, False),
]


@pytest.mark.parametrize(
    ("line", "score", "flagged"), [s[1:] for s in SHEETS], ids=[s[0] for s in SHEETS]
)
def test_shape_like_text_that_was_not_read_goes_to_review(tmp_path, line, score, flagged):
    (tmp_path / "rubric.yaml").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "sheet.md").write_text(f"Q1\n(a) {line}\n", encoding="utf-8")
    report = api.grade(tmp_path / "sheet.md", api.load_rubric(tmp_path / "rubric.yaml"))
    part = report.parts[0]
    assert part.score == score
    assert part.needs_review is flagged
    if flagged:
        assert any("looks like a shape" in r for r in part.review_reasons)
