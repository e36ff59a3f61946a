"""compare_values: verdicts and the diagnostics a student can act on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from grader.numeric import compare_values
from grader.numeric.sandbox import Unsupported

RNG = np.random.default_rng(0)
V = RNG.normal(size=5)  # a (5,) vector
M = RNG.normal(size=(3, 4))  # a (3, 4) matrix
S = RNG.normal(size=(3, 3))  # a square matrix
N = 8  # a batch size the factor 1/n can be named from

CASES = [
    # id, actual, expected, passes, words in the message
    ("equal", V.copy(), V, True, []),
    ("tiny-rounding", V * (1 + 1e-9), V, True, []),
    ("column-vs-flat", V.reshape(-1, 1), V, False, ["shape (5, 1)", "(5,)", "values are right"]),
    ("flat-vs-column", V, V.reshape(-1, 1), False, ["shape (5,)", "(5, 1)"]),
    ("transposed", M.T, M, False, ["transposed", "shape (4, 3)"]),
    ("square-transposed", S.T, S, False, ["transposed"]),
    ("broadcast", np.ones((5, 5)), V, False, ["(5, 5)", "broadcasts"]),
    ("wrong-shape", np.ones(7), V, False, ["shape (7,), expected (5,)"]),
    ("sign", -V, V, False, ["sign is flipped"]),
    ("half", V / 2, V, False, ["half", "1/2"]),
    ("double", 2 * V, V, False, ["twice"]),
    ("mean-too-many", M / N, M, False, ["8 times too small", "mean"]),
    ("sum-not-mean", M * N, M, False, ["8 times too large", "sum"]),
    ("other-factor", 1.7 * V, V, False, ["constant factor of about 1.7"]),
    ("nan", np.where(np.arange(5) == 2, np.nan, V), V, False, ["1 NaN", "out of 5"]),
    ("inf", np.full(5, np.inf), V, False, ["5 infinite"]),
    ("zeros", np.zeros(5), V, False, ["all zeros"]),
    ("off", V + np.arange(5) * 0.1, V, False, ["max absolute error 4.00e-01", "1 of 5 entries"]),
    ("scalar-in-array", np.array([2.5]), np.array(2.5), True, []),
    ("scalar-off", np.array([2.0]), np.array(2.5), False, ["max absolute error 5.00e-01"]),
    ("complex-real", V + 0j, V, True, []),
    ("complex", V + 1j, V, False, ["complex"]),
    ("unsupported", Unsupported("AlwaysEqual"), V, False, ["AlwaysEqual", "not numbers"]),
    ("list-of-numbers", [np.array(v) for v in V], V, True, []),
    ("tuple-for-array", (V, V), V, False, ["shape (2, 5), expected (5,)"]),
    ("mixed-tuple", (V, np.ones(2)), V, False, ["should be an array", "tuple of 2 items"]),
    ("tuple-item", (V, -V), (V, V), False, ["item 1 of the result", "sign"]),
    ("tuple-length", (V,), (V, V), False, ["sequence of 2 items"]),
    ("dict-missing", {"a": V}, {"a": V, "b": V}, False, ["lacks the key(s) ['b']"]),
    ("dict-value", {"a": V, "b": 2 * V}, {"a": V, "b": V}, False, ["['b']", "twice"]),
    ("dict-for-array", V, {"a": V}, False, ["should be a dict"]),
]


@pytest.mark.parametrize(
    ("actual", "expected", "passes", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_compare(actual, expected, passes, words):
    found = compare_values(actual=actual, expected=expected, rtol=1e-6, atol=1e-12, sizes=(N, 3))
    assert found.passed is passes, found.message
    for word in words:
        assert word in found.message


def test_details_give_error_figures():
    found = compare_values(actual=V + np.array([0, 0, 0, 0, 1.0]), expected=V, rtol=1e-6)
    assert found.details["fraction_within"] == pytest.approx(0.8)
    assert found.details["max_abs_error"] == pytest.approx(1.0)


finite = arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6))


@settings(max_examples=100, deadline=None)
@given(finite)
def test_a_value_matches_itself(x):
    assert compare_values(actual=x.copy(), expected=x).passed


@settings(max_examples=100, deadline=None)
@given(finite.filter(lambda x: np.abs(x).max() > 1e-3))
def test_a_sign_flip_is_named(x):
    found = compare_values(actual=-x, expected=x)
    assert not found.passed and "sign is flipped" in found.message
