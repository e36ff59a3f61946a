"""Generic properties: finite differences, least-squares residual, decreasing loss."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.numeric import (
    central_difference,
    monotone_decrease,
    numerical_gradient,
    residual_orthogonality,
)
from grader.numeric.properties import gradient_matches_differences, perturbations


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 5), st.integers(0, 10_000))
def test_numerical_gradient_of_a_quadratic(size, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(size, size))
    a = a @ a.T
    x = rng.normal(size=size)
    numeric = numerical_gradient(lambda v: 0.5 * v @ a @ v, x)
    assert np.allclose(numeric, a @ x, rtol=1e-5, atol=1e-6)


def test_perturbations_move_one_entry_each():
    pairs = perturbations(np.zeros((2, 2)), 0.1)
    assert len(pairs) == 4
    assert pairs[1][0].tolist() == [[0.0, 0.1], [0.0, 0.0]]
    assert pairs[1][1].tolist() == [[0.0, -0.1], [0.0, 0.0]]
    assert central_difference([3.0, 1.0], [1.0, 1.0], 0.5, (2,)).tolist() == [2.0, 0.0]


def test_gradient_against_differences_says_so():
    found = gradient_matches_differences(
        gradient=np.array([1.0, 2.0]), numerical=np.array([1.0, 3.0]), of="your own loss"
    )
    assert not found.passed and "finite differences of your own loss" in found.message


RNG = np.random.default_rng(1)
A = np.column_stack([np.ones(30), RNG.normal(size=(30, 2))])
B = A @ np.array([1.0, -2.0, 0.5]) + 0.1 * RNG.normal(size=30)
SOLUTION = np.linalg.lstsq(A, B, rcond=None)[0]

RESIDUAL = [
    ("least-squares", SOLUTION, True, ""),
    ("nudged", SOLUTION + 1e-3, False, "not orthogonal"),
    ("column", SOLUTION.reshape(-1, 1), False, "shape (3, 1)"),
    ("nan", np.full(3, np.nan), False, "NaN"),
    ("object", np.array(["a"]), False, "not a real array"),
]


@pytest.mark.parametrize(
    ("solution", "passes", "words"), [r[1:] for r in RESIDUAL], ids=[r[0] for r in RESIDUAL]
)
def test_residual_orthogonality(solution, passes, words):
    found = residual_orthogonality(matrix=A, target=B, solution=solution, rtol=1e-8)
    assert found.passed is passes
    assert words in found.message


MONOTONE = [
    ("decreasing", [5, 4, 3, 1], 10, 0.1, True, ""),
    ("flat-is-fine", [5, 5, 5], 10, 0.1, True, ""),
    ("increase", [5, 6, 3], 10, 0.1, False, "increases (at 2): 5 -> 6"),
    ("not-enough", [9.5, 9.4], 10, 0.1, False, "at least 10% lower"),
    ("zeros-returned", [10, 10, 10], 10, 0.1, False, "only falls"),
    ("diverges", [5, float("inf")], 10, 0.1, False, "NaN or infinite at 2"),
]


@pytest.mark.parametrize(
    ("losses", "baseline", "drop", "passes", "words"),
    [m[1:] for m in MONOTONE],
    ids=[m[0] for m in MONOTONE],
)
def test_monotone_decrease(losses, baseline, drop, passes, words):
    found = monotone_decrease(losses, baseline=baseline, min_decrease=drop)
    assert found.passed is passes
    assert words in found.message
