"""The student's own helper module, imported by linreg.py."""

import numpy as np


def solve_normal_equation(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


def least_squares_gradient(X, y, beta):
    return X.T @ (X @ beta - y) / X.shape[0]
