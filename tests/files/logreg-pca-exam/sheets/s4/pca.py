import numpy as np

def pca(X, k):
    Xc = X - X.mean(0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    W = Vt[:k]
    W *= np.sign(W[np.arange(k), np.abs(W).argmax(1)])[:, None]
    return W, Xc @ W.T
