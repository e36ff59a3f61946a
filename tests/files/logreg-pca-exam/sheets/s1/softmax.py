import numpy as np

def softmax(z):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=-1, keepdims=True)   # subtract max for stability
    e = np.exp(z - m)
    return e / e.sum(axis=-1, keepdims=True)
