"""What cannot be evaluated, and why: the one error hierarchy of the math
engine's numbers lives in :mod:`grader.math.evaluate` (``EvaluationError``,
``ShapeMismatch``, ``MatrixDivision``, ...); this module re-exports it for the
derivation checker and keeps the parse errors that are the student's mistake."""

from __future__ import annotations

from grader.math.evaluate import (
    DivisionByZero,
    EvaluationError,
    MatrixDivision,
    ShapeMismatch,
    Unsupported,
)

__all__ = [
    "MEANINGLESS_PARSE_ERRORS",
    "DivisionByZero",
    "EvaluationError",
    "MatrixDivision",
    "ShapeMismatch",
    "Unsupported",
]

# Parse errors that are the student's mistake, not the reader's: the line is
# read, and it is meaningless. The parser's reason starts with the key; the
# value is the diagnosis. Shared by the derivation checker and
# grader.math.equivalence.
MEANINGLESS_PARSE_ERRORS: dict[str, str] = {
    "division by a matrix": "matrix_division",
    "square root of a matrix": "shape_mismatch",
}
