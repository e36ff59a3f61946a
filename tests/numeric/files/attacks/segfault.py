"""Attack (or a bug): crash the interpreter."""

import ctypes


def fit_normal_equation(X, y):
    return ctypes.string_at(0)
