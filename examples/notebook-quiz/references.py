"""Reference model for the notebook quiz's code part."""

import numpy as np


def mse(y, y_hat):
    """The mean of the squared errors."""
    return float(np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2))
