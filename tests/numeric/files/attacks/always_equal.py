"""Attack: return objects that compare equal to anything."""

import numpy as np


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class EqualArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)


def fit_normal_equation(X, y):
    return AlwaysEqual()


def fit_equal_array(X, y):
    return np.zeros(X.shape[1]).view(EqualArray)
