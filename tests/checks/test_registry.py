"""The check-kind registry: every kind described once (model, adapter, scorer,
answer kind, math), and a new kind graded end to end from its entry alone."""

from __future__ import annotations

import importlib
import textwrap
from typing import Literal

import pytest

from grader import api
from grader.checks import registry
from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.registry import BUILTIN_KINDS, CheckKind, kind_of, registered
from grader.errors import RubricError
from grader.rubric import load_rubric
from grader.rubric.models import CheckSpec, check_kind_names
from grader.scoring.rules import Marks

BUILTIN = [kind.name for kind in BUILTIN_KINDS]


@pytest.mark.parametrize("kind", BUILTIN_KINDS, ids=BUILTIN)
def test_every_kind_has_a_model_an_adapter_a_scorer_and_an_answer_kind(kind):
    assert issubclass(kind.model, CheckSpec)
    assert kind.model.model_fields["kind"].annotation == Literal[kind.name]
    assert isinstance(kind.adapter, str)
    adapter = importlib.import_module(kind.adapter).Adapter()
    assert adapter.kind == kind.name
    assert callable(kind.scorer)
    assert kind.answer_kind in ("math", "text", "code", "mixed")
    assert kind_of(kind.name) is kind


@pytest.mark.parametrize(
    ("name", "needs_math", "answer_kind"),
    [
        ("expression", True, "math"),
        ("derivation", True, "math"),
        ("shapes", True, "math"),
        ("concepts", False, "text"),
        ("code", False, "code"),
        ("any_of", True, "mixed"),
    ],
)
def test_the_builtin_entries(name, needs_math, answer_kind):
    kind = kind_of(name)
    assert (kind.needs_math, kind.answer_kind) == (needs_math, answer_kind)


def test_the_rubric_models_accept_exactly_the_registered_kinds():
    assert check_kind_names() == list(registry.KINDS) == BUILTIN


def test_an_unknown_kind_has_an_unavailable_adapter():
    adapter = registry.load_adapter("no-such-kind")
    outcome = adapter.grade(None, AnswerInput("q1.a"), GradingContext())
    assert outcome.status == "unavailable"
    assert "unknown check kind" in outcome.review_reasons[0]


# --------------------------------------------------------------------------
# a kind added by one module and one entry: nothing else changes


class WordCheck(CheckSpec):
    """Full marks when the answer says ``word``."""

    kind: Literal["word"]
    word: str


class WordAdapter:
    kind = "word"

    def grade(self, check: WordCheck, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        found = [no for no, line in answer.lines if check.word in line.lower()]
        if found:
            return CheckOutcome(items=[ItemOutcome("word", "correct", found[0])])
        return CheckOutcome(items=[ItemOutcome("word", "missing")])


def score_word(check: WordCheck, outcome: CheckOutcome) -> Marks:
    if outcome.items and outcome.items[0].status == "correct":
        return check.points, [], []
    return 0.0, [f"Say {check.word!r}."], []


WORD = CheckKind(
    "word", model=WordCheck, adapter=WordAdapter, scorer=score_word, answer_kind="text"
)

RUBRIC = """
id: words
questions:
  - id: q1
    parts:
      - id: a
        points: 2
        checks:
          - {kind: word, id: says-slope, points: 2, word: slope}
        reference: "It is the slope."
        examples:
          - {id: silent, answer: "No idea.", score: 0, feedback: ["say 'slope'"]}
"""


@pytest.fixture
def word_rubric(tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text(textwrap.dedent(RUBRIC).lstrip(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("sheet", "score", "feedback"),
    [
        ("## Q1\n\n(a) The derivative is the slope.\n", 2.0, []),
        ("## Q1\n\n(a) The derivative is a number.\n", 0.0, ["Say 'slope'."]),
    ],
    ids=["says it", "does not"],
)
def test_a_new_kind_is_graded_end_to_end(word_rubric, tmp_path, sheet, score, feedback):
    path = tmp_path / "sheet.md"
    path.write_text(sheet, encoding="utf-8")
    with registered(WORD):
        rubric = load_rubric(word_rubric)
        assert rubric.questions[0].parts[0].kind == "text"
        report = api.grade(path, rubric)
    (part,) = report.parts
    (check,) = part.checks
    assert (check.kind, check.score, part.score) == ("word", score, score)
    assert check.feedback == feedback


def test_a_new_kind_runs_its_rubric_examples(word_rubric):
    with registered(WORD):
        result = api.validate(word_rubric)
    assert result.ok, result.lines()
    assert [e.status for e in result.examples] == ["passed", "passed"]


def test_an_unregistered_kind_is_a_rubric_error_naming_the_registered_ones(word_rubric):
    with registered(WORD):
        load_rubric(word_rubric)
    assert "word" not in registry.KINDS
    with pytest.raises(RubricError) as caught:
        load_rubric(word_rubric)
    message = caught.value.format()
    assert "unknown check kind 'word'" in message
    assert all(name in message for name in BUILTIN)
