import numpy as np

def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()
