"""Q3(e): one step of an LSTM cell (gates: input, forget, candidate, output)."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_cell(x, h_prev, c_prev, W, U, b):
    n = h_prev.shape[0]
    z = W @ x + U @ h_prev + b
    i = sigmoid(z[0:n])
    f = sigmoid(z[n : 2 * n])
    g = np.tanh(z[2 * n : 3 * n])
    o = sigmoid(z[3 * n : 4 * n])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c
