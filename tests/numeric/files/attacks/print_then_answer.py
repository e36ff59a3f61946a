"""Attack: print past the output limit (2 MB, twice the default limit),
ignore the error, then return the right answer."""

import numpy as np


def fit_normal_equation(X, y):
    try:
        for _ in range(2048):
            print("x" * 1023)
    except OSError:
        pass
    return np.linalg.lstsq(X, y, rcond=None)[0]
