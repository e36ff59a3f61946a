"""ConceptSpec.from_mapping (the rubric's YAML shape) and the scoring rules."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from grader.errors import RubricError
from grader.text import ConceptSpec, Idea, Misconception, grade_concepts

TEAM_EXAMPLE = """
kind: concepts
id: model
points: 1
score_by_count: {3: 1, 2: 0.5}
ideas:
  - id: supervised
    phrasings: ["supervised", "labelled data", "learn from labels"]
    feedback: "Say what kind of learning problem it is."
  - id: continuous
    phrasings: ["continuous"]
  - id: linear
    phrasings: ["linear relation"]
  - id: backward
    phrasings: ["backward"]
misconceptions:
  - id: forward
    phrasings: ["backpropagation is the forward pass"]
    cancels: [backward]
    penalty: 0
    feedback: "Backpropagation runs backward, from the loss to the inputs."
"""


def test_reads_the_team_example():
    spec = ConceptSpec.from_mapping(yaml.safe_load(TEAM_EXAMPLE))
    assert [i.id for i in spec.ideas] == ["supervised", "continuous", "linear", "backward"]
    assert spec.ideas[0].feedback == "Say what kind of learning problem it is."
    assert spec.score_by_count == {3: 1.0, 2: 0.5}
    assert spec.max_marks == 1.0  # from points
    assert spec.max_score == 1.0
    assert spec.misconceptions[0].cancels == ["backward"]


def _with(path: str, value):
    data = yaml.safe_load(TEAM_EXAMPLE)
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


_DELETE = object()

# (id, field path to change, new value, expected words in the error)
BAD_FIELDS = [
    ("unknown-top", "colour", "red", "colour: unknown field"),
    ("ideas-not-list", "ideas", "supervised", "ideas: expected a list"),
    ("idea-not-mapping", "ideas.0", "supervised", "ideas[0]: expected a mapping"),
    ("idea-no-id", "ideas.0.id", _DELETE, "ideas[0].id: missing"),
    ("idea-empty-id", "ideas.0.id", " ", "ideas[0].id: must not be empty"),
    ("idea-no-phrasings", "ideas.1.phrasings", _DELETE, "ideas[1].phrasings: missing"),
    (
        "idea-phrasings-string",
        "ideas.1.phrasings",
        "continuous",
        "ideas[1].phrasings: expected a list",
    ),
    ("idea-phrasings-empty", "ideas.1.phrasings", [], "ideas[1].phrasings: at least one"),
    ("idea-phrasing-number", "ideas.1.phrasings", [3], "ideas[1].phrasings[0]: expected a string"),
    (
        "idea-phrasing-bad",
        "ideas.2.phrasings",
        ["linear", "(relation"],
        "ideas[2].phrasings[1]: '(' without ')'",
    ),
    (
        "idea-phrasing-stop",
        "ideas.2.phrasings",
        ["the of"],
        "ideas[2].phrasings[0]: a phrasing needs",
    ),
    ("idea-marks-negative", "ideas.0.marks", -1, "ideas[0].marks: must be at least 0"),
    ("idea-marks-text", "ideas.0.marks", "one", "ideas[0].marks: expected a number"),
    ("idea-unknown-field", "ideas.0.points", 1, "ideas[0].points: unknown field"),
    ("duplicate-idea", "ideas.1.id", "supervised", "duplicate idea id 'supervised'"),
    (
        "cancels-unknown",
        "misconceptions.0.cancels",
        ["sideways"],
        "misconceptions[0].cancels[0]: no idea 'sideways'",
    ),
    (
        "unless-unknown",
        "misconceptions.0.unless",
        ["sideways"],
        "misconceptions[0].unless[0]: no idea 'sideways'",
    ),
    ("unless-string", "misconceptions.0.unless", "supervised", "unless: expected a list"),
    (
        "penalty-negative",
        "misconceptions.0.penalty",
        -0.5,
        "misconceptions[0].penalty: must be at least 0",
    ),
    (
        "score-by-count-key",
        "score_by_count",
        {"three": 1},
        "score_by_count.three: keys must be idea counts",
    ),
    ("score-by-count-zero", "score_by_count", {0: 1}, "score_by_count.0: counts start at 1"),
    ("score-by-count-too-many", "score_by_count", {5: 1}, "asks for 5 ideas but only 4"),
    ("score-by-count-value", "score_by_count", {2: "half"}, "score_by_count.2: expected a number"),
    ("max-marks-bool", "max_marks", True, "max_marks: expected a number"),
    ("reference-number", "reference", 3, "reference: expected a string"),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [row[1:] for row in BAD_FIELDS],
    ids=[row[0] for row in BAD_FIELDS],
)
def test_bad_fields_name_their_path(path, value, message):
    with pytest.raises(RubricError) as error:
        ConceptSpec.from_mapping(_with(path, value), source="rubrics/x.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("rubrics/x.yaml: ")


def test_reference_only_needs_marks():
    with pytest.raises(RubricError, match="max_marks"):
        ConceptSpec.from_mapping({"kind": "concepts", "reference": "To simulate the product."})
    spec = ConceptSpec.from_mapping({"reference": "To simulate the product.", "points": 2})
    assert spec.max_score == 2.0 and not spec.ideas


def test_no_ideas_and_no_reference():
    with pytest.raises(RubricError, match="needs ideas or a reference"):
        ConceptSpec.from_mapping({"kind": "concepts", "points": 1})


def _spec(**extra):
    data = {
        "ideas": [
            {"id": "a", "phrasings": ["alpha"], "marks": 0.5, "feedback": "Say A."},
            {"id": "b", "phrasings": ["beta"], "marks": 1, "feedback": "Say B."},
            {"id": "c", "phrasings": ["gamma"], "marks": 1, "feedback": "Say C."},
            {"id": "d", "phrasings": ["delta"], "marks": 1, "feedback": "Say D."},
        ]
    }
    data.update(extra)
    return ConceptSpec.from_mapping(data)


# (id, spec options, answer, score, max score)
SCORING = [
    ("count-3-of-4", {"score_by_count": {3: 1, 2: 0.5}}, "alpha beta gamma", 1.0, 1.0),
    ("count-4-of-4", {"score_by_count": {3: 1, 2: 0.5}}, "alpha beta gamma delta", 1.0, 1.0),
    ("count-2-of-4", {"score_by_count": {3: 1, 2: 0.5}}, "beta delta", 0.5, 1.0),
    ("count-1-of-4", {"score_by_count": {3: 1, 2: 0.5}}, "delta", 0.0, 1.0),
    ("count-string-keys", {"score_by_count": {"2": 1, "1": 0.5}}, "delta", 0.5, 1.0),
    ("marks-sum", {}, "alpha beta", 1.5, 3.5),
    ("marks-capped", {"max_marks": 2}, "alpha beta gamma delta", 2.0, 2.0),
    ("marks-under-cap", {"max_marks": 2}, "alpha", 0.5, 2.0),
    ("nothing", {"max_marks": 2}, "epsilon", 0.0, 2.0),
]


@pytest.mark.parametrize(
    ("options", "text", "score", "max_score"),
    [row[1:] for row in SCORING],
    ids=[r[0] for r in SCORING],
)
def test_scoring_rules(options, text, score, max_score):
    result = grade_concepts(text, _spec(**options))
    assert (result.score, result.max_score) == (score, max_score)


def test_feedback_only_where_marks_were_lost():
    spec = _spec(score_by_count={3: 1, 2: 0.5})
    full = grade_concepts("alpha beta gamma", spec)
    assert full.missing == ["d"] and full.feedback == []
    half = grade_concepts("alpha beta", spec)
    assert half.feedback == ["Say C.", "Say D."]


def test_result_to_dict_is_plain_data():
    result = grade_concepts("alpha", _spec())
    data = result.to_dict()
    assert data["matched"][0]["id"] == "a"
    assert yaml.safe_dump(data)  # only plain types


@pytest.mark.parametrize("text", ["", "   \n\n", "$$x^2$$", "~~all struck out~~"], ids=repr)
def test_empty_or_unreadable_answer_scores_zero(text):
    result = grade_concepts(text, _spec(max_marks=2))
    assert (result.score, result.matched) == (0.0, [])
    assert result.missing == ["a", "b", "c", "d"]
    assert result.feedback == ["Say A.", "Say B.", "Say C.", "Say D."]


# --------------------------------------------------------------------------
# one schema: the rubric embeds the engine's models


def test_the_rubric_embeds_the_engines_idea_and_misconception():
    from grader.rubric import models
    from grader.text import Idea, Misconception

    assert models.Idea is Idea and models.Misconception is Misconception
    fields = models.ConceptsCheck.model_fields
    assert fields["ideas"].annotation == list[Idea]
    assert fields["misconceptions"].annotation == list[Misconception]


@pytest.mark.parametrize(
    ("make", "fields"),
    [
        (lambda: Idea("forget", ["forget gate"], marks=0.5), ("forget", 0.5)),
        (lambda: Idea(id="forget", phrasings=["forget gate"], marks="1/2"), ("forget", 0.5)),
        (lambda: Idea.model_validate({"id": 7, "phrasings": ["seven"]}), ("7", 1.0)),
    ],
    ids=["positional", "keywords, a fraction", "validated from YAML"],
)
def test_an_idea_is_built_the_engines_way_or_the_rubrics(make, fields):
    idea = make()
    assert (idea.id, idea.marks) == fields
    assert len(idea.compiled) == len(idea.phrasings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "a b", "phrasings": ["x"]}, "ideas[0].id: String should match pattern"),
        ({"id": "a", "phrasings": ["(x"]}, "ideas[0].phrasings[0]: '(' without ')'"),
    ],
    ids=["bad id", "bad phrasing"],
)
def test_the_models_own_checks_name_the_field(data, message):
    with pytest.raises(RubricError) as error:
        ConceptSpec.from_mapping({"ideas": [data], "points": 1})
    assert message in str(error.value)


def test_a_bad_phrasing_is_a_validation_error_at_its_index():
    with pytest.raises(ValidationError) as error:
        Misconception("m", ["fine", "(broken"])
    (problem,) = error.value.errors()
    assert problem["loc"] == ("phrasings", 1)
    assert "does not parse" in problem["msg"]
