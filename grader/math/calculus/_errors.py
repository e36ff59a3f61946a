"""What cannot be evaluated, and why: the student's mistakes (shapes that do not
agree, division by a matrix) apart from the grader's limits."""

from __future__ import annotations


class EvaluationError(Exception):
    """An expression cannot be turned into a number (unknown construct, domain)."""

    kind = "unsupported"


class ShapeMismatch(EvaluationError):
    """Matrix shapes do not agree (a product, a sum, an inverse of a non-square matrix)."""

    kind = "shape_mismatch"


class MatrixDivision(EvaluationError):
    """Division by a matrix (which is not an operation)."""

    kind = "matrix_division"


# Parse errors that are the student's mistake, not the reader's: the line is
# read, and it is meaningless. The parser's reason starts with the key; the
# value is the diagnosis. Shared by the derivation checker and
# grader.math.equivalence.
MEANINGLESS_PARSE_ERRORS: dict[str, str] = {
    "division by a matrix": "matrix_division",
    "square root of a matrix": "shape_mismatch",
}
