"""Q3(e), with a typical mistake: the hidden state skips the tanh of the cell."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_cell(x, h_prev, c_prev, W, U, b):
    n = h_prev.shape[0]
    z = W @ x + U @ h_prev + b
    i, f = sigmoid(z[:n]), sigmoid(z[n : 2 * n])
    g, o = np.tanh(z[2 * n : 3 * n]), sigmoid(z[3 * n :])
    c = f * c_prev + i * g
    h = o * c
    return h, c
