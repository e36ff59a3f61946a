"""Rubrics: Pydantic models of an exam's marking scheme, loaded from YAML with
line numbers (``load_rubric``), checked with ``validate_rubric``."""

from __future__ import annotations

from grader.rubric.loader import load_rubric
from grader.rubric.models import (
    CHECK_KINDS,
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
    "CHECK_KINDS",
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
