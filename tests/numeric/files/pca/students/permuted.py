import numpy as np


def pca(X, k):
    # forgot that eigh sorts the eigenvalues in ascending order
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred / (len(X) - 1))
    return vectors[:, -k:]
