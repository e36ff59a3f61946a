"""References for tests/numeric/test_run.py."""

import numpy as np


def double(x):
    return 2 * x


def positive_vector(rng, n=4):
    return {"x": np.abs(rng.normal(size=n)) + 0.1}


def negative_vector(rng, n=4):
    return {"x": -np.abs(rng.normal(size=n)) - 0.1}
