"""The rubric embeds the engines' spec models (one schema each): a rubric
milestone is the derivation engine's ``Milestone`` with marks; a concepts
check's ideas and misconceptions are the text engine's models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.math.milestone import Milestone
from grader.rubric import models
from grader.rubric.models import MilestoneSpec
from grader.text import Idea, Misconception


def test_a_rubric_milestone_is_the_engines_milestone_with_marks():
    spec = MilestoneSpec.model_validate(
        {"id": "normal", "statement": "X^T X beta = X^T y", "kind": "equation", "points": 1}
    )
    assert isinstance(spec, Milestone)
    assert (spec.statement, spec.kind, spec.quantity, spec.points) == (
        "X^T X beta = X^T y",
        "equation",
        None,
        1.0,
    )
    assert list(MilestoneSpec.model_fields)[:4] == ["id", "statement", "kind", "quantity"]


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        (("g", "dL/dz1"), ("g", "dL/dz1", "value", None)),
        (("dL/dw1", "dL/dw1", "value", "dL/dw1"), ("dL/dw1", "dL/dw1", "value", "dL/dw1")),
        (("n", "X^T X beta = X^T y", "equation"), ("n", "X^T X beta = X^T y", "equation", None)),
    ],
    ids=["two", "a quantity as id", "an equation"],
)
def test_the_engine_builds_milestones_positionally(args, fields):
    milestone = Milestone(*args)
    assert (milestone.id, milestone.statement, milestone.kind, milestone.quantity) == fields


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "g", "statement": "", "points": 1}, "statement"),
        ({"id": "g", "statement": "x", "kind": "guess", "points": 1}, "kind"),
        ({"id": "dL/dw1", "statement": "x", "points": 1}, "id"),
        ({"id": "g", "statement": "x", "points": 1, "marks": 2}, "marks"),
    ],
    ids=["empty statement", "unknown kind", "rubric id rules", "unknown field"],
)
def test_the_rubric_checks_a_milestone_by_the_engines_schema_and_its_own(data, field):
    with pytest.raises(ValidationError) as error:
        MilestoneSpec.model_validate(data)
    assert error.value.errors()[0]["loc"] == (field,)


def test_the_rubric_reexports_the_text_engines_models():
    assert models.Idea is Idea and models.Misconception is Misconception


def test_the_engine_takes_a_kind_it_does_not_know_and_the_rubric_does_not():
    assert Milestone("m", "dL/dz2", "shape").kind == "shape"  # the engine: undetermined
    with pytest.raises(ValidationError):
        MilestoneSpec.model_validate(
            {"id": "m", "statement": "dL/dz2", "kind": "shape", "points": 1}
        )
