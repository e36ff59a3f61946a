"""Rubrics: Pydantic models of an exam's marking scheme, loaded from YAML with
line numbers (``load_rubric``), checked with ``validate_rubric``."""

from __future__ import annotations

from grader.rubric.loader import load_rubric
from grader.rubric.models import (
    CheckSpec,
    CodeCheck,
    ConceptsCheck,
    DerivationCheck,
    Example,
    ExpressionCheck,
    Idea,
    KnownMistake,
    MilestoneSpec,
    Misconception,
    Part,
    Question,
    Rubric,
    ShapeMistake,
    ShapesCheck,
)

__all__ = [
    "CheckSpec",
    "CodeCheck",
    "ConceptsCheck",
    "DerivationCheck",
    "Example",
    "ExpressionCheck",
    "Idea",
    "KnownMistake",
    "MilestoneSpec",
    "Misconception",
    "Part",
    "Question",
    "Rubric",
    "ShapeMistake",
    "ShapesCheck",
    "load_rubric",
]

# The check kinds (grader.checks.registry) tell the models which checks a part
# may hold; imported here so that a rubric is never loaded without them.
from grader.checks import registry as _registry  # noqa: E402, F401
