"""``any_of`` checks (alternatives between kinds) and milestones' ``accept``
forms, on tests/checks/files/alternatives.yaml."""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path

import pytest

from grader import api
from grader.errors import RubricError
from grader.pipeline import GradingSession, grade_text
from grader.rubric import load_rubric

RUBRIC = Path(__file__).parent / "files" / "alternatives.yaml"


@cache
def session() -> GradingSession:
    return GradingSession(api.load_rubric(RUBRIC))


def grade(part_id: str, text: str):
    question, part = session().rubric.part(part_id)
    return grade_text(session(), question, part, text)


# (id, answer, score, the alternative that gave the mark, needs review)
ANY_OF = [
    ("formula", "$w = 0$", 1, "formula", False),
    ("in-words", "The estimate shrinks towards zero.", 1, "in-words", False),
    # the full idea may be there in other words (the concepts engine flags an
    # answer where it found nothing): not full marks, so the flag stays
    ("weaker-words", "The weights get smaller.", 0.5, "direction-only", True),
    ("nothing", "It stays the same.", 0, None, False),
    ("wrong-formula", "$w = X^T y$", 0, None, True),
    # the formula cannot be read and no alternative passes: a marker looks
    ("unreadable-formula", r"$w = \foo$", 0, None, True),
    # the formula cannot be read, but the words earn full marks: no flag
    ("unreadable-but-words", "$w = \\foo$\nSo it goes to zero.", 1, "in-words", False),
]


@pytest.mark.parametrize(
    ("text", "score", "chosen", "review"), [a[1:] for a in ANY_OF], ids=[a[0] for a in ANY_OF]
)
def test_any_of_earns_the_best_alternative(text, score, chosen, review):
    part = grade("q1.a", text)
    check = part.checks[0]
    assert part.score == pytest.approx(score), (part.feedback, part.review_reasons)
    assert check.details["alternative"] == chosen
    assert part.needs_review is review, part.review_reasons


def test_the_report_lists_every_alternative_and_says_which_gave_the_mark():
    check = grade("q1.a", "The weights get smaller.").checks[0]
    assert [(a["id"], a["verdict"], a["score"]) for a in check.details["alternatives"]] == [
        ("formula", "not_graded", 0.0),
        ("in-words", "incorrect", 0.0),
        ("direction-only", "correct", 0.5),
    ]
    assert check.message == "0.5 of 1 (alternative 'direction-only')"


def test_an_undetermined_alternative_names_itself_in_the_review_reason():
    part = grade("q1.a", r"$w = \foo$")
    assert part.review_reasons == [
        "alternative 'formula': line 1: math could not be read (unknown command \\foo at column 4)"
    ]


GRADIENT = r"$$\frac{\partial J}{\partial w} = X^T(Xw - y) + \lambda w = 0$$"
ACCEPT = [
    # the gradient of J/2 is accepted for the gradient milestone
    ("accepted-gradient", GRADIENT + "\n$$(X^TX + \\lambda I)w = X^Ty$$", 2),
    # the closed form is accepted for the normal-equations milestone
    ("accepted-solution", "$$w = (X^TX + \\lambda I)^{-1}X^Ty$$", 1),
    (
        "reference",
        "$$\\frac{\\partial J}{\\partial w} = -2X^T(y - Xw) + 2\\lambda w$$\n"
        "$$(X^TX + \\lambda I)w = X^Ty$$",
        2,
    ),
    (
        "not-accepted",
        "$$\\frac{\\partial J}{\\partial w} = X^T(Xw - y) = 0$$\n$$w = (X^TX)^{-1}X^Ty$$",
        0,
    ),
    # "the gradient is zero" states no solution, whatever it solves to
    ("stationarity-alone", "$$\\frac{\\partial J}{\\partial w} = 0$$", 0),
]


@pytest.mark.parametrize(("text", "score"), [a[1:] for a in ACCEPT], ids=[a[0] for a in ACCEPT])
def test_milestone_accept_forms(text, score):
    part = grade("q1.b", text)
    assert part.score == pytest.approx(score), part.feedback
    assert not part.needs_review, part.review_reasons


def write(tmp_path: Path, alternatives: str, points: float = 1) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            id: t
            questions:
              - id: q1
                parts:
                  - id: a
                    points: {points}
                    checks:
                      - id: either
                        kind: any_of
                        points: {points}
                        alternatives:
            """
        ).format(points=points)
        + textwrap.indent(textwrap.dedent(alternatives), " " * 14),
        encoding="utf-8",
    )
    return path


BAD = [
    (
        "worth-more",
        """\
        - {id: f, kind: expression, answer: "x", points: 2}
        - {id: g, kind: expression, answer: "y"}
        """,
        "rubric.yaml:12: questions[q1].parts[a].checks[either].alternatives[f]: alternative 'f' "
        "is worth 2, "
        "more than the check's 1",
    ),
    (
        "never-full",
        """\
        - {id: f, kind: expression, answer: "x", points: 0.5}
        - {id: g, kind: expression, answer: "y", points: 0.5}
        """,
        "rubric.yaml:8: questions[q1].parts[a].checks[either]: no alternative is worth the "
        "check's 1 points: full marks could never be reached",
    ),
    (
        "nested",
        """\
        - {id: f, kind: expression, answer: "x"}
        - id: g
          kind: any_of
          alternatives:
            - {id: h, kind: expression, answer: "x"}
            - {id: i, kind: expression, answer: "y"}
        """,
        "rubric.yaml:13: questions[q1].parts[a].checks[either].alternatives[g]: alternative 'g': "
        "a 'any_of' "
        "check cannot be an alternative",
    ),
    (
        "one-only",
        """\
        - {id: f, kind: expression, answer: "x"}
        """,
        "rubric.yaml:11: questions[q1].parts[a].checks[either].alternatives: List should have "
        "at least 2 items after validation, not 1",
    ),
    (
        "misspelt-field-in-an-alternative",
        """\
        - {id: f, kind: expression, answr: "x"}
        - {id: g, kind: expression, answer: "y"}
        """,
        "rubric.yaml:12: questions[q1].parts[a].checks[either].alternatives[f].answr: "
        "unknown field 'answr' (misspelt?)",
    ),
]


@pytest.mark.parametrize(("alternatives", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_alternatives_are_rubric_errors_at_their_line(tmp_path, alternatives, message):
    path = write(tmp_path, alternatives)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    formatted = [p.format() for p in caught.value.problems]
    assert any(f.endswith(message) for f in formatted), formatted
