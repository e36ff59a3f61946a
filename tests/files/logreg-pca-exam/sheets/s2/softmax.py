import numpy as np


def softmax(z):
    z = np.array(z, dtype=float)
    ez = np.exp(z)
    return ez / np.sum(ez, axis=-1, keepdims=True)
