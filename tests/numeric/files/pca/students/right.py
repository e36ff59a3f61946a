import numpy as np


def pca(X, k):
    centred = X - X.mean(axis=0)
    cov = centred.T @ centred / (X.shape[0] - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    components = vectors[:, order[:k]]
    for j in range(k):
        if components[np.argmax(np.abs(components[:, j])), j] < 0:
            components[:, j] = -components[:, j]
    return components
