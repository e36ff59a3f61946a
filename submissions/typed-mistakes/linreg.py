"""Q1(e), with typical mistakes: a column-vector beta, a summed gradient."""

import numpy as np


def fit_normal_equation(X, y):
    y = y.reshape(-1, 1)  # makes beta (p, 1) instead of (p,)
    return np.linalg.inv(X.T @ X) @ X.T @ y


def gradient_descent(X, y, lr=0.01, n_iter=1000):
    beta = np.zeros(X.shape[1])
    for _ in range(n_iter):
        gradient = X.T @ (X @ beta - y)  # summed, not averaged over the n samples
        beta = beta - lr * gradient
    return beta
