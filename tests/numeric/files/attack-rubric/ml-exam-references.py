"""Reference models and input generators for the ML exam's code parts.

Used by the code checks of rubrics/ml-exam.yaml (Q1(e), Q2(e), Q3(e); the
checks themselves are in tests/numeric/files/ml-exam-code-checks.yaml). This
file is the instructor's: the grader imports it in its own process to make
inputs and expected values; it is never copied into the students' sandbox.

Conventions (rubrics/ml-exam.md):
- Q1(e): X (n, p) with a column of ones first, y (n,), beta (p,);
  loss (1/(2n)) ||y - X beta||^2.
- Q2(e): X (m, k), y (m,) in {0, 1}, W1 (k, h), b1 (h,), W2 (h, 1), b2 (1,);
  sigmoid hidden and output units, mean binary cross-entropy.
- Q3(e): gates stacked input, forget, cell candidate, output; x (k,),
  h_prev (h,), c_prev (h,), W (4h, k), U (4h, h), b (4h,).
"""

from __future__ import annotations

import numpy as np


# ------------------------------------------------------------------ Q1(e)
def regression_data(rng: np.random.Generator, n: int = 50, p: int = 4, noise: float = 0.01):
    """A column of ones then standard-normal features; y = X beta_true + small noise."""
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    beta_true = rng.standard_normal(p)
    y = X @ beta_true + noise * rng.standard_normal(n)
    return {"X": X, "y": y}


def fit_normal_equation(X, y):
    """The least-squares beta (via lstsq, not an explicit inverse)."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def gradient_descent(X, y, lr=0.01, n_iter=1000):
    n = X.shape[0]
    beta = np.zeros(X.shape[1])
    for _ in range(n_iter):
        beta = beta - lr * X.T @ (X @ beta - y) / n
    return beta


def mse_loss(beta, X, y):
    """(1/(2n)) ||y - X beta||^2 for a (p,) beta; a wrong shape gives NaN (never credit)."""
    beta = np.asarray(beta, dtype=float)
    if beta.shape != (X.shape[1],):
        return float("nan")
    residual = y - X @ beta
    return float(residual @ residual) / (2 * X.shape[0])


# ------------------------------------------------------------------ Q2(e)
def network_data(rng: np.random.Generator, m: int = 8, k: int = 3, h: int = 4):
    """A batch with both classes, and small random weights (no saturated units)."""
    y = rng.permutation(np.arange(m) % 2).astype(float)
    return {
        "X": rng.standard_normal((m, k)),
        "y": y,
        "W1": 0.5 * rng.standard_normal((k, h)),
        "b1": 0.1 * rng.standard_normal(h),
        "W2": 0.5 * rng.standard_normal((h, 1)),
        "b2": 0.1 * rng.standard_normal(1),
    }


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_backward(X, y, W1, b1, W2, b2):
    m = X.shape[0]
    a1 = _sigmoid(X @ W1 + b1)  # (m, h)
    a2 = _sigmoid(a1 @ W2 + b2)[:, 0]  # (m,)
    loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
    dz2 = (a2 - y)[:, None] / m  # (m, 1)
    dz1 = (dz2 @ W2.T) * a1 * (1 - a1)  # (m, h)
    return {
        "loss": float(loss),
        "dW1": X.T @ dz1,
        "db1": dz1.sum(axis=0),
        "dW2": a1.T @ dz2,
        "db2": dz2.sum(axis=0),
    }


# ------------------------------------------------------------------ Q3(e)
def lstm_data(rng: np.random.Generator, k: int = 3, h: int = 5):
    return {
        "x": rng.standard_normal(k),
        "h_prev": 0.5 * rng.standard_normal(h),
        "c_prev": 0.5 * rng.standard_normal(h),
        "W": 0.5 * rng.standard_normal((4 * h, k)),
        "U": 0.5 * rng.standard_normal((4 * h, h)),
        "b": 0.1 * rng.standard_normal(4 * h),
    }


def lstm_cell(x, h_prev, c_prev, W, U, b):
    h = h_prev.shape[0]
    z = W @ x + U @ h_prev + b
    i, f = _sigmoid(z[:h]), _sigmoid(z[h : 2 * h])
    g, o = np.tanh(z[2 * h : 3 * h]), _sigmoid(z[3 * h :])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
