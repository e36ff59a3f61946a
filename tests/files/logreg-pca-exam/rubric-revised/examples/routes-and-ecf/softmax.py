import numpy as np


def softmax(z):
    # global maximum: stable in 1-D, underflows a row in 2-D
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)
