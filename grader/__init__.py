"""grader: auto-grading of exam answers.

The public face. Names are loaded lazily so that importing ``grader`` (and
running ``grader --help``) does not import sympy or numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "GraderError": "grader.errors",
    "RubricError": "grader.errors",
    "SubmissionError": "grader.errors",
    "ContextError": "grader.errors",
    "InputError": "grader.errors",
    "GradeReport": "grader.report.models",
    "PartReport": "grader.report.models",
    "CheckReport": "grader.report.models",
    "grade": "grader.api",
    "check": "grader.api",
    "load_rubric": "grader.api",
    "validate": "grader.api",
    "Rubric": "grader.rubric.models",
    "equivalent": "grader.math.equivalence",
    "Equivalence": "grader.math.equivalence",
    "check_derivation": "grader.math.derivation",
    "DerivationResult": "grader.math.derivation",
    "MathContext": "grader.math.context",
    "load_context": "grader.math.context",
    "QuestionReport": "grader.report.models",
}

__all__ = ["__version__", *_EXPORTS]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
