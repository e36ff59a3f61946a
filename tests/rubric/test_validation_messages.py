"""Validation errors name the exact place and the likely cause (issue 18)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader import api

POWER_IN_DEFINITION = """\
    id: r
    context:
      symbols:
        X: n x p
        y: n x 1
        w: p x 1
      definitions:
        J: "(y - X w)^T (y - X w)"
    questions:
      - id: q1
        context:
          symbols:
            T: scalar
        parts:
          - id: a
            points: 1
            checks:
              - id: d
                kind: derivation
                points: 1
                milestones:
                  - {id: g, quantity: "d(J)/d(w)", statement: "d(J)/d(w) = -2 X^T (y - X w)", points: 1}
    """

POWER_IN_MILESTONE = """\
    id: r
    context:
      symbols:
        X: n x p
        y: n x 1
        w: p x 1
        T: scalar
    questions:
      - id: q1
        parts:
          - id: a
            points: 1
            checks:
              - id: d
                kind: derivation
                points: 1
                milestones:
                  - id: g
                    quantity: "d(J)/d(w)"
                    statement: "d(J)/d(w) = -2 X^T (y - X w)"
                    points: 1
    """

STOP_WORD_OPTION = """\
    id: r
    questions:
      - id: q1
        parts:
          - id: a
            points: 1
            checks:
              - id: c
                kind: concepts
                points: 1
                ideas:
                  - id: i
                    marks: 1
                    phrasings:
                      - "gradient descent"
                      - "(the | steepest) descent"
    """

EMPTY_OPTION = STOP_WORD_OPTION.replace("(the | steepest)", "( | steepest)")

PART_CONTEXT = """\
    id: r
    questions:
      - id: q1
        parts:
          - id: a
            points: 1
            context:
              symbols: {W: d x d}
            checks:
              - {id: e, kind: expression, points: 1, answer: "W \\\\foo"}
    """

UNREADABLE_EXAMPLE = """\
    id: r
    context:
      symbols: {p: scalar}
    questions:
      - id: q1
        parts:
          - id: a
            points: 1
            examples:
              - id: typed-fraction
                answer: "p = 4 \\\\over 3"
                score: 1
            checks:
              - {id: v, kind: expression, points: 1, answer: "p = 4/3"}
    """

SYMBOLIC_TOLERANCE = """\
    id: r
    questions:
      - id: q1
        parts:
          - id: a
            points: 1
            checks:
              - id: v
                kind: expression
                points: 1
                answer: "k / n"
                tolerance: 0.01
    """

# (id, rubric, the whole message after the file name)
CASES = [
    (
        "power-in-a-definition",
        POWER_IN_DEFINITION,
        "8: definition of 'J': a matrix power must be a whole number (column 9): 'T' is "
        "declared as a symbol at line 13 in the math context, so '^T' is a power, not a "
        "transpose (write '^\\top', or give the symbol another name)",
    ),
    (
        "power-in-a-milestone",
        POWER_IN_MILESTONE,
        "20: 'd(J)/d(w) = -2 X^T (y - X w)' does not parse in the question's context: a "
        "matrix power must be a whole number (column 16): 'T' is declared as a symbol at "
        "line 7 in the math context, so '^T' is a power, not a transpose (write '^\\top', "
        "or give the symbol another name)",
    ),
    (
        "stop-word-option",
        STOP_WORD_OPTION,
        "16: questions[q1].parts[a].checks[c].ideas[i].phrasings[1]: phrasing '(the | "
        "steepest) descent' does not parse: option 1 of (the | steepest), 'the', has only "
        "stop words (ignored in matching): leave it out, or write the idea without it",
    ),
    (
        "empty-option",
        EMPTY_OPTION,
        "16: questions[q1].parts[a].checks[c].ideas[i].phrasings[1]: phrasing '( | "
        "steepest) descent' does not parse: option 1 of ( | steepest) is empty",
    ),
    (
        "part-context",
        PART_CONTEXT,
        "10: 'W \\\\foo' does not parse in the part's context: unknown command \\foo at column 2",
    ),
    (
        "tolerance-on-a-formula",
        SYMBOLIC_TOLERANCE,
        "12: a tolerance needs an answer that is a number, but 'k / n' is not (its value "
        "has unknowns)",
    ),
    (
        "unreadable-example",
        UNREADABLE_EXAMPLE,
        "10: q1.a example 'typed-fraction': it scores 0, expected 1 (could not read: line 1: "
        "math could not be read (unknown command \\over at column 6)) (feedback: No answer "
        "found for the answer.)",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation_names_the_place_and_the_cause(tmp_path: Path, text, message):
    path = tmp_path / "rubric.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    assert api.validate(path).lines() == [f"{path}:{message}"]
