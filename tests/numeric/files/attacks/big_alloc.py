"""Attack: allocate 20 GB."""

import numpy as np


def fit_normal_equation(X, y):
    block = np.ones(20 * 1024**3 // 8)
    return block[: X.shape[1]]
