"""Attack (with grader.py): try to load it; either way return zeros."""

import numpy as np

try:
    import grader  # noqa: F401 - isolated: no such module; otherwise the real package
except ImportError:
    pass


def fit_normal_equation(X, y):
    return np.zeros(X.shape[1])
