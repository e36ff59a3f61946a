"""Q2(e): forward and backward pass of a two-layer sigmoid network."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_backward(X, y, W1, b1, W2, b2):
    m = X.shape[0]
    y = y.reshape(-1, 1)
    a1 = sigmoid(X @ W1 + b1)
    a2 = sigmoid(a1 @ W2 + b2)
    loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
    dz2 = (a2 - y) / m
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0)
    dz1 = dz2 @ W2.T * a1 * (1 - a1)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0)
    return {"loss": float(loss), "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
