import numpy as np

def pca(X, k):
    Xc = X - X.mean(axis=0)
    cov = np.cov(Xc, rowvar=False)
    vals, vecs = np.linalg.eigh(cov)
    components = vecs[:, :k].T     # first k eigenvectors
    Z = Xc @ components.T
    return components, Z
