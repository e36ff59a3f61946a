import numpy as np


def pca(X, k):
    # the data are not centred
    values, vectors = np.linalg.eigh(X.T @ X)
    return vectors[:, np.argsort(values)[::-1][:k]]
