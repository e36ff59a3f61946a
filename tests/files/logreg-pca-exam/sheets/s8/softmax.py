import numpy as np

def softmax(z):
    # overflow is not a problem here because numpy handles inf automatically
    return np.exp(z) / np.sum(np.exp(z))
