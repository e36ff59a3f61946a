"""PCA for Q4(d).

Plan: centre the data, take the SVD of the centred matrix (more stable than
forming the covariance and calling eig on it, since the condition number gets
squared when you form X^T X), the right singular vectors are the principal
directions, already sorted by singular value, i.e. by variance. Then fix the
sign as the question asks and project.
"""
import numpy as np


def pca(X, k):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    X_centered = X - mean
    U, S, Vt = np.linalg.svd(X_centered, full_matrices=False)
    components = Vt[:k, :].copy()
    # sign convention: biggest-magnitude entry of each component positive
    for i in range(k):
        biggest = np.argmax(np.abs(components[i]))
        if components[i, biggest] < 0:
            components[i] *= -1
    # project the data onto the components
    Z = X @ components.T
    return components, Z
