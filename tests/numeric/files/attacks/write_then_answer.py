"""Attack: write a file past the file-size limit (2 MB), ignore the error,
then return the right answer."""

import numpy as np


def fit_normal_equation(X, y):
    try:
        with open("big.bin", "wb") as handle:
            for _ in range(32):
                handle.write(b"\0" * 65536)
    except OSError:
        pass
    return np.linalg.lstsq(X, y, rcond=None)[0]
