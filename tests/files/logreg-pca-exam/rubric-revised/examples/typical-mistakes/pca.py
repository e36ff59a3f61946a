import numpy as np


def pca(X, k):
    # eigh without the sign convention
    Xc = X - X.mean(axis=0)
    vals, vecs = np.linalg.eigh(Xc.T @ Xc / (X.shape[0] - 1))
    comps = vecs[:, ::-1][:, :k].T
    return comps, Xc @ comps.T
