"""Attack (with numpy.py): gets the real NumPy, so this returns zeros."""

import numpy as np


def fit_normal_equation(X, y):
    return np.zeros(X.shape[1])
