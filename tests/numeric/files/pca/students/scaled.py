import numpy as np


def pca(X, k):
    # loadings (eigenvectors times the square root of the eigenvalue), not unit vectors
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred / (len(X) - 1))
    order = np.argsort(values)[::-1][:k]
    components = vectors[:, order] * np.sqrt(values[order])
    signs = np.sign(components[np.abs(components).argmax(axis=0), range(k)])
    return components * signs
