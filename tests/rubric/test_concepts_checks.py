"""`concepts` checks in rubrics: reference-only parts (the similarity
fallback), phrasings checked on load, and misconceptions with `unless`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import api
from grader.cli import main
from grader.errors import RubricError
from grader.pipeline import GradingSession, grade_text
from grader.report import json as json_report
from grader.report import markdown
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[2]
ML_EXAM = ROOT / "rubrics" / "ml-exam.yaml"
REFERENCE_ONLY = Path(__file__).parent / "files" / "reference-only.yaml"

HEAD = (
    "id: r\n"
    "questions:\n"
    "  - id: q1\n"
    "    parts:\n"
    "      - id: a\n"
    "        points: 1\n"
    "        checks:\n"
    "          - kind: concepts\n"
    "            id: c\n"
    "            points: 1\n"
)


def grade_example(rubric, question, part, text):
    return grade_text(GradingSession(rubric), question, part, text)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def _messages(error: RubricError) -> list[str]:
    return [p.format() for p in getattr(error, "problems", [])] or [error.format()]


# --------------------------------------------------------------------------
# rubric errors, each at its line


BAD_CONCEPTS = [
    (
        "neither-ideas-nor-reference",
        "            score_by_count: null\n",
        8,
        "`ideas` or a `reference`",
    ),
    ("blank-reference", '            reference: "  "\n', 8, "`ideas` or a `reference`"),
    (
        "reference-only-with-misconceptions",
        "            reference: A model answer.\n"
        "            misconceptions: [{id: m, phrasings: [wrong]}]\n",
        8,
        "cannot have `misconceptions`",
    ),
    (
        "reference-only-max-marks",
        "            reference: A model answer.\n            max_marks: 3\n",
        8,
        "max_marks is 3",
    ),
    (
        "idea-phrasing-unbalanced",
        "            ideas:\n"
        "              - id: i\n"
        "                phrasings:\n"
        '                  - "fine words"\n'
        '                  - "(vanishing|exploding gradient"\n',
        15,
        "'(' without ')'",
    ),
    (
        "idea-phrasing-leading-gap",
        '            ideas: [{id: i, phrasings: ["... gradient"]}]\n',
        11,
        "nothing to match before '...'",
    ),
    (
        "misconception-phrasing",
        "            ideas: [{id: i, phrasings: [gradient]}]\n"
        "            misconceptions:\n"
        "              - id: m\n"
        "                phrasings:\n"
        '                  - "{overfitting}"\n',
        15,
        "needs at least two words",
    ),
    (
        "unless-unknown-idea",
        "            ideas: [{id: i, phrasings: [gradient]}]\n"
        "            misconceptions: [{id: m, phrasings: [explode], unless: [nope]}]\n",
        12,  # the misconception the error names
        "unless names unknown ideas ['nope']",
    ),
]


@pytest.mark.parametrize(
    ("body", "line", "fragment"), [b[1:] for b in BAD_CONCEPTS], ids=[b[0] for b in BAD_CONCEPTS]
)
def test_bad_concepts_checks_fail_on_load_at_their_line(tmp_path, body, line, fragment):
    path = _write(tmp_path, body)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    messages = _messages(caught.value)
    assert any(m.startswith(f"{path}:{line}: ") and fragment in m for m in messages), messages


def test_validate_command_reports_a_broken_phrasing(tmp_path):
    path = _write(
        tmp_path,
        "            ideas:\n"
        "              - id: vanishing\n"
        '                phrasings: ["vanishing gradient", "(gradient|gradients vanish"]\n',
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    pattern = rf"^{re.escape(str(path))}:13: .*phrasings\[1\].*'\(' without '\)'"
    assert re.search(pattern, result.output, re.M), result.output


def test_a_broken_phrasing_stops_grading_before_any_sheet(tmp_path):
    path = _write(tmp_path, '            ideas: [{id: i, phrasings: ["a |"]}]\n')
    sheet = tmp_path / "sheet.md"
    sheet.write_text("(a) something\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(sheet), "--rubric", str(path)])
    assert result.exit_code == 2
    assert f"{path}:11: " in result.output


# --------------------------------------------------------------------------
# a part with only a reference answer


@pytest.fixture(scope="module")
def reference_only():
    rubric = load_rubric(REFERENCE_ONLY)
    question, part = rubric.part("q1.a")
    return rubric, question, part


PARAPHRASE = (
    "We keep the test data apart and do not train on it, so its error estimates how the "
    "model generalises to unseen data. Training error is too optimistic when the model overfits."
)
WRONG_ANSWERS = [
    ("unrelated", "It makes the gradient descent converge in fewer iterations."),
    ("shares-words", "We split the data so that training runs faster on a smaller data set."),
]


def test_reference_only_check_loads_and_validates(reference_only):
    rubric, _, part = reference_only
    (check,) = part.checks
    assert check.kind == "concepts" and check.ideas == [] and check.reference
    result = api.validate(REFERENCE_ONLY)
    assert result.ok, result.lines()
    assert [e.status for e in result.examples] == ["passed"] * len(result.examples)
    assert {e.example_id for e in result.examples} >= {"reference", "paraphrase", "unrelated"}


def test_good_paraphrase_scores_full_marks_without_review(reference_only):
    rubric, question, part = reference_only
    report = grade_example(rubric, question, part, PARAPHRASE)
    assert report.score == part.points
    assert not report.needs_review
    (check,) = report.checks
    assert check.details["method"] == "similarity"
    assert check.details["predicted_fraction"] >= 0.85


@pytest.mark.parametrize("answer", [a for _, a in WRONG_ANSWERS], ids=[i for i, _ in WRONG_ANSWERS])
def test_wrong_answer_scores_below_the_paraphrase_and_goes_to_review(reference_only, answer):
    rubric, question, part = reference_only
    good = grade_example(rubric, question, part, PARAPHRASE)
    wrong = grade_example(rubric, question, part, answer)
    assert wrong.score < good.score
    assert wrong.needs_review
    assert any("similarity to the reference" in r for c in wrong.checks for r in c.review_reasons)


def test_unrelated_answer_loses_a_good_share_of_the_marks(reference_only):
    rubric, question, part = reference_only
    good = grade_example(rubric, question, part, PARAPHRASE)
    wrong = grade_example(rubric, question, part, WRONG_ANSWERS[0][1])
    assert good.score - wrong.score >= 0.25 * part.points


def test_marks_scale_to_the_checks_points(tmp_path):
    """The engine's fraction becomes the check's points, whatever they are."""
    text = REFERENCE_ONLY.read_text(encoding="utf-8")
    scaled = text.replace("total: 2", "total: 5").replace("points: 2", "points: 5")
    path = tmp_path / "five.yaml"
    path.write_text(scaled, encoding="utf-8")
    rubric = load_rubric(path)
    question, part = rubric.part("q1.a")
    assert grade_example(rubric, question, part, PARAPHRASE).score == 5
    two = load_rubric(REFERENCE_ONLY)
    q2, p2 = two.part("q1.a")
    wrong_of_two = grade_example(two, q2, p2, WRONG_ANSWERS[0][1]).score
    wrong_of_five = grade_example(rubric, question, part, WRONG_ANSWERS[0][1]).score
    # quarter-mark rounding on each scale
    assert wrong_of_five / 5 == pytest.approx(wrong_of_two / 2, abs=0.125)


def _reference_pieces(reference: str) -> list[str]:
    words = re.findall(r"[a-z']+", reference.lower())
    return [" ".join(words[i : i + 4]) for i in range(len(words) - 3)]


@pytest.mark.parametrize(
    "answer",
    [PARAPHRASE, *(a for _, a in WRONG_ANSWERS), ""],
    ids=["paraphrase", *(i for i, _ in WRONG_ANSWERS), "blank"],
)
def test_feedback_never_shows_the_reference(tmp_path, reference_only, answer):
    rubric, _, part = reference_only
    sheet = tmp_path / "sheet.md"
    sheet.write_text(f"(a) {answer}\n", encoding="utf-8")
    pieces = _reference_pieces(part.checks[0].reference)
    report = api.check(sheet, rubric)
    shown = " ".join(
        [*(line for p in report.parts for line in p.feedback), markdown.render(report)]
    )
    shown = " ".join(re.findall(r"[a-z']+", shown.lower()))
    leaked = [piece for piece in pieces if piece in shown]
    # the student's own words may echo the reference; only count what they did not write
    own = " ".join(re.findall(r"[a-z']+", answer.lower()))
    assert [piece for piece in leaked if piece not in own] == []
    assert part.checks[0].reference.split("\n")[0] not in json_report.render(report)


# --------------------------------------------------------------------------
# ML exam: misconceptions that apply only when an idea is absent


@pytest.fixture(scope="module")
def ml_exam():
    return load_rubric(ML_EXAM)


UNLESS_CASES = [
    # (id, part, answer, score, feedback fragment or None, misconception fired)
    (
        "q3b-exploding-alone",
        "q3.b",
        "Standard RNNs struggle with long-term dependencies because of exploding gradients.",
        0.0,
        "Exploding gradients are a different failure",
        True,
    ),
    (
        "q3b-overfitting",
        "q3.b",
        "Because standard RNNs overfit the training data.",
        0.0,
        "Overfitting or model size",
        True,
    ),
    (
        "q3b-too-few-parameters",
        "q3.b",
        "They have too few parameters to remember long sequences.",
        0.0,
        "Overfitting or model size",
        True,
    ),
    (
        "q3b-exploding-and-vanishing",
        "q3.b",
        "Vanishing gradients (and sometimes exploding ones): the gradient is a product of many "
        "factors less than one, so it shrinks exponentially.",
        1.0,
        None,
        False,
    ),
    (
        "q4a-exploding-alone",
        "q4.a",
        "In 'The boys who play soccer in the rain were tired' the verb must agree with the "
        "subject. A standard RNN struggles because of exploding gradients.",
        1.0,
        "Exploding gradients or unstable training alone",
        True,
    ),
    (
        "q4a-unstable-training",
        "q4.a",
        "The subject decides the verb much later. Training an RNN is unstable.",
        1.0,
        "Exploding gradients or unstable training alone",
        True,
    ),
    (
        "q4a-vanishing-named",
        "q4.a",
        "The plural subject at the start decides the verb at the end; vanishing gradients, "
        "not exploding ones, make the RNN forget it.",
        2.0,
        None,
        False,
    ),
]


@pytest.mark.parametrize(
    ("part_id", "answer", "score", "fragment", "fired"),
    [c[1:] for c in UNLESS_CASES],
    ids=[c[0] for c in UNLESS_CASES],
)
def test_ml_exam_misconceptions_alone(ml_exam, part_id, answer, score, fragment, fired):
    question, part = ml_exam.part(part_id)
    report = grade_example(ml_exam, question, part, answer)
    assert report.score == pytest.approx(score), report.feedback
    feedback = " ".join(report.feedback)
    if fragment:
        assert fragment in feedback
    misconception_hints = {
        m.feedback for c in part.checks if c.kind == "concepts" for m in c.misconceptions
    }
    assert bool(misconception_hints & set(report.feedback)) == fired, report.feedback
