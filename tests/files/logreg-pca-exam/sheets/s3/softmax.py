import numpy as np

def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    z = z - np.max(z)          # stable
    ex = np.exp(z)
    return ex / np.sum(ex, axis=-1, keepdims=True)
