import numpy as np

def pca(X, k):
    X = np.asarray(X, dtype=float)
    mu = X.mean(axis=0)
    Xc = X - mu
    C = Xc.T @ Xc / (X.shape[0] - 1)
    vals, vecs = np.linalg.eigh(C)          # ascending order
    order = np.argsort(vals)[::-1][:k]
    components = vecs[:, order].T           # (k, d)
    Z = Xc @ components.T
    return components, Z
