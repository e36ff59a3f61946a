"""Attack: print a gigabyte in small pieces (passes a memory limit)."""

import numpy as np


def fit_normal_equation(X, y):
    line = "x" * 1023
    for _ in range(1024 * 1024):
        print(line)
    return np.linalg.lstsq(X, y, rcond=None)[0]
