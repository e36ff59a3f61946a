"""Attack (with json.py): json is Python's own, so this returns zeros."""

import json  # noqa: F401 - the attack is that this might load ./json.py

import numpy as np


def fit_normal_equation(X, y):
    return np.zeros(X.shape[1])
