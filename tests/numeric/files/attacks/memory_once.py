"""Attack: run out of memory on the first input only (a MemoryError, 20 GB
asked for), answer the others right: half marks, unless a run past the
memory limit earns nothing."""

import numpy as np

CALLS = []


def fit_normal_equation(X, y):
    CALLS.append(1)
    if len(CALLS) == 1:
        np.ones(20 * 1024**3 // 8)
    return np.linalg.lstsq(X, y, rcond=None)[0]
