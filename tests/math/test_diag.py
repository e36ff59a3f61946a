"""diag(s): the square matrix with the vector s on its diagonal (the softmax
Jacobian diag(s) - s s^T), in every spelling."""

from __future__ import annotations

import pytest

from grader.math import equivalent
from grader.math.context import MathContext

CONTEXT = MathContext.from_mapping(
    {"symbols": {"s": "n x 1", "r": "1 x n", "I": "n x n", "x": "scalar"}}
)

PAIRS = [
    (r"\operatorname{diag}(s) - s s^T", r"\mathrm{diag}(s) - s s^\top", "equal"),
    (r"\text{diag}(s) - s s^T", "diag(s) - s s^T", "equal"),
    ("diag(r) - r^T r", "diag(r^T) - r^T r", "equal"),  # a row vector's entries too
    ("diag(s) - s s^T", "I - s s^T", "not_equal"),
    ("diag(s)", "s s^T", "not_equal"),
    ("diag(x)", "x", "equal"),  # a 1x1 diagonal matrix is its number
]


@pytest.mark.parametrize(("a", "b", "verdict"), PAIRS, ids=[f"{a} vs {b}" for a, b, _ in PAIRS])
def test_diag_of_a_vector(a, b, verdict):
    assert equivalent(a, b, CONTEXT).verdict == verdict


def test_diag_is_square_so_a_vector_added_to_it_is_a_shape_error():
    result = equivalent("diag(s) - s s^T", "diag(s) - s^T s", CONTEXT)
    assert result.verdict == "not_equal"
    assert result.diagnosis == "shape_mismatch"
    assert "diag(s)" in result.reason  # printed as written, not DiagMatrix(s)
