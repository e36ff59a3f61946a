"""Q1(e): linear regression by the normal equation and by gradient descent."""

import numpy as np


def fit_normal_equation(X, y):
    # Solve X^T X beta = X^T y rather than forming the inverse.
    return np.linalg.solve(X.T @ X, X.T @ y)


def gradient_descent(X, y, lr=0.01, n_iter=1000):
    n, p = X.shape
    beta = np.zeros(p)
    for _ in range(n_iter):
        gradient = X.T @ (X @ beta - y) / n
        beta = beta - lr * gradient
    return beta
